"""lerobot_export: the day's robot episodes as a LeRobot v3 dataset (recorded in lerobot_exports).

Made by the episodes stage's export (resources/episodes/stage.py, resources/episodes/lerobot_v3.py).
"""
import dagster as dg

from dagster_project.configurable import LakeResource
from dagster_project.metadata import suite_check_spec, to_result
from dagster_project.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.episodes.stage import export_day


@dg.asset(
    group_name="factory",
    deps=["episodes", "evaluated_samples"],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    partitions_def=DAILY,
    check_specs=[suite_check_spec("lerobot_exports", asset="lerobot_export")],
    kinds={"delta", "lerobot"},
    description="The day's accepted robot episodes and their accepted variants (every camera re-rendered under one "
    "recipe, flagged `physai/augmented` in the episode metadata) written as a LeRobot v3 dataset (meta/info.json, stats, tasks, episodes, "
    "data parquet and one MP4 per camera) under the lake's `exports/lerobot/<day>/` (or "
    "FACTORY_LAKE_LEROBOT_EXPORT_ROOT, a folder or an s3:// prefix), pinned in `lerobot_exports` to the Delta "
    "versions it read. Load it with `LeRobotDataset(repo_id, root=<uri>)`.",
)
def lerobot_export(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    with refused_batches_fail_the_step():
        return to_result(export_day(lake.lake(), lake.lerobot_root(), context.partition_key, context.log))
