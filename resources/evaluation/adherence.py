"""Does a variant show the condition it was asked for? Weight-free cues, one per condition.

Each cue compares the variant with its source (so a dark source does not pass as "night"
by itself) and returns a score in [0, 1]; 0.5 is the pass mark. A composite condition
(``night+rain``) must show every part: its score is the lowest of its parts'.
"""
from __future__ import annotations

import cv2
import numpy as np


def _ramp(x: float, zero: float, one: float) -> float:
    """0 at ``zero``, 1 at ``one``, linear between (either direction)."""
    return float(np.clip((x - zero) / (one - zero), 0.0, 1.0))


def _luma(frames: np.ndarray) -> np.ndarray:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]).astype(np.float32)


def _saturation(frames: np.ndarray) -> float:
    return float(np.mean([cv2.cvtColor(f, cv2.COLOR_BGR2HSV)[..., 1].mean() for f in frames]))


def _new_thin(src: np.ndarray, var: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Small bright structures that appear from one frame to the next in the variant and are
    not explained by the source's own change (scaled by the variant's brightness): falling
    rain and snow, not the scene's texture or its motion. A white top-hat of that residual."""
    ls, lv = _luma(src), _luma(var)
    gain = lv.mean() / max(1.0, ls.mean())
    residual = np.clip(np.diff(lv, axis=0) - gain * np.diff(ls, axis=0), 0, 255).astype(np.uint8)
    return np.stack([cv2.morphologyEx(r, cv2.MORPH_TOPHAT, kernel) for r in residual]).astype(np.float32)


def _streak_share(src: np.ndarray, var: np.ndarray) -> float:
    """Share of pixels on new falling thin near-vertical bright lines (rain), per 576 rows."""
    if len(var) < 2:
        return 0.0
    th = _new_thin(src, var, np.ones((5, 5), np.uint8))
    line = np.ones((max(3, round(7 * var.shape[1] / 576)), 1), np.uint8)  # a streak's length grows with the frame
    vertical = np.stack([cv2.morphologyEx((t > 10).astype(np.uint8), cv2.MORPH_OPEN, line) for t in th])
    return float(vertical.mean()) * 576 / var.shape[1]


def _flake_share(src: np.ndarray, var: np.ndarray) -> float:
    """Share of pixels on new falling small bright round blobs (snow)."""
    if len(var) < 2:
        return 0.0
    th = _new_thin(src, var, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    # A cross, not a 2x2 square: both remove lone grain pixels, but a 2x2 square also removed the
    # 3-pixel flakes of a 160x120 frame (a plus shape once thresholded).
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    blobs = np.stack([cv2.morphologyEx((t > 30).astype(np.uint8), cv2.MORPH_OPEN, cross) for t in th])
    return float(blobs.mean())


def _dark_channel(frames: np.ndarray) -> float:
    """Mean of the darkest colour in each 9x9 patch: haze lifts it (He et al.'s dark-channel prior)."""
    return float(np.mean([cv2.erode(f.min(axis=2), np.ones((9, 9), np.uint8)).mean() for f in frames]))


def _temporal_noise(src: np.ndarray, var: np.ndarray) -> float:
    """Grain that changes from frame to frame and is not in the source: the std of the
    variant's frame-to-frame change minus the source's, per frame (grey levels)."""
    ls, lv = _luma(src), _luma(var)
    if len(lv) < 2:
        return 0.0
    residual = np.diff(lv, axis=0) - np.diff(ls, axis=0) * (lv.mean() / max(1.0, ls.mean()))
    # The median absolute residual: grain touches every pixel, motion (or its blur) only a few.
    return float(1.4826 * np.median(np.abs(residual - np.median(residual))) / np.sqrt(2))


def _sharpness(frames: np.ndarray) -> float:
    return float(np.mean([cv2.Laplacian(f, cv2.CV_32F).var() for f in _luma(frames)]))


def _warmth(frames: np.ndarray) -> float:
    f = frames.astype(np.float32)
    return float((f[..., 2] - f[..., 0]).mean())


def cue(condition: str, src: np.ndarray, var: np.ndarray) -> float:
    """The adherence score of one (non-composite) condition (frames BGR, up to 512 px wide:
    streaks, flakes and sensor noise average away at smaller sizes)."""
    ls, lv = _luma(src), _luma(var)
    lum = float(lv.mean() / max(1.0, ls.mean()))
    contrast = float(lv.std() / max(1.0, ls.std()))
    if condition == "night":
        return _ramp(lum, 0.8, 0.45)
    if condition == "dusk":
        return min(_ramp(lum, 1.0, 0.85), _ramp(_warmth(var) - lum * _warmth(src), 0.0, 6.0))
    if condition == "fog":
        return _ramp(_dark_channel(var) - _dark_channel(src), 1.0, 10.0)
    if condition == "rain":
        # Streaks, in a scene that got darker: on a small frame a falling flake is as tall as the
        # streak filter, so snow (which brightens) would otherwise pass as rain.
        return min(_ramp(_streak_share(src, var), 0.002, 0.006), _ramp(lum, 1.0, 0.93))
    if condition == "snow":
        return min(_ramp(_flake_share(src, var), 0.0003, 0.0012), _ramp(_saturation(var) / max(1.0, _saturation(src)), 0.95, 0.75))
    if condition == "glare":
        # Headlights from below the camera: the bottom-centre gains far more light than the rest.
        h, w = lv.shape[1:]
        beam = np.zeros((h, w), bool)
        beam[2 * h // 3 :, w // 3 : 2 * w // 3] = True
        gain_beam = lv[:, beam].mean() / max(1.0, ls[:, beam].mean())
        gain_rest = lv[:, ~beam].mean() / max(1.0, ls[:, ~beam].mean())
        return min(_ramp(lum, 1.0, 0.8), _ramp(gain_beam / max(1e-3, gain_rest), 1.1, 1.5))
    if condition == "overcast":
        return min(_ramp(_saturation(var) / max(1.0, _saturation(src)), 0.9, 0.6), _ramp(contrast, 1.0, 0.85))
    if condition == "sensor_noise":
        # Grain that changes per frame, on a clip that got no softer: grain adds fine detail, while
        # a blur of a moving camera also raises the residual (see docs/evaluator.md) but removes it.
        return min(_ramp(_temporal_noise(src, var), 0.5, 0.9), _ramp(_sharpness(var) / max(1.0, _sharpness(src)), 0.9, 1.0))
    if condition == "motion_blur":
        return _ramp(_sharpness(var) / max(1.0, _sharpness(src)), 0.85, 0.5)
    raise ValueError(f"no adherence cue for condition {condition!r}")


def adherence(condition: str, src: np.ndarray, var: np.ndarray) -> float:
    """The score of a condition, composite or not: the weakest part decides."""
    return min(cue(part, src, var) for part in condition.split("+"))
