"""Curation on real footage: shot splitting, windows, trimming, filters and dedup."""
from pathlib import Path

import numpy as np
import pytest

from resources.curation.backends.captioners import TemplateCaptioner
from resources.curation.backends.embedders import DescriptorEmbedder
from resources.curation.dedup import KeptIndex
from resources.curation.engine import CurationEngines, CurationSettings, Curator
from resources.curation.stage import curate_footage
from resources.media.codec import iter_frames, probe
from resources.media.encoder import H264Writer, write_h264
from resources.sources.ingest import IngestSettings, ingest_file

# Megamind.avi's cuts, found by stepping through it frame by frame: the first frame of each
# new shot (97 -> 98 is a hard cut from the woman at the table to a close-up, 153 -> 154 and
# 199 -> 200 likewise).
MEGAMIND_CUTS = [98, 154, 200]


# These tests are of the classical curator (PySceneDetect, the CPU filters, dedup): the learned
# models' tests are test_shot_detection.py, test_motion_vectors.py and test_text_overlay.py.
CLASSICAL = {"detector": "content", "text_detector": "none"}


def _settings(**settings) -> CurationSettings:
    return CurationSettings(**{**CLASSICAL, **settings})


def _split(path: Path, tmp_path: Path, **settings):
    info = probe(path)
    clips = list(Curator(_settings(**settings)).split(path, info.fps, tmp_path))
    for c in clips:
        c.encoded.result()
    return clips


def _engines(**settings) -> CurationEngines:
    return CurationEngines(Curator(_settings(**settings)), DescriptorEmbedder(), TemplateCaptioner(), max_similarity=0.995)


def test_static_shot_is_cut_into_windows(footage, tmp_path):
    clips = _split(footage["vtest"], tmp_path, max_clip_s=6.0)
    assert [(c.start_frame, c.end_frame) for c in clips] == [(0, 60), (60, 120), (120, 180), (180, 200)]
    assert all(probe(c.video_path).frame_count == c.num_frames for c in clips)
    assert clips[0].duration_s == pytest.approx(6.0, abs=0.01)


@pytest.mark.parametrize("detector", ["content", "adaptive"])
def test_megamind_cuts_are_found(footage, tmp_path, detector):
    clips = _split(footage["megamind"], tmp_path, detector=detector, trim_frames=0)
    starts = [c.start_frame for c in clips[1:]]
    assert len(starts) == len(MEGAMIND_CUTS)
    assert all(abs(s - t) <= 2 for s, t in zip(starts, MEGAMIND_CUTS)), starts
    assert clips[-1].end_frame == 270


def test_frames_at_cuts_are_trimmed(footage, tmp_path):
    untrimmed = _split(footage["megamind"], tmp_path, trim_frames=0)
    trimmed = _split(footage["megamind"], tmp_path, trim_frames=2)
    for a, b in zip(untrimmed[1:], trimmed[1:]):
        assert b.start_frame == a.start_frame + 2
    for a, b in zip(untrimmed[:-1], trimmed[:-1]):
        assert b.end_frame == a.end_frame - 2
    assert all(probe(c.video_path).frame_count == c.num_frames for c in trimmed)


def test_fixed_stride_mode_ignores_cuts(footage, tmp_path):
    clips = _split(footage["megamind"], tmp_path, detector="stride", stride_s=5.0)
    assert [(c.start_frame, c.end_frame) for c in clips] == [(0, 120), (120, 240), (240, 270)]


def _scene(seed: int) -> np.ndarray:
    """A structured picture (gradient, shapes) that H.264 keeps as it is; noise would not stay still."""
    import cv2

    rng = np.random.default_rng(seed)
    img = np.dstack([np.tile(np.linspace(40, 200, 128, dtype=np.uint8), (96, 1))] * 3)
    for _ in range(8):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(img, (int(rng.integers(0, 128)), int(rng.integers(0, 96))), int(rng.integers(5, 20)), colour, -1)
        cv2.rectangle(img, (int(rng.integers(0, 100)), int(rng.integers(0, 70))), (int(rng.integers(20, 128)), int(rng.integers(20, 96))), colour, 2)
    return img


def _one_clip(frames, tmp_path, name, **settings):
    path = tmp_path / f"{name}.mp4"
    write_h264(path, frames, fps=10)
    (clip,) = _split(path, tmp_path, detector="stride", **settings)
    return clip


