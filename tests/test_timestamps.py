"""Every video the factory writes plays back in time: frame i at i / fps (a VFR clip at its
source's own times, in order), DTS that never go back, a duration that matches the row.
Judged by the ffmpeg command line and by PyAV, over real footage with B-frames and
fractional rates: MPEG-4 ASP in AVI with packed B-frames at 2997/125 (Megamind.avi), H.264
with B-frames at 30000/1001 and at 2997/125, and variable-frame-rate footage."""
import numpy as np
import pytest

from resources.curation.engine import CurationSettings, Curator
from resources.evaluation.engine import Evaluator
from resources.media.codec import FootageError, iter_frames, probe, read_clip
from resources.media.encoder import H264Writer, output_rate, write_h264
from tests.playback import decode_errors, ffmpeg, frame_times, worst_deviation


def _h264_with_b_frames(src, out, rate: str) -> None:
    run = ffmpeg("-v", "error", "-i", str(src), "-vf", f"fps={rate},scale=384:-2", "-frames:v", "75",
                 "-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p", str(out))
    assert run.returncode == 0, run.stderr


@pytest.fixture(scope="module")
def sources(tmp_path_factory, footage):
    root = tmp_path_factory.mktemp("timestamps")
    made = {"mpeg4_avi_2997_125": footage["megamind"], "vfr": footage["tree"]}
    for name, rate in (("h264_30000_1001", "30000/1001"), ("h264_2997_125", "2997/125")):
        made[name] = root / f"{name}.mp4"
        _h264_with_b_frames(footage["vtest"], made[name], rate)
    return made


def _split(path, tmp_path, vfr: bool):
    info = probe(path)
    curator = Curator(CurationSettings(detector="stride", max_clip_s=2.0, stride_s=2.0, min_clip_s=0.1))
    clips = []
    for cand in curator.split(path, info.fps, tmp_path, vfr=vfr):
        cand.encoded.result()
        clips.append(cand)
    return info, clips


@pytest.mark.parametrize("name", ["mpeg4_avi_2997_125", "h264_30000_1001", "h264_2997_125"])
def test_clips_of_constant_rate_footage_are_timed_i_over_fps(sources, tmp_path, name):
    with av_open(sources[name]) as stream:
        has_b_frames = stream.codec_context.has_b_frames
    assert has_b_frames, "the source must have B-frames for this test to mean anything"
    info, clips = _split(sources[name], tmp_path, vfr=False)
    assert len(clips) >= 2
    rate = output_rate(info.fps)
    worst = 0.0
    for clip in clips:
        assert decode_errors(clip.video_path) == "", clip.video_path
        times = frame_times(clip.video_path)
        assert len(times) == clip.num_frames and np.all(np.diff(times) > 0)
        worst = max(worst, worst_deviation(times, float(rate)))
        assert times[-1] - times[0] + 1 / float(rate) == pytest.approx(clip.duration_s, abs=0.5 / float(rate))
        row = {"fps": info.fps, "num_frames": clip.num_frames, "duration_s": clip.duration_s, "is_vfr": False}
        assert [c.name for c in Evaluator().timing(read_clip(clip.video_path)[1], row) if not c.passed] == []
    print(f"{name}: {len(clips)} clips at {rate}, worst deviation from i / fps {worst:.4f} frames")
    assert worst <= 0.5


def av_open(path):
    import contextlib

    import av

    @contextlib.contextmanager
    def opened():
        with av.open(str(path)) as container:
            yield container.streams.video[0]

    return opened()


def test_footage_decoded_out_of_order_is_retimed_and_flagged(sources, tmp_path):
    """Megamind.avi's decoder reports its frames' times in decode order (frame 5 before 4):
    its clips are timed from the frame index and flagged; H.264's own times are right."""
    assert np.any(np.diff(frame_times(sources["mpeg4_avi_2997_125"])[:24]) <= 0)  # the fault is real in this file
    _, clips = _split(sources["mpeg4_avi_2997_125"], tmp_path, vfr=False)
    assert all(c.retimed for c in clips)
    _, clean = _split(sources["h264_30000_1001"], tmp_path, vfr=False)
    assert not any(c.retimed for c in clean)


