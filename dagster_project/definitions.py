"""The code location: assets, checks, jobs and the resources of this environment."""
import dagster as dg

from assets.coverage_report import coverage_report
from assets.curated_clips import curated_clips
from assets.dataset_release import dataset_release
from assets.evaluated_samples import evaluated_samples
from assets.evaluation_summary import evaluation_summary
from assets.raw_footage import raw_footage
from assets.tokenized_shards import tokenized_shards
from assets.transfer_plan import scenario_spec, transfer_plan
from assets.transferred_variants import transferred_variants
from dagster_project.automation import landing_zone_sensor, nightly_refresh
from dagster_project.checks import CHECKS
from dagster_project.jobs import factory_job
from dagster_project.maintenance import maintenance_job, weekly_maintenance
from dagster_project.resources import resources_for

defs = dg.Definitions(
    assets=[
        raw_footage, curated_clips, coverage_report, scenario_spec, transfer_plan,
        transferred_variants, evaluated_samples, evaluation_summary, tokenized_shards, dataset_release,
    ],
    asset_checks=CHECKS,
    jobs=[factory_job, maintenance_job],
    schedules=[nightly_refresh, weekly_maintenance],
    sensors=[landing_zone_sensor],
    resources=resources_for(),
)
