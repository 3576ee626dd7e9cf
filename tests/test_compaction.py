"""Compaction on the commit path: a day's partition stays a few files however many commits it
takes, and no race between compactors, MERGEs and maintenance duplicates or drops a row."""
import threading

from resources.lake import Lake
from resources.lake.compaction import MAX_FILES_PER_PARTITION, compact_partition, partition_files
from tests.conftest import table_rows

DAY, OTHER_DAY = "2026-11-20", "2026-11-21"


def _files(lake: Lake, day: str) -> int:
    return partition_files(lake.delta_table("raw_footage"), "ingest_date", day)


def _keys(lake: Lake) -> list[str]:
    return lake.read("raw_footage", ["footage_id"]).column("footage_id").to_pylist()


def test_a_day_of_many_commits_stays_a_few_files_and_keeps_every_row(lake):
    lake.merge("raw_footage", table_rows("raw_footage", ["other0", "other1"], day=OTHER_DAY))
    lake.merge("raw_footage", table_rows("raw_footage", ["other2"], day=OTHER_DAY))
    other_files = set(lake.delta_table("raw_footage").file_uris(file_pruning_predicate=[("ingest_date", "=", OTHER_DAY)]))
    most = 0
    for i in range(3 * MAX_FILES_PER_PARTITION):
        lake.merge("raw_footage", table_rows("raw_footage", [f"f{i}"]))
        most = max(most, _files(lake, DAY))
    # A commit that crosses the limit compacts the day, so it never holds more than limit + 1... and
    # without compaction it would hold one file per commit.
    assert most <= MAX_FILES_PER_PARTITION
    assert sorted(_keys(lake)) == sorted([f"f{i}" for i in range(3 * MAX_FILES_PER_PARTITION)] + ["other0", "other1", "other2"])
    # The other day was never rewritten, and the compaction says what it was in the log.
    assert set(lake.delta_table("raw_footage").file_uris(file_pruning_predicate=[("ingest_date", "=", OTHER_DAY)])) == other_files
    operations = [h.get("factory.operation") for h in lake.delta_table("raw_footage").history()]
    assert "compaction" in operations


def test_a_compaction_that_meets_another_commit_gives_up_and_writes_nothing(lake):
    for i in range(3):
        lake.merge("raw_footage", table_rows("raw_footage", [f"f{i}"]))
    stale = lake.delta_table("raw_footage")
    lake.merge("raw_footage", table_rows("raw_footage", ["late"], day=OTHER_DAY))  # any commit, even another day's
    version = lake.version("raw_footage")
    done = compact_partition(lake.dataset(stale, "raw_footage"), stale, "ingest_date", DAY, "footage_id")
    assert not done.committed and lake.version("raw_footage") == version
    assert sorted(_keys(lake)) == ["f0", "f1", "f2", "late"]


def _race(lake_root: str, work) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(fn):
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return errors


def test_two_compactors_and_two_writers_racing_lose_and_duplicate_nothing(tmp_path):
    root = str(tmp_path / "lake")
    Lake(root).merge("raw_footage", table_rows("raw_footage", [f"seed{i}" for i in range(5)]))

    def writer(prefix: str):
        def go():
            lake = Lake(root)
            for i in range(25):  # each commit may itself compact past the limit
                lake.merge("raw_footage", table_rows("raw_footage", [f"{prefix}{i}"]))
        return go

    def compactor():
        lake = Lake(root)
        for _ in range(25):
            lake.compact_if_fragmented("raw_footage", [DAY], limit=1)

    errors = _race(root, [writer("a"), writer("b"), compactor, compactor])
    assert errors == []
    keys = _keys(Lake(root))
    expected = [f"seed{i}" for i in range(5)] + [f"{p}{i}" for p in "ab" for i in range(25)]
    assert len(keys) == len(set(keys)) and sorted(keys) == sorted(expected)
    # Some compaction did commit amid the race (else this tested nothing).
    assert any(h.get("factory.operation") == "compaction" for h in Lake(root).delta_table("raw_footage").history())


def test_an_unpartitioned_table_is_left_to_maintenance(lake):
    """Compacting ``rejects`` on commit would rewrite the whole table each time; its files wait
    for maintenance_job, which compacts them the same safe way."""
    for i in range(MAX_FILES_PER_PARTITION + 3):
        lake.merge("rejects", table_rows("rejects", [f"r{i}"], stage="raw_footage", subject_id="x", reason_code="c", reason="r"))
    assert partition_files(lake.delta_table("rejects"), None, None) == MAX_FILES_PER_PARTITION + 3
    (done,) = lake.compact_if_fragmented("rejects", [None], limit=1)
    assert done.committed and done.files_after == 1 and lake.row_count("rejects") == MAX_FILES_PER_PARTITION + 3


def test_an_append_lands_only_on_the_snapshot_its_keys_were_checked_in(lake):
    """New rows are appended with no rebase: a stale snapshot's append gives up (the caller
    then MERGEs), so a concurrent writer's rows with the same keys are never doubled."""
    from resources.lake.tables import TABLES

    lake.merge("raw_footage", table_rows("raw_footage", ["f0"]))
    stale = lake.delta_table("raw_footage")
    assert lake.merge("raw_footage", table_rows("raw_footage", ["f1"])).rows_inserted == 1
    assert lake._append_if_unchanged(TABLES["raw_footage"], table_rows("raw_footage", ["f1"]), stale) is None
    assert lake.merge("raw_footage", table_rows("raw_footage", ["f1", "f2"])).rows_inserted == 1
    assert sorted(_keys(lake)) == ["f0", "f1", "f2"]