def test_variable_frame_rate_clips_keep_the_sources_times_in_order(sources, tmp_path):
    info, clips = _split(sources["vfr"], tmp_path, vfr=True)
    assert info.is_vfr and clips
    source = np.array([f.time_s for f in iter_frames(sources["vfr"])])
    for clip in clips:
        assert decode_errors(clip.video_path) == ""
        times = frame_times(clip.video_path)
        expected = source[clip.start_frame : clip.end_frame] - source[clip.start_frame]
        assert np.abs(times - times[0] - expected).max() < 1 / 90000 + 1e-9
        row = {"fps": info.fps, "num_frames": clip.num_frames, "duration_s": clip.duration_s, "is_vfr": True}
        checks = {c.name: c for c in Evaluator().timing(read_clip(clip.video_path)[1], row)}
        assert all(c.passed for c in checks.values()) and not checks["timestamps_even"].measured


@pytest.mark.parametrize("fps", [30000 / 1001, 2997 / 125, 10.0])
def test_the_writer_times_frames_from_their_index(tmp_path, fps):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (64, 96, 3), dtype=np.uint8) for _ in range(40)]
    out = tmp_path / "out.mp4"
    write_h264(out, frames, fps)
    assert decode_errors(out) == ""
    times = frame_times(out)
    # Within half a tick of the 1/90000 clock of i / fps (3753.75 ticks a frame at 2997/125).
    assert len(times) == 40 and worst_deviation(times, float(output_rate(fps))) <= 0.5 * fps / 90000 + 1e-9


def test_the_writer_refuses_times_that_go_back(tmp_path):
    with pytest.raises(RuntimeError, match="not after the frame before it"), H264Writer(tmp_path / "x.mp4", 64, 64, 10.0) as writer:
        frame = np.zeros((64, 64, 3), np.uint8)
        writer.write(frame, 0.0)
        writer.write(frame, 0.2)
        with pytest.raises(ValueError, match="frame 2 at 0.100000 s is not after the frame before it"):
            writer.write(frame, 0.1)


def test_broken_timestamps_fail_the_checks():
    fps = 30000 / 1001
    row = {"fps": fps, "num_frames": 6, "duration_s": 6 / fps, "is_vfr": False}
    even = np.arange(6) / fps
    paired = np.array([0, 9090, 9091, 12060, 12061, 21060]) / 90000  # the fault issue 20 found
    failed = {c.name for c in Evaluator().timing(paired, row) if not c.passed}
    assert failed == {"timestamps_even", "duration_match"}
    backwards = even[[0, 1, 3, 2, 4, 5]]
    assert "timestamps_increasing" in {c.name for c in Evaluator().timing(backwards, row) if not c.passed}
    assert "frames_match_row" in {c.name for c in Evaluator().timing(even[:5], row) if not c.passed}
    assert all(c.passed for c in Evaluator().timing(even, row))


def test_variable_rate_footage_that_goes_back_in_time_is_refused(sources, tmp_path):
    """Footage kept at its own times must have times that go forward; Megamind's decoder
    times go back, so curated as if it were variable-rate it is refused with the reason."""
    with pytest.raises(FootageError, match="broken_timestamps: variable-frame-rate footage whose frame 4 at 0.166834 s"):
        _split(sources["mpeg4_avi_2997_125"], tmp_path, vfr=True)


def test_the_same_frames_encode_to_the_same_bytes_in_another_process(sources):
    """Content-addressed blobs and resumed runs rely on it: timing from the index changed
    nothing there. Two processes split Megamind.avi; their clips are byte for byte the same."""
    import subprocess
    import sys

    script = (
        "import hashlib, sys, tempfile; from pathlib import Path\n"
        "from resources.curation.engine import Curator, CurationSettings\n"
        "from resources.media.codec import probe\n"
        "p = Path(sys.argv[1]); s = CurationSettings(detector='stride', max_clip_s=2.0, stride_s=2.0, min_clip_s=0.1)\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    for c in Curator(s).split(p, probe(p).fps, Path(d)):\n"
        "        c.encoded.result(); print(hashlib.sha256(c.video_path.read_bytes()).hexdigest())\n"
    )
    runs = [subprocess.run([sys.executable, "-c", script, str(sources["mpeg4_avi_2997_125"])], capture_output=True, text=True, timeout=300) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout and len(runs[0].stdout.split()) == 6
