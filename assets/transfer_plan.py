"""transfer_plan: the recipes that close the gap between the kept clips' coverage and the spec.

Made by the planning stage (resources/planning/).
"""
import dagster as dg

from dagster_project.configurable import LakeResource, ScenarioResource, TransferResource
from dagster_project.metadata import suite_check_spec, to_result
from dagster_project.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.planning.engine import load_spec
from resources.planning.stage import plan_day


@dg.asset(
    group_name="factory",
    deps=["curated_clips", "scenario_spec"],
    partitions_def=DAILY,
    check_specs=[suite_check_spec("transfer_plan")],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta"},
    description="The recipes that move coverage of all kept clips toward the scenario spec, placed on the "
    "partition's clips, each with the reason it was chosen. Recipes already planned are kept; conditions at "
    "target get none.",
)
def transfer_plan(context: dg.AssetExecutionContext, lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource) -> dg.MaterializeResult:
    engine = transfer.engine()
    spec = load_spec(scenario.path, engine.supports)
    with refused_batches_fail_the_step():
        return to_result(plan_day(lake.lake(), spec, engine.backend, context.partition_key, context.log))
