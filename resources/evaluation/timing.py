"""Timestamp measurements: does a sample play back in time, as its clip's row says?

A clip whose frames carry wrong times stutters in any player and gives the wrong frames to a
loader that seeks by time (LeRobot's decoders do); its row and frame counts hide it."""
from __future__ import annotations

import numpy as np


def increasing_share(times: np.ndarray) -> float:
    """Share of consecutive frames whose time goes forward (1.0 for a clip that plays in order);
    a frame with no time counts as not going forward."""
    if len(times) < 2:
        return 1.0
    steps = np.diff(times)
    return float(np.mean(np.nan_to_num(steps, nan=-1.0) > 0))


def worst_deviation_frames(times: np.ndarray, fps: float) -> float:
    """The largest distance, in frames, between a frame's time and ``i / fps`` from the first.
    Frames with no time are left out here (``increasing_share`` fails them); with no first
    time there is nothing to measure from, and the clip's length in frames stands for it."""
    if len(times) == 0 or not np.isfinite(times[0]):
        return float(len(times))
    expected = times[0] + np.arange(len(times)) / fps
    return float(np.nanmax(np.abs(times - expected)) * fps)


def played_duration(times: np.ndarray, fps: float, vfr: bool) -> float:
    """How long the frames play: from the first to the last, plus one frame (1 / fps, or a VFR
    clip's mean step), as the curator computes a clip's duration_s."""
    n = len(times)
    if n == 0:
        return 0.0
    span = float(times[-1] - times[0])
    period = span / (n - 1) if vfr and n > 1 else 1 / fps
    return span + period
