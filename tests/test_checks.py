"""The cross-table checks cost what the run's day costs, not what the whole lake costs."""
import dagster as dg

from assets.raw_footage import raw_footage
from dagster_project.checks import raw_footage_blobs_exist
from dagster_project.resources import resources_for
from resources.lake.blobs import BlobStore
from tests.conftest import copy_into


def test_raw_footage_blobs_are_checked_for_the_runs_day_only(tmp_path, small_mp4, footage, monkeypatch):
    landing = tmp_path / "landing"
    copy_into(landing / "2026-11-01", footage["tree"])
    copy_into(landing / "2026-11-02", small_mp4)
    resources = resources_for("local", lake={"root": str(tmp_path / "lake")}, landing={"path": str(landing), "settle_s": 0}, simulator={"episodes": 0, "scenes": 0})
    for day in ("2026-11-01", "2026-11-02"):
        assert dg.materialize([raw_footage, raw_footage_blobs_exist], resources=resources, partition_key=day).success
    lake = resources["lake"].lake()
    lost = lake.read("raw_footage", ["blob_key"], partition="2026-11-01").column("blob_key")[0].as_py()
    lake.blobs.fs.delete_file(f"{lake.blobs.fs_base}/{lost}")

    asked = []
    exists = BlobStore.exists
    monkeypatch.setattr(BlobStore, "exists", lambda self, key: asked.append(key) or exists(self, key))
    later = dg.materialize([raw_footage, raw_footage_blobs_exist], resources=resources, partition_key="2026-11-02")
    (evaluation,) = [e for e in later.get_asset_check_evaluations() if e.check_name == "raw_footage_blobs_exist"]
    assert evaluation.passed and evaluation.metadata["rows_checked"].value == 1
    assert asked == lake.read("raw_footage", ["blob_key"], partition="2026-11-02").column("blob_key").to_pylist()
    # The day whose blob is gone still fails its own check.
    earlier = dg.materialize([raw_footage, raw_footage_blobs_exist], resources=resources, partition_key="2026-11-01", raise_on_error=False)
    (evaluation,) = [e for e in earlier.get_asset_check_evaluations() if e.check_name == "raw_footage_blobs_exist"]
    assert not evaluation.passed and evaluation.metadata["violations"].value == 1
