"""The classical transfer backend: weather and lighting re-rendered with image maths (OpenCV).

Every condition is a per-pixel photometric change plus thin overlays, so edges and object
boundaries stay where they were and the source clip's labels remain valid. Fog follows
the scene depth when the clip has it (sim ground truth) and a ground-plane guess otherwise.
"""
from __future__ import annotations

import cv2
import numpy as np

from resources.transfer.base import ClipMedia, Recipe, TransferEngine, TransferOutput

_DEFAULTS: dict[str, dict] = {
    "night": {"gain": 0.35, "gamma": 1.6, "blue_shift": 0.25, "noise_sigma": 3.0},
    "dusk": {"gain": 0.7, "gamma": 1.2, "warmth": 0.25},
    "fog": {"density": 0.07, "airlight": 215, "max_depth_m": 25.0},
    "rain": {"drops": 250, "length": 14, "darken": 0.8, "alpha": 0.35},
    "snow": {"flakes": 300, "radius": 1.5, "brighten": 1.1, "desaturate": 0.5},
}


class _Overlay:
    """Seeded particles (rain streaks, snowflakes) that move a fixed step per frame: the
    weather moves, but its amount does not change from frame to frame, so it does not flicker."""

    def __init__(self, count: int, h: int, w: int, seed: int):
        rng = np.random.default_rng(seed)
        self.xs = rng.integers(0, w, count)
        self.ys = rng.integers(0, h, count)
        self.drift = rng.integers(-1, 2, count)
        self.h, self.w = h, w

    def positions(self, i: int, fall: int) -> list[tuple[int, int]]:
        ys = (self.ys + i * fall) % self.h
        xs = (self.xs + self.drift * i) % self.w
        return list(zip(xs.tolist(), ys.tolist()))


def _night(frame: np.ndarray, p: dict, noise: np.ndarray) -> np.ndarray:
    x = p["gain"] * np.power(frame.astype(np.float32) / 255.0, p["gamma"])
    x[..., 0] *= 1 + p["blue_shift"]  # BGR: more blue, less red
    x[..., 2] *= 1 - p["blue_shift"] / 2
    return np.clip(x * 255.0 + noise, 0, 255).astype(np.uint8)


def _dusk(frame: np.ndarray, p: dict) -> np.ndarray:
    x = p["gain"] * np.power(frame.astype(np.float32) / 255.0, p["gamma"])
    x[..., 2] *= 1 + p["warmth"]
    x[..., 0] *= 1 - p["warmth"] / 2
    return np.clip(x * 255.0, 0, 255).astype(np.uint8)


def _pseudo_depth(h: int, w: int, max_depth: float) -> np.ndarray:
    # No depth: assume a ground plane seen from above the horizon - farther towards the top.
    rows = np.linspace(1.0, 0.15, h, dtype=np.float32)[:, None]
    return np.ascontiguousarray(np.broadcast_to(max_depth * (1.0 - rows) + 1.0, (h, w)))


def _fog(frame: np.ndarray, p: dict, depth: np.ndarray) -> np.ndarray:
    transmission = np.exp(-p["density"] * np.clip(depth.astype(np.float32), 0, p["max_depth_m"]))[..., None]
    return np.clip(frame.astype(np.float32) * transmission + p["airlight"] * (1 - transmission), 0, 255).astype(np.uint8)


def _rain(frame: np.ndarray, p: dict, overlay: _Overlay, i: int) -> np.ndarray:
    layer = np.zeros(frame.shape[:2], np.uint8)
    for x, y in overlay.positions(i, max(2, overlay.h // 12)):
        cv2.line(layer, (x, y), (x - 2, y + p["length"]), 255, 1, cv2.LINE_AA)
    a = (layer.astype(np.float32) / 255.0 * p["alpha"])[..., None]
    return np.clip(frame.astype(np.float32) * p["darken"] * (1 - a) + 200 * a, 0, 255).astype(np.uint8)


def _snow(frame: np.ndarray, p: dict, overlay: _Overlay, i: int) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)[..., None].astype(np.float32)
    x = (frame.astype(np.float32) * (1 - p["desaturate"]) + grey * p["desaturate"]) * p["brighten"]
    img = np.clip(x, 0, 255).astype(np.uint8)
    radius = max(1, round(p["radius"]))
    for fx, fy in overlay.positions(i, max(1, overlay.h // 40)):
        cv2.circle(img, (fx, fy), radius, (250, 250, 250), -1, cv2.LINE_AA)
    return img


class ProceduralTransfer(TransferEngine):
    backend = "procedural"
    version = "1.0"
    model_id = None

    def conditions(self) -> tuple[str, ...]:
        return tuple(_DEFAULTS)

    def resolved_params(self, recipe: Recipe) -> dict:
        return {**_DEFAULTS[recipe.condition], **recipe.params}

    def transfer(self, clip: ClipMedia, recipe: Recipe) -> TransferOutput:
        """Render frame by frame (no float copy of the whole clip)."""
        if recipe.condition not in _DEFAULTS:
            raise ValueError(f"procedural backend has no condition {recipe.condition!r}")
        p = self.resolved_params(recipe)
        t_n, h, w = clip.frames.shape[:3]
        out = np.empty_like(clip.frames)
        used_depth = recipe.condition == "fog" and clip.depth is not None
        if recipe.condition == "night":
            # Sensor noise is a fixed pattern per clip, not redrawn per frame: no flicker.
            noise = np.random.default_rng(recipe.seed).normal(0, p["noise_sigma"], (h, w, 3)).astype(np.float32)
        if recipe.condition in ("rain", "snow"):
            overlay = _Overlay(p["drops"] if recipe.condition == "rain" else p["flakes"], h, w, recipe.seed)
        if recipe.condition == "fog" and not used_depth:
            guess = _pseudo_depth(h, w, p["max_depth_m"])
        for i in range(t_n):
            frame = clip.frames[i]
            if recipe.condition == "night":
                out[i] = _night(frame, p, noise)
            elif recipe.condition == "dusk":
                out[i] = _dusk(frame, p)
            elif recipe.condition == "fog":
                out[i] = _fog(frame, p, clip.depth[i] if used_depth else guess)
            elif recipe.condition == "rain":
                out[i] = _rain(frame, p, overlay, i)
            else:
                out[i] = _snow(frame, p, overlay, i)
        return TransferOutput(out, used_depth)
