"""Write-audit-publish with GX 1.x: row failures go to rejects, table failures commit nothing."""
import json

import pytest

from expectations.gate import SUITE_DIR, load_suite, validate_batch
from resources.lake.publish import BatchRefused, publish
from resources.lake.tables import TABLES


def _clip(i: int, **overrides) -> dict:
    row = {name: None for name in TABLES["curated_clips"].schema.names}
    row.update(
        clip_id=f"{i:064x}", footage_id="f" * 64, source_kind="real", clip_index=i, start_frame=10 * i, end_frame=10 * i + 10,
        num_frames=10, start_s=float(i), duration_s=1.0, width=64, height=48, fps=10.0, status="kept", sharpness=50.0,
        brightness=100.0, clipped_fraction=0.01, motion=0.01, black_fraction=0.0, frozen_fraction=0.0, phash="0" * 16,
        curator_version="test", flags=[], time_of_day="day", weather="unknown", motion_level="slow", scene_type="unknown",
        caption="a clip", captioner="template-v1", embedding=[1.0, 0.0], embedder="test", ingest_date="2026-11-20",
    )
    row.update(overrides)
    return row


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_suite_loads_whole(table):
    spec = json.loads((SUITE_DIR / f"{table}.json").read_text())
    assert len(load_suite(table).expectations) == len(spec["expectations"]) >= 5


def test_row_level_failures_are_rejected_with_the_expectation_name(lake):
    rows = [_clip(0), _clip(1, brightness=-5.0), _clip(2, end_frame=5), _clip(3, motion=float("nan"))]
    pub = publish(lake, "curated_clips", rows)
    assert pub.rows_inserted == 1 and pub.rejects_inserted == 3
    kept = lake.read("curated_clips", ["clip_id"]).column("clip_id").to_pylist()
    assert kept == [_clip(0)["clip_id"]]
    rejects = {r["subject_id"]: r for r in lake.read("rejects").to_pylist()}
    assert rejects[_clip(1)["clip_id"]]["reason_code"] == "expect_column_values_to_be_between"
    assert "brightness" in rejects[_clip(1)["clip_id"]]["reason"]
    assert rejects[_clip(2)["clip_id"]]["reason_code"] == "expect_column_pair_values_a_to_be_greater_than_b"
    assert rejects[_clip(3)["clip_id"]]["reason_code"] == "expect_column_values_to_not_be_null"
    assert all(r["stage"] == "curated_clips" for r in rejects.values())


def test_table_level_failure_leaves_the_delta_version_unchanged(lake):
    publish(lake, "curated_clips", [_clip(0), _clip(1)])
    before = lake.version("curated_clips")
    duplicated = [_clip(5), _clip(6), _clip(6, brightness=90.0)]  # the same key twice: a broken batch
    with pytest.raises(BatchRefused) as err:
        publish(lake, "curated_clips", duplicated)
    assert "expect_column_values_to_be_unique" in err.value.description
    assert "not committed" in err.value.description
    assert lake.version("curated_clips") == before and lake.row_count("curated_clips") == 2
    assert lake.version("rejects") is None  # nothing at all was written


def test_one_row_failing_two_rules_of_one_kind_is_rejected_twice(lake):
    pub = publish(lake, "curated_clips", [_clip(0, caption=None, motion=None)])
    assert pub.rows_inserted == 0 and pub.rejects_inserted == 2
    reasons = sorted(r["reason"] for r in lake.read("rejects").to_pylist())
    assert "column='caption'" in reasons[0] and "column='motion'" in reasons[1]


def test_validation_result_splits_rows(lake):
    import pyarrow as pa

    spec = TABLES["curated_clips"]
    batch = pa.Table.from_pylist([_clip(0), _clip(1, status="maybe")], schema=spec.schema)
    result = validate_batch("curated_clips", batch, spec.key)
    assert result.ok and result.passed.num_rows == 1
    assert [r.expectation for r in result.rejections] == ["expect_column_values_to_be_in_set"]


def test_a_row_without_a_valid_ingest_day_is_rejected_not_published(lake):
    pub = publish(lake, "curated_clips", [_clip(0), _clip(1, ingest_date=None), _clip(2, ingest_date="yesterday")])
    assert pub.rows_inserted == 1 and pub.rejects_inserted == 2
    reasons = {r["subject_id"]: r["reason"] for r in lake.read("rejects").to_pylist()}
    assert "ingest_date" in reasons[_clip(1)["clip_id"]] and "ingest_date" in reasons[_clip(2)["clip_id"]]
    assert lake.partitions("curated_clips") == ["2026-11-20"]
