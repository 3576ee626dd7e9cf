"""The evaluation stage over lake blobs: an undecodable variant fails a check, not the run."""
import numpy as np

from resources.evaluation.engine import Evaluator
from resources.evaluation.stage import evaluate_clip
from resources.media.codec import iter_frames, write_h264


def test_undecodable_variant_fails_decodable_and_others_go_on(lake, footage, tmp_path):
    frames = [f.image for f in iter_frames(footage["vtest"], 0, 12)]
    clip_file = tmp_path / "clip.mp4"
    write_h264(clip_file, frames, fps=10)
    clip_blob = lake.blobs.put_file(clip_file, "mp4")
    broken_blob = lake.blobs.put_bytes(np.random.default_rng(0).bytes(5000), "mp4")
    dark_file = tmp_path / "dark.mp4"
    write_h264(dark_file, [(f * 0.4).astype(np.uint8) for f in frames], fps=10)
    dark_blob = lake.blobs.put_file(dark_file, "mp4")
    clip = {"clip_id": "c" * 64, "footage_id": "f" * 64, "blob_key": clip_blob.key}
    variants = [
        {"variant_id": "1" * 64, "blob_key": broken_blob.key, "condition": "night", "backend": "procedural"},
        {"variant_id": "2" * 64, "blob_key": dark_blob.key, "condition": "night", "backend": "procedural"},
    ]
    rows = {r["variant_id"]: r for r in evaluate_clip(lake, Evaluator(), clip, variants, set())}
    assert len(rows) == 3  # the original and both variants
    broken = rows["1" * 64]
    assert not broken["passed"] and [c["name"] for c in broken["checks"]] == ["decodable"]
    assert broken["fail_reasons"][0].startswith("decodable (visual_integrity)")
    assert rows["2" * 64]["passed"], rows["2" * 64]["fail_reasons"]
    assert rows[None]["sample_kind"] == "original" and rows[None]["condition"] == "original"
    assert evaluate_clip(lake, Evaluator(), clip, variants, {r["sample_id"] for r in rows.values()}) == []
