"""When the factory runs by itself: a nightly refresh, and a sensor on the landing zone."""
import datetime
import time

import dagster as dg

from dagster_project.configurable import LandingZoneResource
from dagster_project.jobs import factory_job
from dagster_project.partitions import DAILY
from resources.sources.landing import LandingCursor, files_landed_since


@dg.schedule(
    cron_schedule="0 2 * * *",
    job=factory_job,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 UTC, materialize the day that just ended: footage that landed "
    "yesterday, through every table.",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = (context.scheduled_execution_time - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=f"nightly-{day}", partition_key=day, tags={"factory/trigger": "nightly"})


@dg.sensor(
    job=factory_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches the landing zone and requests a run of each day's partition that received new "
    "files. A cursor remembers what was seen; files still being written wait for the next tick.",
)
def landing_zone_sensor(context: dg.SensorEvaluationContext, landing: LandingZoneResource) -> dg.SensorResult:
    by_day, cursor = files_landed_since(landing.zone(), LandingCursor.from_json(context.cursor), landing.settle_s, time.time())
    requests, skipped = [], []
    for day, files in sorted(by_day.items()):
        if not DAILY.has_partition_key(day):
            skipped.append(f"{day} ({len(files)} files): not a partition of this deployment")
            continue
        names = ", ".join(f.name for f in files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        requests.append(
            dg.RunRequest(run_key=f"landing-{day}-{cursor.mtime}-{len(files)}", partition_key=day, tags={"factory/trigger": "landing", "factory/new_files": str(len(files))})
        )
        context.log.info(f"{len(files)} new file(s) for {day}: {names}")
    for line in skipped:
        context.log.warning(f"skipped {line}")
    return dg.SensorResult(run_requests=requests, cursor=cursor.to_json())
