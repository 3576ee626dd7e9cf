"""failure_coverage: per failure mode, the samples it asks for and how many were accepted.

Made by the planning stage (resources/planning/failure_modes.py), over the whole failure log,
the transfer plan and the evaluator's verdicts.
"""
import dagster as dg

from dagster_project.configurable import LakeResource, ScenarioResource, TransferResource
from dagster_project.metadata import to_result
from dagster_project.partitions import REFRESH_WHEN_UPSTREAM_PASSES
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.planning.engine import load_spec
from resources.planning.stage import failure_coverage as compute


@dg.asset(
    group_name="factory",
    deps=["failure_log", "transfer_plan", "evaluated_samples"],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "matplotlib"},
    description="One row per failure mode (scene type or task, condition, what failed): failures logged, accepted "
    "samples needed, planned, accepted, rejected and pending, the gap and whether it is closed, open or "
    "unplannable (a condition the transfer backend cannot render). Shown as a table and a bar chart.",
)
def failure_coverage(context: dg.AssetExecutionContext, lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource) -> dg.MaterializeResult:
    engine = transfer.engine()
    with refused_batches_fail_the_step():
        return to_result(compute(lake.lake(), load_spec(scenario.path, engine.supports), engine.supports), context)
