"""Lake maintenance: compact small files, vacuum old ones, collect unreferenced blobs.

Nothing a dataset release pins is ever removed: vacuum (delta-rs's, with ``keep_versions``)
keeps every file a pinned version reads, and blob collection counts the blobs those versions point at as referenced. A blob
younger than the grace period is kept too: a running materialization writes its blobs
before it commits the rows that refer to them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyarrow.fs as pafs

from resources.lake import Lake
from resources.lake.releases import pinned_versions
from resources.lake.tables import TABLES


@dataclass
class MaintenanceReport:
    compacted: dict[str, dict] = field(default_factory=dict)  # table -> files added/removed
    vacuumed: dict[str, int] = field(default_factory=dict)  # table -> files deleted
    kept_for_releases: dict[str, int] = field(default_factory=dict)  # table -> files vacuum would have deleted
    blobs_deleted: int = 0
    blobs_referenced: int = 0
    blobs_kept_young: int = 0


def compact(lake: Lake, report: MaintenanceReport) -> None:
    """Every partition of more than one file, rewritten as one, the same safe way the commit
    path compacts (resources/lake/compaction.py): a compaction that meets a concurrent commit
    gives up and is counted as skipped, so two maintenance runs at once are harmless."""
    for name, spec in TABLES.items():
        partitions = lake.partitions(name) if spec.partition_by else [None]
        done = lake.compact_if_fragmented(name, partitions, limit=1)
        committed = [c for c in done if c.committed]
        if done:
            report.compacted[name] = {
                "partitions_compacted": len(committed), "files_removed": sum(c.files_before for c in committed),
                "files_added": sum(c.files_after or 0 for c in committed),
                "skipped_for_concurrent_commits": len(done) - len(committed),
            }


def vacuum(lake: Lake, retention_hours: float, report: MaintenanceReport) -> None:
    """delta-rs's own VACUUM (it commits VACUUM START/END to the log), keeping every file a
    release pins (``keep_versions``): a pinned version reads whole whatever its age."""
    pins = pinned_versions(lake)
    for name in TABLES:
        dt = lake.delta_table(name)
        if dt is None:
            continue
        options = {"retention_hours": int(retention_hours), "enforce_retention_duration": False}
        candidates = dt.vacuum(dry_run=True, **options)
        keep = sorted(pins.get(name, ()))
        deleted = dt.vacuum(dry_run=False, keep_versions=keep or None, **options) if candidates else []
        report.vacuumed[name] = len(deleted)
        if len(deleted) < len(candidates):
            report.kept_for_releases[name] = len(candidates) - len(deleted)


def versions_committed_since(lake: Lake, name: str, cutoff_s: float) -> set[int]:
    """The versions of a table whose commit file was written at or after ``cutoff_s``.

    Read from the log's own file names and modification times (the times Delta's time travel
    goes by), not from ``DeltaTable.history()``: delta-rs numbers history entries by counting
    back from the loaded version, and a writer committing meanwhile shifts every number (and
    drove one below zero beside a running materialization)."""
    selector = pafs.FileSelector(f"{lake.blobs.fs_base}/tables/{name}/_delta_log", allow_not_found=True)
    versions = set()
    for info in lake.blobs.fs.get_file_info(selector):
        stem = info.base_name.removesuffix(".json")
        if info.base_name.endswith(".json") and stem.isdigit() and info.mtime is not None and info.mtime.timestamp() >= cutoff_s:
            versions.add(int(stem))
    return versions


def referenced_blobs(lake: Lake, retention_hours: float) -> set[str]:
    """Blob keys any retained table version refers to: the current one, every version within
    the retention window (time travel still reaches them), and every version a release pins."""
    pins = pinned_versions(lake)
    cutoff_s = time.time() - retention_hours * 3600
    keys: set[str] = set()
    for name, spec in TABLES.items():
        columns = [f.name for f in spec.schema if f.name.endswith("blob_key")]
        dt = lake.delta_table(name)
        if not columns or dt is None:
            continue
        versions = {dt.version()} | pins.get(name, set())
        versions |= versions_committed_since(lake, name, cutoff_s)
        for version in sorted(versions):
            for batch in lake.iter_batches(name, columns, batch_size=4096, version=version):
                for column in batch.columns:
                    keys.update(k for k in column.to_pylist() if k)
    return keys


def collect_blobs(lake: Lake, retention_hours: float, report: MaintenanceReport) -> None:
    referenced = referenced_blobs(lake, retention_hours)
    report.blobs_referenced = len(referenced)
    young = time.time() - retention_hours * 3600
    selector = pafs.FileSelector(f"{lake.blobs.fs_base}/blobs", recursive=True, allow_not_found=True)
    for info in lake.blobs.fs.get_file_info(selector):
        if info.type != pafs.FileType.File:
            continue
        key = info.path.split(f"{lake.blobs.fs_base}/", 1)[1]
        if key in referenced:
            continue
        if info.mtime is not None and info.mtime.timestamp() > young:
            report.blobs_kept_young += 1
            continue
        # Asked again just before the delete: a run may have re-used (and so refreshed) the
        # blob since the listing (resources/lake/blobs.py, BlobStore._reuse).
        now = lake.blobs.fs.get_file_info(info.path)
        if now.type != pafs.FileType.File or (now.mtime is not None and now.mtime.timestamp() > young):
            report.blobs_kept_young += 1
            continue
        lake.blobs.fs.delete_file(info.path)
        report.blobs_deleted += 1


def run_maintenance(lake: Lake, retention_hours: float) -> MaintenanceReport:
    report = MaintenanceReport()
    compact(lake, report)
    vacuum(lake, retention_hours, report)
    collect_blobs(lake, retention_hours, report)
    return report
