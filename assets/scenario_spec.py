"""scenario_spec: the coverage wanted, read from the scenario spec (a YAML file).

Made by the planning stage (resources/planning/).
"""
import dagster as dg

from dagster_project.configurable import LakeResource, ScenarioResource, TransferResource
from dagster_project.metadata import to_result
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.planning.engine import SpecError, load_spec
from resources.planning.stage import publish_spec


@dg.asset(
    group_name="factory",
    kinds={"delta", "yaml"},
    description="The scenario spec (a YAML file) as a table: target shares of conditions per scene type, "
    "and hand-written requests (the failure log's requests come from the failure_log table).",
)
def scenario_spec(lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource) -> dg.MaterializeResult:
    try:
        spec = load_spec(scenario.path, transfer.engine().supports)
    except SpecError as err:
        raise dg.Failure(description=str(err)) from err
    with refused_batches_fail_the_step():
        return to_result(publish_spec(lake.lake(), spec, scenario.path))
