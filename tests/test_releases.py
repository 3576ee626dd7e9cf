"""Dataset releases: a name pins the five tables' versions, and reads back the same rows
after the tables have moved on."""
import dagster as dg
import pytest

from assets.dataset_release import dataset_release
from dagster_project.resources import resources_for
from resources.lake.releases import RELEASED_TABLES, ReleaseError, load_release, read_release
from resources.tokenization.loader import TokenShardDataset
from tests.conftest import table_rows


def _tokens(keys):
    return table_rows("tokenized_shards", keys, split="train", shard_id="s", tokens=b"\x00\x01", token_shape=[2], token_dtype="uint8", caption="c")


def _seed(lake, n: int = 3):
    for table in RELEASED_TABLES:
        rows = _tokens([f"t{i}" for i in range(n)]) if table == "tokenized_shards" else table_rows(table, [f"{table[:3]}{i}" for i in range(n)])
        lake.merge(table, rows)


def _release(lake, name: str, tmp_path) -> dg.ExecuteInProcessResult:
    resources = resources_for("local", lake={"root": lake.root})
    return dg.materialize([dataset_release], resources=resources, run_config={"ops": {"dataset_release": {"config": {"name": name}}}}, raise_on_error=False)


def test_a_release_reads_its_rows_after_the_tables_change(lake, tmp_path):
    _seed(lake)
    assert _release(lake, "2026-11-v1", tmp_path).success
    release = load_release(lake, "2026-11-v1")
    assert release.table_versions == {t: lake.version(t) for t in RELEASED_TABLES}
    assert release.row_counts == dict.fromkeys(RELEASED_TABLES, 3)
    assert release.code_version.startswith(("git:", "package:")) and "curator" in release.settings
    before = {t: sorted(read_release(lake, "2026-11-v1", t).to_pylist(), key=str) for t in RELEASED_TABLES}

    # The tables move on: new rows in every table, a new day's partition.
    for table in RELEASED_TABLES:
        rows = _tokens(["t9"]) if table == "tokenized_shards" else table_rows(table, [f"{table[:3]}9"], day="2026-11-21")
        lake.merge(table, rows)
    for table in RELEASED_TABLES:
        assert lake.row_count(table) == 4
        assert sorted(read_release(lake, "2026-11-v1", table).to_pylist(), key=str) == before[table]
    released = sorted(r["meta"]["token_id"] for r in TokenShardDataset.for_release(lake.root, "2026-11-v1"))
    assert released == ["t0", "t1", "t2"]
    assert len(list(TokenShardDataset(lake.root))) == 4


def test_releases_are_immutable_and_idempotent(lake, tmp_path):
    _seed(lake)
    assert _release(lake, "v1", tmp_path).success
    assert _release(lake, "v1", tmp_path).success  # same versions: nothing to do
    assert lake.row_count("dataset_releases") == 1
    lake.merge("curated_clips", table_rows("curated_clips", ["cur9"]))
    again = _release(lake, "v1", tmp_path)
    assert not again.success
    failure = next(e for e in again.all_events if e.is_step_failure).step_failure_data.error.message
    assert "releases are immutable" in failure
    assert _release(lake, "v2", tmp_path).success
    assert load_release(lake, "v2").table_versions["curated_clips"] == load_release(lake, "v1").table_versions["curated_clips"] + 1


def test_unknown_release_and_missing_tables_are_clear_errors(lake, tmp_path):
    with pytest.raises(ReleaseError, match="no release named 'nope'"):
        load_release(lake, "nope")
    result = _release(lake, "v1", tmp_path)
    assert not result.success
    assert "does not exist yet" in next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
