"""raw_footage: every landed video file once, real or simulated, with its probe.

Made by the sources (resources/sources/): the landing zone, ingest and the simulator.
"""
import dagster as dg

from dagster_project.configurable import LakeResource, LandingZoneResource, SimulatorResource
from dagster_project.metadata import suite_check_spec, to_result
from dagster_project.partitions import DAILY
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.sources.stage import ingest_day


@dg.asset(
    group_name="factory",
    partitions_def=DAILY,
    check_specs=[suite_check_spec("raw_footage")],
    kinds={"delta", "pyav", "pybullet"},
    description="Every file that landed on the partition's day (its `YYYY-MM-DD/` folder in the landing zone, a local "
    "directory or an S3 prefix, "
    "else its modification date), LeRobot v3 datasets that landed there (one row per episode and camera), "
    "plus simulated pybullet scenes and robot episodes not rendered before, keyed by the sha256 of "
    "its bytes. Files that are not decodable video, and datasets that cannot be read, go to `rejects` with a reason.",
)
def raw_footage(
    context: dg.AssetExecutionContext, lake: LakeResource, landing: LandingZoneResource, simulator: SimulatorResource
) -> dg.MaterializeResult:
    with refused_batches_fail_the_step():
        return to_result(
            ingest_day(lake.lake(), landing.zone(), landing.ingest_settings(), landing.settle_s, simulator.scene_params(), context.partition_key, context.log,
                       simulator.episode_params())
        )
