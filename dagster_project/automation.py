"""When the factory runs by itself: a nightly refresh, a sensor on the landing zone, a sensor
that runs a retry round when a day's variants were rejected, and the automation-condition
sensor that refreshes derived tables once their upstreams pass their blocking checks.

What starts on with a fresh instance: the nightly schedule, the weekly maintenance, the retry
sensor and the automation-condition sensor. The landing-zone sensor starts stopped: turning it
on makes every file already in the zone a run, which a deployment decides (README, "Automation")."""
import datetime
import hashlib
import time

import dagster as dg

from dagster_project.configurable import LakeResource, LandingZoneResource, ScenarioResource, TransferResource
from dagster_project.jobs import RETRY_RUN_CONFIG, factory_job, retry_job
from dagster_project.partitions import DAILY
from resources.planning.engine import load_spec
from resources.planning.stage import retries_due
from resources.sources.landing import LandingCursor, files_landed_since


# Dagster's own automation-condition sensor starts stopped, so the eager conditions the derived
# assets declare (REFRESH_WHEN_UPSTREAM_PASSES) would never fire. Declared here, it runs by default.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "refresh_when_upstream_passes",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Requests each derived table's partition once its upstreams were materialized and passed their "
    "blocking checks (the assets' automation conditions). Raw footage has none: it enters by the schedule and sensors.",
)


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


@dg.asset_sensor(
    asset_key=dg.AssetKey("evaluated_samples"),
    job=retry_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After each materialization of evaluated_samples: when some of the day's variants were rejected "
    "and their clips have retries left (the scenario resource's retry_budget), requests a retry round of that day. "
    "The budget bounds the loop: a day whose retries are spent requests nothing.",
)
def retry_rejected_sensor(
    context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry, lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource
):
    day = asset_event.dagster_event.partition if asset_event.dagster_event else None
    if day is None:
        return dg.SkipReason("evaluated_samples was materialized without a partition")
    # The plan asset already checked the spec against the backend; the sensor loads no model.
    spec = load_spec(scenario.path, lambda condition: True)
    due = retries_due(lake.lake(), spec, transfer.backend, day, scenario.retry_budget)
    if not due:
        return dg.SkipReason(f"{day}: no rejected variant has retries left")
    context.log.info(f"{day}: {len(due)} rejected recipe(s) to try again")
    # Keyed by the attempts it retries: a second look before the round has run asks for the same run.
    round_id = hashlib.sha256("|".join(due).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=f"retry-{day}-{round_id}", partition_key=day, run_config=RETRY_RUN_CONFIG, tags={"factory/trigger": "retry", "factory/retries": str(len(due))})
