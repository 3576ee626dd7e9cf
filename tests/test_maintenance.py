"""The maintenance job: compaction, vacuum and blob garbage collection, around releases."""
import os
import time
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.fs as pafs

from dagster_project.configurable import LakeResource
from dagster_project.maintenance import maintenance_job
from resources.lake.releases import RELEASED_TABLES, Release, read_release
from resources.lake.tables import TABLES
from tests.conftest import table_rows


def _old(lake, key: str, hours: float = 48) -> None:
    stamp = time.time() - hours * 3600
    os.utime(f"{lake.root}/{key}", (stamp, stamp))


def _data_files(lake, table: str) -> set[str]:
    selector = pafs.FileSelector(f"{lake.root}/tables/{table}", recursive=True)
    return {i.path for i in pafs.LocalFileSystem().get_file_info(selector) if i.path.endswith(".parquet")}


def _maintain(lake, retention_hours: float) -> dict:
    result = maintenance_job.execute_in_process(
        run_config={"ops": {"maintain_lake": {"config": {"retention_hours": retention_hours}}}}, resources={"lake": LakeResource(root=lake.root)}
    )
    assert result.success
    output = next(e for e in result.all_events if e.event_type_value == "STEP_OUTPUT")
    return {k: v.value for k, v in output.event_specific_data.metadata.items()}


def test_compaction_vacuum_and_gc_keep_what_a_release_pins(lake):
    blobs = {name: lake.blobs.put_bytes(name.encode() * 100, "mp4").key for name in ("a", "b", "c", "orphan")}
    for name in blobs:
        _old(lake, blobs[name])
    # Three one-row commits: three small files per table.
    for i, name in enumerate(("a", "b", "c")):
        for table in RELEASED_TABLES:
            lake.merge(table, table_rows(table, [f"{table[:3]}{i}"], blob_key=blobs[name]) if table != "tokenized_shards" else table_rows(table, [f"t{i}"]))
    release = Release("r1", {t: lake.version(t) for t in RELEASED_TABLES}, {}, {}, "test", datetime.now(timezone.utc))
    lake.merge("dataset_releases", pa.Table.from_pylist([release.row()], schema=TABLES["dataset_releases"].schema))
    pinned_rows = read_release(lake, "r1", "raw_footage").to_pylist()
    # After the release, row "b" is deleted from raw_footage: only the pinned version refers to blob b.
    lake.delta_table("raw_footage").delete("footage_id = 'raw1'")
    assert sorted(lake.keys("raw_footage")) == ["raw0", "raw2"]
    # An unpinned table with many small files, whose old files are garbage after compaction.
    for i in range(4):
        lake.merge("rejects", table_rows("rejects", [f"r{i}"], stage="raw_footage", subject_id="x", reason_code="c", reason="r"))
    before_rejects = _data_files(lake, "rejects")

    report = _maintain(lake, retention_hours=0)

    assert report["compacted"]["rejects"] == {"partitions_compacted": 1, "files_removed": 4, "files_added": 1, "skipped_for_concurrent_commits": 0}
    assert report["files_vacuumed"]["rejects"] == 4 and before_rejects.isdisjoint(_data_files(lake, "rejects"))
    assert lake.row_count("rejects") == 4
    # The release still reads exactly its rows: vacuum kept the files its versions need.
    assert report["files_kept_for_releases"]["raw_footage"] >= 3
    assert read_release(lake, "r1", "raw_footage").to_pylist() == pinned_rows
    # Blob b is referenced only by the pinned version: kept. The orphan is gone.
    assert report["blobs_deleted"] == 1
    assert all(lake.blobs.exists(blobs[n]) for n in ("a", "b", "c")) and not lake.blobs.exists(blobs["orphan"])


def test_young_unreferenced_blobs_are_kept_for_runs_in_flight(lake):
    lake.merge("raw_footage", table_rows("raw_footage", ["f0"], blob_key=lake.blobs.put_bytes(b"kept", "mp4").key))
    young = lake.blobs.put_bytes(b"written by a run that has not committed yet", "mp4").key
    old = lake.blobs.put_bytes(b"left by a run that died a week ago", "mp4").key
    _old(lake, old, hours=24 * 8)
    report = _maintain(lake, retention_hours=24)
    assert report["blobs_deleted"] == 1 and report["blobs_kept_young"] == 1
    assert lake.blobs.exists(young) and not lake.blobs.exists(old)
    # A second run finds nothing more to do.
    again = _maintain(lake, retention_hours=24)
    assert again["blobs_deleted"] == 0 and again["compacted"] == {}


