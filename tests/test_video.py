"""Probing and writing real video with PyAV, and every bad input's reason."""
import numpy as np
import pytest

from resources.media.codec import FootageError, iter_frames, probe, read_frames
from resources.media.encoder import write_h264
from tests.conftest import make_bad_inputs


def test_probe_real_footage(footage):
    walkway = probe(footage["vtest"])
    assert (walkway.codec, walkway.width, walkway.height, walkway.frame_count) == ("h264", 768, 576, 200)
    assert walkway.fps == pytest.approx(10.0) and walkway.duration_s == pytest.approx(20.0, abs=0.2)
    mega = probe(footage["megamind"])
    assert (mega.container, mega.codec, mega.frame_count) == ("avi", "mpeg4", 270)
    assert mega.fps == pytest.approx(23.976, abs=1e-3) and not mega.is_vfr


def test_variable_frame_rate_is_not_padded(footage, tmp_path):
    tree = probe(footage["tree"])
    assert tree.is_vfr and tree.frame_count == 68  # 444 nominal frames, 68 real
    frames = list(iter_frames(footage["tree"]))
    assert len(frames) == 68
    out = tmp_path / "tree.mp4"
    write_h264(out, [f.image for f in frames], fps=tree.fps, times=[f.time_s for f in frames])
    again = probe(out)
    assert again.frame_count == 68 and again.duration_s == pytest.approx(tree.duration_s, abs=0.5)


def test_h264_round_trip_keeps_frames(tmp_path):
    rng = np.random.default_rng(0)
    frames = [np.full((64, 96, 3), v, np.uint8) + rng.integers(0, 3, (64, 96, 3), dtype=np.uint8) for v in range(40, 200, 10)]
    out = tmp_path / "ramp.mp4"
    write_h264(out, frames, fps=12)
    back = read_frames(out)
    assert back.shape == (16, 64, 96, 3)
    assert np.abs(back.mean(axis=(1, 2, 3)) - np.array([f.mean() for f in frames])).max() < 3


def test_odd_sizes_are_cropped_to_even(tmp_path):
    out = tmp_path / "odd.mp4"
    write_h264(out, [np.zeros((33, 47, 3), np.uint8)] * 3, fps=10)
    assert probe(out).width == 46 and probe(out).height == 32


def test_each_bad_input_gets_a_distinct_readable_reason(tmp_path, small_mp4):
    bad = make_bad_inputs(tmp_path / "bad", small_mp4)
    reasons = {}
    for case, path in bad.items():
        with pytest.raises(FootageError) as err:
            probe(path)
        reasons[case] = (err.value.code, err.value.reason)
    codes = {case: code for case, (code, _) in reasons.items()}
    assert codes == {
        "zero_byte": "empty_file",
        "random_bytes": "unrecognised_format",
        "truncated_mp4": "truncated_container",
        "text_file": "text_file",
        "still_image": "still_image",
        "one_frame": "too_few_frames",
    }
    assert len({reason for _, reason in reasons.values()}) == 6
    assert "0 bytes" in reasons["zero_byte"][1] and "truncated" in reasons["truncated_mp4"][1]


def test_oversized_file_is_refused_before_decoding(small_mp4):
    with pytest.raises(FootageError) as err:
        probe(small_mp4, max_bytes=1000)
    assert err.value.code == "oversized"


def test_a_process_that_handles_video_runs_with_two_malloc_arenas():
    """glibc's arena cap is process-wide and cannot be read back, so this runs a fresh process:
    importing the media package sets it, and an environment that names its own cap is left alone."""
    import os
    import subprocess
    import sys

    code = "import resources.media, resources.media.allocator as a; print(a.limit_malloc_arenas())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    took = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.strip()
    kept = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env, "MALLOC_ARENA_MAX": "4"}, check=True).stdout.strip()
    assert (took, kept) == ("True", "False")
