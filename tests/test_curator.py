"""Curation on real footage: shot splitting, windows, filters and near-duplicate removal."""
from pathlib import Path

import numpy as np
import pytest

from resources.curation import curate_footage
from resources.curator import CurationSettings, Curator
from resources.ingest import IngestSettings, ingest_file
from resources.video import H264Writer, iter_frames, probe, write_h264

# Megamind.avi's cuts, found by stepping through it frame by frame: the first frame of each new shot.
MEGAMIND_CUTS = [98, 154, 200]


def _split(path: Path, tmp_path: Path, **settings):
    info = probe(path)
    clips = list(Curator(CurationSettings(**settings)).split(path, info.fps, tmp_path))
    for c in clips:
        c.encoded.result()
    return clips


def test_static_shot_is_cut_into_windows(footage, tmp_path):
    clips = _split(footage["vtest"], tmp_path, max_clip_s=6.0)
    assert [(c.start_frame, c.end_frame) for c in clips] == [(0, 60), (60, 120), (120, 180), (180, 200)]
    assert all(probe(c.video_path).frame_count == c.num_frames for c in clips)
    assert clips[0].duration_s == pytest.approx(6.0, abs=0.01)


def test_megamind_cuts_are_found(footage, tmp_path):
    clips = _split(footage["megamind"], tmp_path)
    starts = [c.start_frame for c in clips[1:]]
    assert len(starts) == len(MEGAMIND_CUTS)
    assert all(abs(s - t) <= 2 for s, t in zip(starts, MEGAMIND_CUTS))
    assert clips[-1].end_frame == 270


def test_filters_flag_dark_blurry_and_frozen_clips(tmp_path):
    rng = np.random.default_rng(1)
    curator = Curator(CurationSettings(min_clip_s=1.0))
    textured = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
    cases = {
        "frozen": [textured] * 20,
        "dark": [np.clip(textured // 40 + rng.integers(0, 3, textured.shape), 0, 255).astype(np.uint8) for _ in range(20)],
        "blurry": [np.full((96, 128, 3), 100 + i, np.uint8) for i in range(20)],
        "short": [rng.integers(0, 255, (96, 128, 3), dtype=np.uint8) for _ in range(5)],
    }
    expected = {"frozen": "static or frozen", "dark": "too dark", "blurry": "blurry", "short": "too short"}
    for name, frames in cases.items():
        path = tmp_path / f"{name}.mp4"
        write_h264(path, frames, fps=10)
        (clip,) = _split(path, tmp_path, cut_threshold=255)
        reason = curator.filter_reason(clip)
        assert reason and reason.startswith(expected[name]), (name, reason)
    moving = tmp_path / "moving.mp4"
    write_h264(moving, [np.roll(textured, 3 * i, axis=1) for i in range(20)], fps=10)
    (clip,) = _split(moving, tmp_path, cut_threshold=255)
    assert curator.filter_reason(clip) is None


def test_near_duplicate_footage_is_dropped(lake, footage, tmp_path):
    # The same shot under another encoding (different bytes, different footage id).
    reencoded = tmp_path / "walkway_copy.mp4"
    with H264Writer(reencoded, 768, 576, 10.0, crf=30) as w:
        for f in iter_frames(footage["vtest"], 0, 100):
            w.write(f.decoded, f.time_s)
    original = tmp_path / "walkway.mp4"
    with H264Writer(original, 768, 576, 10.0) as w:
        for f in iter_frames(footage["vtest"], 0, 100):
            w.write(f.decoded, f.time_s)
    known: set[str] = set()
    rows = [ingest_file(lake, p, p.name, known, IngestSettings())[0] for p in (original, reencoded)]
    assert rows[0]["footage_id"] != rows[1]["footage_id"]
    curator = Curator()
    kept: dict[str, str] = {}
    first = curate_footage(lake, curator, rows[0], kept)
    second = curate_footage(lake, curator, rows[1], kept)
    assert [c["status"] for c in first] == ["kept"]
    assert [c["status"] for c in second] == ["dropped"]
    assert second[0]["duplicate_of"] == first[0]["clip_id"] and "near-duplicate" in second[0]["drop_reason"]
    assert second[0]["blob_key"] is None and lake.blobs.exists(first[0]["blob_key"])


def test_sim_clips_carry_their_ground_truth(lake, sim_scene):
    from resources.simulator import load_npz

    row, _ = ingest_file(lake, sim_scene.video_path, "sim://x", set(), IngestSettings(), sim_scene)
    clips = curate_footage(lake, Curator(CurationSettings(max_clip_s=1.5)), row, {})
    kept = [c for c in clips if c["status"] == "kept"]
    assert kept and all(c["source_kind"] == "sim" and c["sim_params"] == row["sim_params"] for c in kept)
    full_depth = load_npz(sim_scene.depth_npz)
    for c in kept:
        depth = load_npz(lake.blobs.read_bytes(c["depth_blob_key"]))
        seg = load_npz(lake.blobs.read_bytes(c["seg_blob_key"]))
        assert depth.shape[0] == seg.shape[0] == c["num_frames"]
        assert np.array_equal(depth, full_depth[c["start_frame"] : c["end_frame"]])
