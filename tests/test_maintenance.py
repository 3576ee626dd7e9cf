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

    assert report["compacted"]["rejects"] == {"files_added": 1, "files_removed": 4}
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
