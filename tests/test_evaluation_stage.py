"""The evaluation stage over lake blobs: an undecodable variant fails a check, not the run."""
import numpy as np
import pytest

from resources.evaluation.engine import Evaluator
from resources.evaluation.stage import evaluate_clip
from resources.media.codec import iter_frames
from resources.media.encoder import write_h264

CLIP_TIMING = {"fps": 10.0, "num_frames": 12, "duration_s": 1.2, "is_vfr": False}  # what the clip rows below say


def test_undecodable_variant_fails_decodable_and_others_go_on(lake, footage, tmp_path):
    frames = [f.image for f in iter_frames(footage["vtest"], 0, 12)]
    clip_file = tmp_path / "clip.mp4"
    write_h264(clip_file, frames, fps=10)
    clip_blob = lake.blobs.put_file(clip_file, "mp4")
    broken_blob = lake.blobs.put_bytes(np.random.default_rng(0).bytes(5000), "mp4")
    dark_file = tmp_path / "dark.mp4"
    write_h264(dark_file, [(f * 0.4).astype(np.uint8) for f in frames], fps=10)
    dark_blob = lake.blobs.put_file(dark_file, "mp4")
    clip = {"clip_id": "c" * 64, "footage_id": "f" * 64, "blob_key": clip_blob.key, **CLIP_TIMING}
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
    # The original is never scored against itself: no check of it compares two clips.
    assert not {c["name"] for c in rows[None]["checks"]} & {"canny_edge_f1", "blur_ssim", "misalignment", "hallucination", "frame_count_match"}
    assert evaluate_clip(lake, Evaluator(), clip, variants, {r["sample_id"] for r in rows.values()}) == []
    # The run log's line for the clip says which sample failed and why, not only how many passed.
    from resources.evaluation.failures import Tally, clip_line

    line = clip_line(1, 1, list(rows.values()))
    assert line.startswith("evaluated clip 1/1: 3 samples, 2 passed; failed: night (procedural): decodable (visual_integrity)"), line
    assert clip_line(1, 1, [rows["2" * 64]]) == "evaluated clip 1/1: 1 samples, 1 passed"
    # And the tally of the three samples: one failing check, counted once, with its example.
    tally = Tally().add_all(rows.values())
    assert [(r["check"], r["failed_samples"], r["example_samples"]) for r in tally.failing_rows()] == [("decodable", 1, broken["sample_id"])]
    assert {(r["condition"], r["passed"]) for r in tally.outcome_rows()} == {("night", "1/2"), ("original", "1/1")}


def test_a_bug_in_the_evaluator_fails_loudly_instead_of_passing_as_undecodable(lake, footage, tmp_path, monkeypatch):
    frames = [f.image for f in iter_frames(footage["vtest"], 0, 12)]
    clip_file = tmp_path / "clip.mp4"
    write_h264(clip_file, frames, fps=10)
    blob = lake.blobs.put_file(clip_file, "mp4")
    clip = {"clip_id": "c" * 64, "footage_id": "f" * 64, "blob_key": blob.key, **CLIP_TIMING}
    variant = {"variant_id": "1" * 64, "blob_key": blob.key, "condition": "night", "backend": "procedural"}
    evaluator = Evaluator()

    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")  # what a bug looks like

    monkeypatch.setattr(evaluator, "evaluate", broken)
    with pytest.raises(ValueError, match="broadcast"):
        evaluate_clip(lake, evaluator, clip, [variant], set())


def test_evaluation_summary_counts_the_checks_that_could_not_measure(lake, footage, tmp_path):
    import json

    from resources.evaluation.commit import commit_samples
    from resources.evaluation.summary import evaluation_summary

    still = [f.image for f in iter_frames(footage["vtest"], 0, 1)] * 12  # a clip in which nothing moves
    clip_file, var_file = tmp_path / "clip.mp4", tmp_path / "fog.mp4"
    write_h264(clip_file, still, fps=10)
    write_h264(var_file, [(f * 0.8 + 40).astype(np.uint8) for f in still], fps=10)
    clip = {"clip_id": "c" * 64, "footage_id": "f" * 64, "blob_key": lake.blobs.put_file(clip_file, "mp4").key, **CLIP_TIMING}
    variant = {"variant_id": "1" * 64, "blob_key": lake.blobs.put_file(var_file, "mp4").key, "condition": "fog", "backend": "procedural"}
    rows = evaluate_clip(lake, Evaluator(), clip, [variant], set())
    unmeasured = {c["name"] for r in rows for c in r["checks"] if not c["measured"]}
    assert {"hallucination", "missing_motion"} <= unmeasured
    commit_samples(lake, "2026-11-20", rows)
    report = evaluation_summary(lake)
    fog = next(r for r in lake.read("evaluation_summary").to_pylist() if r["condition"] == "fog")
    assert fog["not_measured"] == len([c for r in rows if r["condition"] == "fog" for c in r["checks"] if not c["measured"]]) >= 2
    assert {"hallucination", "missing_motion"} <= set(json.loads(fog["not_measured_by_check"]))
    assert report.metadata["checks_not_measured"] >= 2