def test_an_old_orphan_blob_that_a_run_reuses_is_not_collected(lake, monkeypatch):
    """Content-addressed reuse: a run cuts the same clip again and finds its blob already
    stored - an orphan from a week ago. Reuse refreshes the blob's age, so blob GC, which
    keeps young blobs for runs that have not committed yet, does not delete it."""
    data = b"a clip cut again by today's run"
    key = lake.blobs.put_bytes(data, "mp4").key
    _old(lake, key, hours=24 * 8)
    assert lake.blobs.put_bytes(data, "mp4").key == key  # the run re-uses it (and will commit a row naming it)
    assert _maintain(lake, retention_hours=24)["blobs_deleted"] == 0 and lake.blobs.exists(key)


def test_a_blob_reused_while_gc_runs_is_not_collected(lake, monkeypatch):
    """The race itself: GC has listed an old orphan; a run re-uses it before GC deletes it."""
    from resources.lake import maintenance

    data = b"an orphan a run is about to re-use"
    key = lake.blobs.put_bytes(data, "mp4").key
    _old(lake, key, hours=24 * 8)
    real = lake.blobs.fs

    class ReusedRightAfterTheListing:
        def __getattr__(self, name):
            return getattr(real, name)

        def get_file_info(self, what):
            infos = real.get_file_info(what)  # the listing GC decides from: the blob is old
            if isinstance(what, pafs.FileSelector):
                lake.blobs.put_bytes(data, "mp4")  # a run re-uses it right after
            return infos

    monkeypatch.setattr(lake.blobs, "fs", ReusedRightAfterTheListing())
    report = maintenance.MaintenanceReport()
    maintenance.collect_blobs(lake, 24, report)
    assert report.blobs_deleted == 0 and lake.blobs.exists(key)


def test_vacuum_is_delta_lakes_own_and_every_kept_version_reads_whole(lake):
    """Vacuum commits to the Delta log (VACUUM START/END), not behind its back, and every
    version it keeps - the current one, the retained ones and the pinned ones - reads whole."""
    for i in range(3):
        lake.merge("raw_footage", table_rows("raw_footage", [f"f{i}"]))
    release = Release("r1", {t: lake.version(t) for t in ("raw_footage",)}, {}, {}, "test", datetime.now(timezone.utc))
    lake.merge("dataset_releases", pa.Table.from_pylist([release.row()], schema=TABLES["dataset_releases"].schema))
    pinned = lake.version("raw_footage")
    lake.delta_table("raw_footage").delete("footage_id = 'f1'")
    for i in range(3, 5):
        lake.merge("raw_footage", table_rows("raw_footage", [f"f{i}"]))
    expected = {v: sorted(lake.read("raw_footage", ["footage_id"], version=v).column("footage_id").to_pylist())
                for v in range(lake.version("raw_footage") + 1)}

    report = _maintain(lake, retention_hours=0)

    operations = [h["operation"] for h in lake.delta_table("raw_footage").history()]
    assert "VACUUM START" in operations and "VACUUM END" in operations
    assert report["files_vacuumed"]["raw_footage"] > 0 and report["files_kept_for_releases"]["raw_footage"] > 0
    assert sorted(lake.read("raw_footage", ["footage_id"], version=pinned).column("footage_id").to_pylist()) == expected[pinned]
    assert sorted(lake.keys("raw_footage")) == expected[max(expected)] == ["f0", "f2", "f3", "f4"]


def test_the_retention_window_is_read_from_the_log_even_while_a_writer_commits(lake):
    """Versions inside the window come from the commit files' names and times. delta-rs's
    history() numbers its entries from the loaded version, so a commit made after loading
    shifts them (beside a running materialization one came out as -1)."""
    from resources.lake.maintenance import referenced_blobs, versions_committed_since

    keys = [lake.blobs.put_bytes(name.encode() * 100, "mp4").key for name in ("old", "recent")]
    for i, key in enumerate(keys):
        lake.merge("raw_footage", table_rows("raw_footage", [f"raw{i}"], blob_key=key))
    lake.delta_table("raw_footage").delete("footage_id = 'raw1'")  # v2: only v1 still refers to "recent"
    _old(lake, f"tables/raw_footage/_delta_log/{0:020d}.json")  # v0 falls outside a 1-hour window
    loaded = lake.delta_table("raw_footage")
    lake.merge("raw_footage", table_rows("raw_footage", ["raw2"], blob_key=keys[0]))  # v3, after loading

    assert versions_committed_since(lake, "raw_footage", time.time() - 3600) == {1, 2, 3}
    assert loaded.version() == 2
    referenced = referenced_blobs(lake, retention_hours=1)
    assert set(keys) <= referenced
