"""Codec motion vectors (Cosmos Curator's metric) on still, slow and fast real footage."""
from pathlib import Path

import numpy as np
import pytest

from resources.curation.engine import CurationSettings, Curator
from resources.media.codec import iter_frames, probe
import av

from resources.media.motion import MotionField

PAN_PX = 8  # the fast clip's camera pans this many pixels a frame
CROP = (384, 512)  # (h, w) window of the walkway


def _write_p_frames_only(path: Path, frames: list[np.ndarray], fps: int = 10) -> None:
    """H.264 with no B-frames: every vector then points one frame back, so a pan's vectors
    are the pan itself (a B-frame's can span several frames, and the metric does not divide)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "x264-params": "bframes=0"})
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for image in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")))
        out.mux(stream.encode(None))


def _walkway_frames(footage, n: int) -> list[np.ndarray]:
    return [f.image for f in iter_frames(footage["vtest"], 0, n)]


@pytest.fixture(scope="module")
def clips(footage, tmp_path_factory) -> dict[str, Path]:
    """Still: one frame of the walkway held. Slow: the walkway as filmed (a fixed camera, people
    crossing). Fast: the same real frames seen through a window panning PAN_PX a frame."""
    root = tmp_path_factory.mktemp("motion")
    frames = _walkway_frames(footage, 40)
    h, w = CROP
    out = {
        "still": [frames[0][:h, :w]] * 40,
        "slow": [f[:h, :w] for f in frames],
        "fast": [f[:h, PAN_PX * i: PAN_PX * i + w] for i, f in enumerate(frames[: (768 - w) // PAN_PX])],
    }
    paths = {}
    for name, seq in out.items():
        paths[name] = root / f"{name}.mp4"
        _write_p_frames_only(paths[name], seq)
    return paths


def _measure(path: Path) -> MotionField:
    info = probe(path)
    field = MotionField(info.width, info.height)
    for frame in iter_frames(path, motion_vectors=True):
        field.add(frame.motion_vectors)
    return field


def _clip(path: Path, tmp_path: Path, **settings):
    curator = Curator(CurationSettings(detector="stride", text_detector="none", **settings))
    (clip,) = list(curator.split(path, probe(path).fps, tmp_path))
    clip.encoded.result()
    return curator, clip


def test_motion_vector_magnitude_orders_still_slow_and_fast(clips):
    still, slow, fast = (_measure(clips[k]) for k in ("still", "slow", "fast"))
    assert still.frames > 0 and slow.frames > 0 and fast.frames > 0  # P-frames carry vectors
    assert still.global_mean() < 1e-5 < slow.global_mean() < fast.global_mean()
    # A pan moves the whole picture PAN_PX a frame: the mean displacement cannot exceed it, and
    # most blocks must see it (intra blocks and 4x4 partitions, which carry none, are the rest).
    pan = fast.global_mean() * sum(CROP) / PAN_PX
    assert 0.5 < pan <= 1.05, pan
    # Against Cosmos Curator's bounds: the still clip and the fixed camera are small motion,
    # the pan is not; a fixed camera's background is still, so its least-moving patch is too.
    assert still.global_mean() < 0.00098 < fast.global_mean()
    assert slow.patch_min() < fast.patch_min()


def test_score_mode_flags_and_filter_mode_drops(clips, tmp_path):
    curator, clip = _clip(clips["slow"], tmp_path)  # default: score
    assert clip.mv_global_mean < curator.settings.min_mv_global_mean
    flags, drop = curator.assess(clip)
    assert "motion_vectors" in flags and drop is None  # people walking: the frame difference keeps it
    curator, clip = _clip(clips["slow"], tmp_path, motion_vectors="filter")
    flags, drop = curator.assess(clip)
    assert drop.startswith("small motion: codec motion vectors' mean")
    _, fast = _clip(clips["fast"], tmp_path, motion_vectors="filter")
    assert "motion_vectors" not in curator.assess(fast)[0]
    _, off = _clip(clips["slow"], tmp_path, motion_vectors="off")
    assert off.mv_global_mean is None and "motion_vectors" not in curator.assess(off)[0]


def test_footage_without_vectors_is_not_measured_and_says_so(footage, tmp_path):
    # tree.avi is Cinepak: its decoder exports no motion vectors.
    curator, clip = _clip(footage["tree"], tmp_path, motion_vectors="filter", max_clip_s=100.0)
    assert clip.mv_global_mean is None and clip.mv_patch_min is None
    flags, drop = curator.assess(clip)
    assert "motion_vectors_unmeasured" in flags and "motion_vectors" not in flags
    assert drop is None or "motion vectors" not in drop

