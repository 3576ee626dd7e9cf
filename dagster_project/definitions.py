"""The code location: the assets and checks gathered from their modules, the jobs, the
automation and the resources of this environment."""
import dagster as dg

from dagster_project.automation import automation_sensor, landing_zone_sensor, nightly_refresh, retry_rejected_sensor
from dagster_project.catalog import ASSETS, CHECKS
from dagster_project.jobs import factory_job, retry_job
from dagster_project.maintenance import maintenance_job, weekly_maintenance
from dagster_project.resources import resources_for

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[factory_job, retry_job, maintenance_job],
    schedules=[nightly_refresh, weekly_maintenance],
    sensors=[landing_zone_sensor, retry_rejected_sensor, automation_sensor],
    resources=resources_for(),
)
