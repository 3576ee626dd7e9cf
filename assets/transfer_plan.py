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


class PlanConfig(dg.Config):
    """retry_rejected: a retry round (retry_job sets it): count the day's own verdicts and plan
    its rejected recipes again with new seeds, within the scenario's retry_budget per clip."""

    retry_rejected: bool = False


@dg.asset(
    group_name="factory",
    deps=["curated_clips", "scenario_spec", "failure_log"],
    partitions_def=DAILY,
    check_specs=[suite_check_spec("transfer_plan")],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta"},
    description="The recipes that move coverage of all kept clips toward the scenario spec and answer the failure "
    "log's open modes (each such row names the mode and the failures), placed on the partition's clips, each with its drawn parameters and the reason it was chosen. Coverage counts accepted "
    "and pending samples: a recipe whose variant was rejected is retried with a new seed, up to the retry "
    "budget per clip, in a retry round (retry_job, which the retry sensor runs). Recipes already planned are kept; conditions at target get none.",
)
def transfer_plan(
    context: dg.AssetExecutionContext, config: PlanConfig, lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource
) -> dg.MaterializeResult:
    engine = transfer.engine()
    spec = load_spec(scenario.path, engine.supports)
    with refused_batches_fail_the_step():
        return to_result(
            plan_day(lake.lake(), spec, engine.backend, context.partition_key, context.log, draw=engine.plan_params,
                     retry_budget=scenario.retry_budget, retry=config.retry_rejected, supports=engine.supports)
        )
