"""failure_log: the failures logged in the field, the demand the transfer plan answers.

Read by the sources (resources/sources/failure_log.py) from JSONL, CSV or Parquet files in a
``failure_logs/`` folder of the landing zone, and from a Delta table when one is configured.
"""
import dagster as dg

from dagster_project.configurable import LakeResource, LandingZoneResource, ScenarioResource
from dagster_project.metadata import suite_check_spec, to_result
from dagster_project.partitions import DAILY
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.sources.failure_log import failure_log_day


@dg.asset(
    group_name="factory",
    partitions_def=DAILY,
    check_specs=[suite_check_spec("failure_log")],
    kinds={"delta", "jsonl"},
    description="One row per failure logged in the field: when, where, the scene type or robot task, the conditions "
    "(night, rain, glare, ...), what failed, the severity and optionally the footage. Read from the JSONL, CSV or "
    "Parquet files that landed on the day in a `failure_logs/` folder of the landing zone, and from "
    "`scenario.failure_log_table` when set. An entry that cannot be read goes to `rejects` with its line and why.",
)
def failure_log(context: dg.AssetExecutionContext, lake: LakeResource, landing: LandingZoneResource, scenario: ScenarioResource) -> dg.MaterializeResult:
    with refused_batches_fail_the_step():
        return to_result(failure_log_day(lake.lake(), landing.zone(), context.partition_key, context.log, scenario.failure_log_table))
