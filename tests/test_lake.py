"""The lake: real Delta tables (delta-rs) and the content-addressed blob store."""
import threading

import pyarrow as pa
import pytest

from resources.lake.blobs import blob_key
from resources.lake.tables import REJECTS, reject_row


def _rejects(n: int, start: int = 0) -> pa.Table:
    return pa.Table.from_pylist([reject_row("raw_footage", f"s{i}", "x", f"reason {i}") for i in range(start, start + n)], schema=REJECTS.schema)


def test_merge_is_idempotent(lake):
    first = lake.merge("rejects", _rejects(3))
    assert (first.version, first.rows_inserted) == (0, 3)
    again = lake.merge("rejects", _rejects(3))
    assert again.version is None and again.rows_inserted == 0  # nothing new: no commit at all
    assert lake.version("rejects") == 0 and lake.row_count("rejects") == 3
    more = lake.merge("rejects", _rejects(4, start=1))  # s1, s2 known; s3, s4 new
    assert (more.version, more.rows_inserted) == (1, 2)
    assert sorted(lake.keys("rejects", "subject_id")) == ["s0", "s1", "s2", "s3", "s4"]


def test_merge_update_existing_changes_matched_rows(lake):
    lake.merge("rejects", _rejects(2))
    changed = _rejects(2).to_pylist()
    changed[0]["reason"] = "rewritten"
    info = lake.merge("rejects", pa.Table.from_pylist(changed, schema=REJECTS.schema), update_existing=True)
    assert info.rows_updated == 2 and info.rows_inserted == 0
    assert "rewritten" in lake.read("rejects", ["reason"]).column("reason").to_pylist()