def test_filters_flag_dark_blurry_black_static_and_frozen_clips(tmp_path):
    curator = Curator(CurationSettings(min_clip_s=1.0))
    textured = _scene(1)
    moving = [np.roll(textured, 3 * i, axis=1) for i in range(20)]
    cases = {
        "frozen": ([textured] * 20, "frozen", "frozen"),
        "dark": ([(f // 40).astype(np.uint8) for f in moving], "exposure", "too dark"),
        "blurry": ([np.full((96, 128, 3), 100 + 2 * i, np.uint8) for i in range(20)], "sharpness", "blurry"),
        "black": (moving[:14] + [np.zeros_like(textured)] * 6, "black_frames", "black frames"),
        "short": (moving[:5], "length", "too short"),
    }
    for name, (frames, flag, reason) in cases.items():
        flags, drop = curator.assess(_one_clip(frames, tmp_path, name))
        assert flag in flags and drop and drop.startswith(reason), (name, flags, drop)
    assert curator.assess(_one_clip(moving, tmp_path, "good")) == ([], None)


def test_score_only_filters_flag_but_keep(tmp_path):
    clip = _one_clip([_scene(2)] * 20, tmp_path, "frozen")
    flags, drop = Curator(CurationSettings(score_only=("frozen", "motion"))).assess(clip)
    assert {"frozen", "motion"} <= set(flags) and drop is None
    with pytest.raises(ValueError, match="unknown filters"):
        Curator(CurationSettings(score_only=("vibes",)))


def _walkway(path: Path, footage, crf: int, frames: int = 100) -> Path:
    with H264Writer(path, 768, 576, 10.0, crf=crf) as w:
        for f in iter_frames(footage["vtest"], 0, frames):
            w.write(f.decoded, f.time_s)
    return path


def test_near_duplicate_footage_is_dropped(lake, footage, tmp_path):
    # The same shot under another encoding (different bytes, different footage id).
    original, copy = _walkway(tmp_path / "walkway.mp4", footage, 23), _walkway(tmp_path / "walkway_copy.mp4", footage, 30)
    known: set[str] = set()
    rows = [ingest_file(lake, p, p.name, known, IngestSettings())[0] for p in (original, copy)]
    assert rows[0]["footage_id"] != rows[1]["footage_id"]
    engines, kept = _engines(), KeptIndex()
    first = curate_footage(lake, engines, rows[0], kept)
    second = curate_footage(lake, engines, rows[1], kept)
    assert [c["status"] for c in first] == ["kept"]
    assert [c["status"] for c in second] == ["dropped"]
    assert second[0]["duplicate_of"] == first[0]["clip_id"] and "duplicate" in second[0]["drop_reason"]
    assert second[0]["similarity"] > 0.995
    assert second[0]["blob_key"] is None and lake.blobs.exists(first[0]["blob_key"])


def test_semantic_dedup_by_cosine_threshold(lake, footage):
    row, _ = ingest_file(lake, footage["megamind"], "m", set(), IngestSettings())
    strict = curate_footage(lake, _engines(), row, KeptIndex())
    assert [c["status"] for c in strict] == ["kept"] * 4  # four different shots
    # Shots 0 and 2 show the same character from the same side: a looser threshold calls them one.
    loose = CurationEngines(Curator(), DescriptorEmbedder(), TemplateCaptioner(), max_similarity=0.95)
    rows = curate_footage(lake, loose, row, KeptIndex())
    assert rows[2]["status"] == "dropped" and rows[2]["duplicate_of"] == rows[0]["clip_id"]
    assert "semantic duplicate" in rows[2]["drop_reason"] and rows[2]["similarity"] >= 0.95


def test_windows_of_one_static_camera_are_not_duplicates(lake, footage):
    row, _ = ingest_file(lake, footage["vtest"], "v", set(), IngestSettings())
    rows = curate_footage(lake, _engines(max_clip_s=5.0), row, KeptIndex())
    assert [r["status"] for r in rows] == ["kept"] * 4


def test_dedup_against_the_table_reads_embeddings_instead_of_recomputing(lake, footage, tmp_path):
    from resources.lake.publish import publish

    class CountingEmbedder(DescriptorEmbedder):
        calls = 0

        def embed(self, thumbs, keyframes):
            CountingEmbedder.calls += 1
            return super().embed(thumbs, keyframes)

    today = ingest_file(lake, _walkway(tmp_path / "today.mp4", footage, 23), "today", set(), IngestSettings())[0]
    engines = CurationEngines(Curator(), CountingEmbedder(), TemplateCaptioner(), 0.995)
    publish(lake, "raw_footage", [dict(today, ingest_date="2026-11-20")])
    publish(lake, "curated_clips", [dict(r, ingest_date="2026-11-20") for r in curate_footage(lake, engines, today, KeptIndex())])
    assert CountingEmbedder.calls == 1
    # Tomorrow: the index comes from the table; only tomorrow's clip is embedded.
    tomorrow = ingest_file(lake, _walkway(tmp_path / "tomorrow.mp4", footage, 28), "tomorrow", set(), IngestSettings())[0]
    index = KeptIndex.from_table(lake, engines.embedder.embedder_id)
    assert len(index.embeddings) == 1
    rows = curate_footage(lake, engines, tomorrow, index)
    assert CountingEmbedder.calls == 2 and rows[0]["status"] == "dropped"


def test_sim_clips_carry_their_ground_truth_and_caption(lake, sim_scene):
    from resources.sources.simulator import load_npz

    row, _ = ingest_file(lake, sim_scene.video_path, "sim://x", set(), IngestSettings(), sim_scene)
    clips = curate_footage(lake, _engines(max_clip_s=1.5), row, KeptIndex())
    kept = [c for c in clips if c["status"] == "kept"]
    assert kept and all(c["source_kind"] == "sim" and c["sim_params"] == row["sim_params"] for c in kept)
    full_depth = load_npz(sim_scene.depth_npz)
    for c in kept:
        depth = load_npz(lake.blobs.read_bytes(c["depth_blob_key"]))
        seg = load_npz(lake.blobs.read_bytes(c["seg_blob_key"]))
        assert depth.shape[0] == seg.shape[0] == c["num_frames"]
        assert np.array_equal(depth, full_depth[c["start_frame"] : c["end_frame"]])
        assert c["scene_type"] == sim_scene.params["scene_type"] and c["weather"] == "clear"
        assert f"simulated {c['scene_type']} scene" in c["caption"]
