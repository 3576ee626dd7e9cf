"""An independent judge of written video: the ffmpeg command line (a static build from the
imageio-ffmpeg wheel, not the libav inside PyAV) and PyAV's decoded frame times."""
from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True, text=True, timeout=300)


def decode_errors(path: str | Path) -> str:
    """What ``ffmpeg -v error -i FILE -f null -`` prints: nothing for a file that plays cleanly."""
    run = ffmpeg("-v", "error", "-i", str(path), "-f", "null", "-")
    return (run.stderr + ("" if run.returncode == 0 else f"\nexit {run.returncode}")).strip()


def frame_times(path: str | Path) -> np.ndarray:
    """Each decoded frame's presentation time (s), in the order PyAV's decoder gives them."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return np.asarray([float(f.pts * stream.time_base) for f in container.decode(stream)])


def worst_deviation(times: np.ndarray, fps: float) -> float:
    """Largest |t_i - t_0 - i / fps|, in frames."""
    return float(np.abs(times - times[0] - np.arange(len(times)) / fps).max() * fps)


def judge_lake(lake) -> tuple[dict, dict[str, str], float]:
    """Every clip and variant a lake holds, judged: (the clips by id, ffmpeg's words for each
    video it could not play cleanly, the worst deviation from i / fps of a constant-rate one).
    Each must also decode to its row's frame count at times that go forward."""
    clips = {c["clip_id"]: c for c in lake.read("curated_clips").to_pylist() if c["blob_key"]}
    videos = [("clip", c["blob_key"], c) for c in clips.values()]
    videos += [("variant", v["blob_key"], clips[v["clip_id"]]) for v in lake.read("transferred_variants").to_pylist()]
    errors, worst = {}, 0.0
    for kind, key, clip in videos:
        with lake.blobs.local_path(key) as path:
            if printed := decode_errors(path):
                errors[f"{kind} {key}"] = printed
            times = frame_times(path)
        assert len(times) == clip["num_frames"] and np.all(np.diff(times) > 0), (kind, key)
        if not clip["is_vfr"]:
            worst = max(worst, worst_deviation(times, clip["fps"]))
    print(f"{len(clips)} clips and {len(videos) - len(clips)} variants, worst deviation from i / fps {worst:.5f} frames")
    return clips, errors, worst
