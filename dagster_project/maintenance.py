"""The maintenance job: compact, vacuum and collect garbage blobs, never touching a release."""
import dagster as dg
from pydantic import Field

from dagster_project.configurable import LakeResource
from resources.lake.maintenance import run_maintenance


class MaintenanceConfig(dg.Config):
    retention_hours: float = Field(
        default=168.0,
        description="Files and blobs younger than this stay (time travel reaches back this far, and running "
        "materializations write blobs before they commit). Versions a release pins are kept whatever their age.",
    )


@dg.op(description="Compact every partition of more than one file (a race-free overwrite, not delta-rs OPTIMIZE), VACUUM files beyond retention except those releases pin, then delete blobs no retained version references.")
def maintain_lake(context: dg.OpExecutionContext, config: MaintenanceConfig, lake: LakeResource) -> dg.Output:
    report = run_maintenance(lake.lake(), config.retention_hours)
    context.log.info(
        f"compacted {len(report.compacted)} tables, vacuumed {sum(report.vacuumed.values())} files "
        f"(kept {sum(report.kept_for_releases.values())} for releases), deleted {report.blobs_deleted} blobs"
    )
    return dg.Output(
        None,
        metadata={
            "compacted": dg.MetadataValue.json(report.compacted),
            "files_vacuumed": dg.MetadataValue.json(report.vacuumed),
            "files_kept_for_releases": dg.MetadataValue.json(report.kept_for_releases),
            "blobs_deleted": report.blobs_deleted,
            "blobs_referenced": report.blobs_referenced,
            "blobs_kept_young": report.blobs_kept_young,
        },
    )


@dg.job(description="Lake housekeeping: compaction, vacuum and blob garbage collection. Safe to run beside the factory.")
def maintenance_job() -> None:
    maintain_lake()


weekly_maintenance = dg.ScheduleDefinition(
    name="weekly_maintenance",
    job=maintenance_job,
    cron_schedule="0 4 * * 0",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sundays 04:00 UTC, after the nightly refresh.",
)
