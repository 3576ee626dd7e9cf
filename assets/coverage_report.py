"""coverage_report: how the kept clips spread over time of day, weather, motion, source and scene.

Made by the curation stage's coverage (resources/curation/coverage.py), over every kept clip.
"""
import dagster as dg

from dagster_project.configurable import LakeResource
from dagster_project.metadata import to_result
from dagster_project.partitions import REFRESH_WHEN_UPSTREAM_PASSES
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.curation.coverage import coverage_report as compute


@dg.asset(
    group_name="factory",
    deps=["curated_clips"],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "matplotlib"},
    description="One row per (dimension, value) over the kept clips: time of day, weather, motion level, "
    "source kind and scene type. The materialization shows it as a bar chart and a table.",
)
def coverage_report(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    with refused_batches_fail_the_step():
        return to_result(compute(lake.lake()), context)