def test_concurrent_merges_lose_and_duplicate_nothing(lake):
    lake.merge("rejects", _rejects(1))
    errors = []

    def writer(start: int) -> None:
        try:
            lake.merge("rejects", _rejects(5, start=start))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,)) for s in (100, 200, 300, 100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    keys = lake.read("rejects", ["reject_id"]).column("reject_id").to_pylist()
    assert len(keys) == len(set(keys)) == 16  # 1 + 3 x 5 distinct; the repeated batch added nothing


def _create_and_merge(root: str, barrier, results) -> None:
    from resources.lake import Lake

    barrier.wait()  # both writers find no table, then race to create it
    try:
        results.put(Lake(root).merge("rejects", _rejects(200)).rows_inserted)
    except Exception as exc:  # noqa: BLE001 - reported below
        results.put(repr(exc))


def test_two_writers_creating_a_table_at_once_duplicate_nothing(tmp_path):
    """Two processes (delta-rs is not fork-safe: spawned) whose first commit creates the table.
    delta-rs would commit the loser's creation as an append of the same rows."""
    import multiprocessing

    from resources.lake import Lake

    ctx = multiprocessing.get_context("spawn")
    for trial in range(3):
        root = str(tmp_path / f"lake{trial}")
        barrier, results = ctx.Barrier(2), ctx.Queue()
        writers = [ctx.Process(target=_create_and_merge, args=(root, barrier, results)) for _ in range(2)]
        for w in writers:
            w.start()
        for w in writers:
            w.join(timeout=120)
        inserted = sorted(results.get(timeout=5) for _ in writers)
        assert inserted == [0, 200], inserted  # one created the table; the other found every key there
        keys = Lake(root).read("rejects", ["reject_id"]).column("reject_id").to_pylist()
        assert len(keys) == len(set(keys)) == 200


def test_read_missing_table_is_empty_with_schema(lake):
    t = lake.read("curated_clips", ["clip_id", "status"])
    assert t.num_rows == 0 and t.schema.names == ["clip_id", "status"]
    assert lake.version("curated_clips") is None


def test_iter_batches_streams_bounded_batches(lake):
    lake.merge("rejects", _rejects(50))
    sizes = [b.num_rows for b in lake.iter_batches("rejects", ["reject_id"], batch_size=8)]
    assert sum(sizes) == 50 and max(sizes) <= 8


def test_blobs_are_content_addressed_and_immutable(lake, tmp_path):
    ref = lake.blobs.put_bytes(b"frame bytes", "bin")
    assert ref.key == blob_key(ref.sha256, "bin") and ref.key.startswith(f"blobs/{ref.sha256[:2]}/")
    src = tmp_path / "copy.bin"
    src.write_bytes(b"frame bytes")
    assert lake.blobs.put_file(src, "bin") == ref  # same bytes, any name: one blob
    assert list(lake.blobs.iter_keys()) == [ref.key]
    assert lake.blobs.read_bytes(ref.key) == b"frame bytes"
    with lake.blobs.local_path(ref.key) as p:
        assert p.read_bytes() == b"frame bytes"


def test_merge_rejects_rows_of_the_wrong_type(lake):
    bad = pa.table({"reject_id": ["a"], "stage": ["raw_footage"], "subject_id": ["s"], "source_uri": [None],
                    "reason_code": ["x"], "reason": ["y"], "details": ["{}"], "rejected_at": ["not a time"]})
    with pytest.raises(pa.ArrowInvalid):
        lake.merge("rejects", bad)
    assert lake.version("rejects") is None


def test_a_commit_reads_only_the_partitions_of_its_batch(lake):
    """A lake that grows every night must not make every commit slower: the merge reads the
    keys, and scans the files, of the batch's own days only. Shown by making every other
    day's data files unreadable: the commit still goes through."""
    import os

    from tests.conftest import table_rows

    lake.merge("curated_clips", table_rows("curated_clips", ["a1", "a2"], day="2026-11-01"))
    lake.merge("curated_clips", table_rows("curated_clips", ["b1"], day="2026-11-02"))
    old_files = [f for f in lake.delta_table("curated_clips").file_uris() if "ingest_date=2026-11-01" in f]
    assert old_files
    for uri in old_files:
        path = uri.removeprefix("file://")
        with open(path, "wb") as fh:  # garbage where the old day's Parquet was
            fh.write(b"not parquet")
        os.utime(path)
    commit = lake.merge("curated_clips", table_rows("curated_clips", ["b1", "b2"], day="2026-11-02"))
    assert commit.rows_inserted == 1  # b1 was found (its day was read), b2 is new
    assert lake.keys("curated_clips", partition="2026-11-02") == {"b1", "b2"}


def test_a_pruned_read_never_opens_a_file_whose_key_statistics_rule_it_out(lake):
    """What trace leans on across days: a lookup by key skips, by the Delta log's min/max
    statistics alone, every file whose key range cannot hold the key. Shown by making those
    files unreadable: the lookup still finds its row, and an unpruned read fails on them."""
    from tests.conftest import table_rows

    lake.merge("raw_footage", table_rows("raw_footage", ["a1", "a2"], day="2026-11-01"))
    lake.merge("raw_footage", table_rows("raw_footage", ["m1", "m2"], day="2026-11-01"))
    lake.merge("raw_footage", table_rows("raw_footage", ["z1", "z2"], day="2026-11-02"))
    files = lake.delta_table("raw_footage").file_uris()
    for uri in [u for u in files if "m1" not in _keys_of_file(u)]:
        with open(uri.removeprefix("file://"), "wb") as fh:
            fh.write(b"not parquet")
    batches = list(lake.iter_batches("raw_footage", ["footage_id"], prune=[("footage_id", "=", "m2")]))
    assert sorted(k for b in batches for k in b.column("footage_id").to_pylist()) == ["m1", "m2"]
    assert lake.lookup("raw_footage", "footage_id", "m2", ["footage_id", "ingest_date"]) == {"footage_id": "m2", "ingest_date": "2026-11-01"}
    assert lake.lookup("raw_footage", "footage_id", "q1") is None  # between every file's range: nothing opened
    assert lake.lookup("raw_footage", "footage_id", "m2", partition="2026-11-02") is None
    with pytest.raises(pa.ArrowException):
        list(lake.iter_batches("raw_footage", ["footage_id"]))


def _keys_of_file(uri: str) -> list[str]:
    import pyarrow.parquet as pq

    return pq.read_table(uri.removeprefix("file://"), columns=["footage_id"]).column("footage_id").to_pylist()


def test_a_new_table_keeps_statistics_for_its_key_and_ids_only(lake):
    """Per-file min/max in the log for what lookups search by (the key, the parent ids), not
    for all 60 columns of a clip row: log entries, table opens and datasets stay small."""
    from tests.conftest import table_rows

    lake.merge("curated_clips", table_rows("curated_clips", ["c1", "c2"], footage_id="f1", caption="a caption"))
    lake.merge("curated_clips", table_rows("curated_clips", ["c3"], footage_id="f2", caption="another"))
    dt = lake.delta_table("curated_clips")
    assert dt.metadata().configuration["delta.dataSkippingStatsColumns"] == "clip_id,footage_id,episode_id"
    lows = dt.get_add_actions(flatten=False).column("min").to_pylist()
    assert sorted((m["clip_id"], m["footage_id"]) for m in lows) == [("c1", "f1"), ("c3", "f2")]
    assert all(set(m) == {"clip_id", "footage_id", "episode_id"} for m in lows)  # no caption, no other column
    assert lake.lookup("curated_clips", "footage_id", "f2", ["clip_id"]) == {"clip_id": "c3"}
