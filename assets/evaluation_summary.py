"""evaluation_summary: pass rates per condition and backend, as a table and a plot.

Made by the evaluation stage's summary (resources/evaluation/summary.py), over every sample.
"""
import dagster as dg

from dagster_project.configurable import LakeResource
from dagster_project.metadata import to_result
from dagster_project.partitions import REFRESH_WHEN_UPSTREAM_PASSES
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.evaluation.summary import evaluation_summary as compute


@dg.asset(
    group_name="factory",
    deps=["evaluated_samples"],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "matplotlib"},
    description="Per condition and backend: samples, passes, pass rate and the check that failed most.",
)
def evaluation_summary(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    with refused_batches_fail_the_step():
        return to_result(compute(lake.lake()), context)
