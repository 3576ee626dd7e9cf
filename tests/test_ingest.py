"""Ingest: one row per distinct bytes, sim scenes with their ground truth, unreadable files rejected."""
from resources.sources.ingest import IngestSettings, ingest_file
from resources.sources.landing import LandingZone
from tests.conftest import copy_into


def test_same_bytes_under_two_names_are_ingested_once(lake, tmp_path, footage):
    copy_into(tmp_path / "a", footage["tree"])
    copy_into(tmp_path / "b" / "c", footage["tree"])
    known: set[str] = set()
    results = [ingest_file(lake, tmp_path / f.rel, f.rel, known, IngestSettings()) for f in LandingZone(str(tmp_path)).files()]
    rows = [r for r, _ in results if r]
    assert len(rows) == 1 and results[1] == (None, None)
    assert lake.blobs.exists(rows[0]["blob_key"]) and rows[0]["size_bytes"] == footage["tree"].stat().st_size


def test_sim_scene_is_ingested_as_sim_with_ground_truth(lake, sim_scene):
    row, reject = ingest_file(lake, sim_scene.video_path, f"sim://{sim_scene.scene_id}", set(), IngestSettings(), sim_scene)
    assert reject is None and row["source_kind"] == "sim" and row["sim_scene_id"] == sim_scene.scene_id
    assert lake.blobs.read_bytes(row["depth_blob_key"]) == sim_scene.depth_npz
    assert lake.blobs.read_bytes(row["seg_blob_key"]) == sim_scene.seg_npz


def test_unreadable_file_is_rejected_and_the_rest_goes_on(lake, tmp_path, footage):
    landing = tmp_path / "landing"
    copy_into(landing, footage["tree"])
    (landing / "gone.mp4").symlink_to(tmp_path / "does-not-exist.mp4")
    known: set[str] = set()
    results = {f.name: ingest_file(lake, landing / f.rel, f.rel, known, IngestSettings()) for f in LandingZone(str(landing)).files()}
    row, reject = results["gone.mp4"]
    assert row is None and reject["reason_code"] == "unreadable" and "cannot be read" in reject["reason"]
    assert results["tree_vfr.avi"][0] is not None


def test_hidden_files_are_not_footage(tmp_path):
    (tmp_path / ".partial.mp4").write_bytes(b"x")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "a.mp4").write_bytes(b"x")
    (tmp_path / "clip.mp4").write_bytes(b"x")
    assert [f.rel for f in LandingZone(str(tmp_path)).files()] == ["clip.mp4"]
