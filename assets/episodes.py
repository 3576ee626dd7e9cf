"""episodes: one row per robot episode, its synchronized cameras and its actions.

Made by the episodes stage (resources/episodes/stage.py) from raw_footage, where ingest put
each camera stream of an episode (simulated or from a LeRobot v3 dataset) with its frames record.
"""
import dagster as dg

from dagster_project.configurable import LakeResource
from dagster_project.metadata import suite_check_spec, to_result
from dagster_project.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.episodes.stage import episodes_day


@dg.asset(
    group_name="factory",
    deps=["raw_footage"],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    partitions_def=DAILY,
    check_specs=[suite_check_spec("episodes")],
    kinds={"delta", "lerobot"},
    description="One row per robot episode that landed on the day: the task and its measured outcome, the cameras "
    "(each a raw_footage row) and, per frame, the observation state and the commanded action. An episode whose "
    "cameras and actions do not have the same number of frames goes to `rejects` with the counts.",
)
def episodes(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    with refused_batches_fail_the_step():
        return to_result(episodes_day(lake.lake(), context.partition_key, context.log))
