"""The classical transfer backend: weather and lighting re-rendered with image maths (OpenCV).

Every condition is a per-pixel photometric change plus thin overlays, so edges and object
boundaries stay where they were and the source clip's labels remain valid. Depth shapes fog
and headlight glare when the clip has it (sim ground truth); otherwise a ground-plane guess
stands in. Conditions compose: ``night+rain`` renders night, then rain over it.
"""
from __future__ import annotations

import cv2
import numpy as np

from resources.transfer.engine import ClipMedia, Recipe, TransferEngine, TransferOutput

_DEFAULTS: dict[str, dict] = {
    "night": {"gain": 0.35, "gamma": 1.6, "blue_shift": 0.25, "noise_sigma": 3.0, "floor": 8.0},
    "dusk": {"gain": 0.7, "gamma": 1.2, "warmth": 0.25},
    "fog": {"density": 0.045, "airlight": 205, "max_depth_m": 25.0},
    "rain": {"drops": 250, "length": 14, "darken": 0.8, "alpha": 0.35},
    "snow": {"flakes": 300, "radius": 1.5, "brighten": 1.1, "desaturate": 0.5},
    "glare": {"gain": 0.3, "strength": 170.0, "centre_x": 0.5, "falloff_m": 6.0, "floor": 8.0},  # night with headlights
    "overcast": {"desaturate": 0.55, "contrast": 0.75, "gain": 0.92},
    "sensor_noise": {"sigma": 9.0, "read_noise": 2.0},
    "motion_blur": {"length": 9, "angle_deg": 0.0},
}
DEPTH_AWARE = ("fog", "glare")

# The ranges a planned recipe draws its parameters from (uniformly, with the plan row's seed;
# integers stay integers). Each range holds its default near the middle, and spans what still
# reads as the condition without breaking the clip: a stronger setting belongs to a new
# condition, not to a wider range. Parameters not listed keep their default. docs/transfer.md
# lists them.
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "night": {"gain": (0.3, 0.4), "gamma": (1.45, 1.75), "blue_shift": (0.18, 0.3), "noise_sigma": (2.0, 4.0)},
    "dusk": {"gain": (0.62, 0.75), "gamma": (1.1, 1.3), "warmth": (0.15, 0.3)},
    "fog": {"density": (0.035, 0.055), "airlight": (190, 215)},
    "rain": {"drops": (180, 320), "length": (11, 17), "alpha": (0.28, 0.4)},
    "snow": {"flakes": (230, 370), "desaturate": (0.4, 0.6)},
    "glare": {"strength": (150.0, 190.0), "centre_x": (0.4, 0.6)},
    "overcast": {"desaturate": (0.45, 0.65), "contrast": (0.7, 0.82)},
    "sensor_noise": {"sigma": (7.0, 11.0), "read_noise": (1.5, 2.5)},
    "motion_blur": {"length": (7, 11), "angle_deg": (-15.0, 15.0)},
}


_REFERENCE_PIXELS = 768 * 576  # overlay counts and sizes in _DEFAULTS are for a frame this big


def _scaled(value: float, h: int, w: int, minimum: float, area: bool = False) -> float:
    factor = (h * w / _REFERENCE_PIXELS) if area else (h / 576)
    return max(minimum, value * factor)


class _Overlay:
    """Seeded particles (rain streaks, snowflakes) that move a fixed step per frame: the
    weather moves, but its amount does not change from frame to frame, so it does not flicker."""

    def __init__(self, count: int, h: int, w: int, seed: int):
        count = int(_scaled(count, h, w, 20, area=True))  # the same density at any frame size
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
    # A real sensor's black level: night is dark, not crushed to 0.
    return np.clip(p["floor"] + x * (255.0 - p["floor"]) + noise, 0, 255).astype(np.uint8)


def _dusk(frame: np.ndarray, p: dict) -> np.ndarray:
    x = p["gain"] * np.power(frame.astype(np.float32) / 255.0, p["gamma"])
    x[..., 2] *= 1 + p["warmth"]
    x[..., 0] *= 1 - p["warmth"] / 2
    return np.clip(x * 255.0, 0, 255).astype(np.uint8)


def _pseudo_depth(h: int, w: int, max_depth: float) -> np.ndarray:
    """No depth: assume a ground plane seen from above - near at the bottom row (1 m), far
    towards the top (max_depth)."""
    rows = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]  # 0 at the top, 1 at the bottom
    return np.ascontiguousarray(np.broadcast_to(max_depth * (1.0 - rows) + 1.0, (h, w)))


def _fog(frame: np.ndarray, p: dict, depth: np.ndarray) -> np.ndarray:
    p = {**p, "max_depth_m": p.get("max_depth_m", 25.0)}
    transmission = np.exp(-p["density"] * np.clip(depth.astype(np.float32), 0, p["max_depth_m"]))[..., None]
    return np.clip(frame.astype(np.float32) * transmission + p["airlight"] * (1 - transmission), 0, 255).astype(np.uint8)


def _rain(frame: np.ndarray, p: dict, overlay: _Overlay, i: int) -> np.ndarray:
    layer = np.zeros(frame.shape[:2], np.uint8)
    length = int(_scaled(p["length"], overlay.h, overlay.w, 5))
    for x, y in overlay.positions(i, max(2, overlay.h // 12)):
        cv2.line(layer, (x, y), (x - max(1, length // 7), y + length), 255, 1, cv2.LINE_AA)
    a = (layer.astype(np.float32) / 255.0 * p["alpha"])[..., None]
    return np.clip(frame.astype(np.float32) * p["darken"] * (1 - a) + 200 * a, 0, 255).astype(np.uint8)


def _snow(frame: np.ndarray, p: dict, overlay: _Overlay, i: int) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)[..., None].astype(np.float32)
    x = (frame.astype(np.float32) * (1 - p["desaturate"]) + grey * p["desaturate"]) * p["brighten"]
    img = np.clip(x, 0, 255).astype(np.uint8)
    radius = max(1, round(_scaled(p["radius"], overlay.h, overlay.w, 1)))
    for fx, fy in overlay.positions(i, max(1, overlay.h // 40)):
        cv2.circle(img, (fx, fy), radius, (250, 250, 250), -1, cv2.LINE_AA)
    return img


def _glare(frame: np.ndarray, p: dict, depth: np.ndarray) -> np.ndarray:
    """Night lit by headlights from below the frame: light falls off with distance."""
    h, w = frame.shape[:2]
    x = np.abs(np.linspace(-1, 1, w, dtype=np.float32) - (2 * p["centre_x"] - 1))[None, :]
    beam = np.exp(-(x**2) / 0.18) * np.exp(-np.clip(depth.astype(np.float32), 0, 60) / p["falloff_m"])
    dark = p["floor"] + p["gain"] * np.power(frame.astype(np.float32) / 255.0, 1.6) * (255.0 - p["floor"])
    lit = dark + beam[..., None] * p["strength"] * (0.35 + frame.astype(np.float32) / 255.0)
    return np.clip(lit, 0, 255).astype(np.uint8)


def _overcast(frame: np.ndarray, p: dict) -> np.ndarray:
    x = frame.astype(np.float32)
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)[..., None].astype(np.float32)
    x = x * (1 - p["desaturate"]) + grey * p["desaturate"]
    x = (x - x.mean()) * p["contrast"] + x.mean() * p["gain"]
    return np.clip(x, 0, 255).astype(np.uint8)


def _sensor_noise(frame: np.ndarray, p: dict, rng: np.random.Generator) -> np.ndarray:
    # Shot noise grows with signal; read noise does not. Redrawn per frame, as a sensor's is.
    x = frame.astype(np.float32)
    noise = rng.normal(0, 1, x.shape).astype(np.float32) * (p["read_noise"] + p["sigma"] * np.sqrt(x / 255.0))
    return np.clip(x + noise, 0, 255).astype(np.uint8)


def _motion_blur(frame: np.ndarray, p: dict) -> np.ndarray:
    # The length is for a 576-row frame, like the overlays: the same motion smears fewer pixels
    # of a smaller sensor.
    k = max(3, int(_scaled(p["length"], *frame.shape[:2], 3)) | 1)
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1.0 / k
    rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), p["angle_deg"], 1.0)
    kernel = cv2.warpAffine(kernel, rot, (k, k))
    return cv2.filter2D(frame, -1, kernel / max(kernel.sum(), 1e-6))


def _draw(rng: np.random.Generator, lo: float, hi: float) -> float | int:
    if isinstance(lo, int) and isinstance(hi, int):
        return int(rng.integers(lo, hi + 1))
    return round(float(rng.uniform(lo, hi)), 3)


class ProceduralTransfer(TransferEngine):
    backend = "procedural"
    version = "1.1"  # 1.1: motion blur scaled with the frame
    model_id = None

    def conditions(self) -> tuple[str, ...]:
        return tuple(_DEFAULTS)

    def supports(self, condition: str) -> bool:
        return all(part in _DEFAULTS for part in condition.split("+"))

    def draw_params(self, condition: str, rng: np.random.Generator) -> dict:
        """Each part's parameters drawn from RANGES: flat for one condition, keyed by part for a
        composite one (the shape ``resolved_params`` reads)."""
        drawn = {part: {name: _draw(rng, lo, hi) for name, (lo, hi) in RANGES[part].items()} for part in condition.split("+")}
        return next(iter(drawn.values())) if len(drawn) == 1 else drawn

    def resolved_params(self, recipe: Recipe) -> dict:
        """Each part's parameters: the defaults, overridden by the recipe's (flat for a single
        condition, or keyed by part name for a composite one)."""
        parts = recipe.condition.split("+")
        if len(parts) == 1:
            return {parts[0]: {**_DEFAULTS[parts[0]], **recipe.params}}
        return {part: {**_DEFAULTS[part], **recipe.params.get(part, {})} for part in parts}

    def transfer(self, clip: ClipMedia, recipe: Recipe) -> TransferOutput:
        """Render frame by frame (no float copy of the whole clip); composites in order."""
        if not self.supports(recipe.condition):
            raise ValueError(f"procedural backend has no condition {recipe.condition!r}")
        params = self.resolved_params(recipe)
        t_n, h, w = clip.frames.shape[:3]
        used_depth = clip.depth is not None and any(part in DEPTH_AWARE for part in params)
        guess = None if clip.depth is not None else _pseudo_depth(h, w, 25.0)
        frames = clip.frames
        for part_index, (part, p) in enumerate(params.items()):
            seed = recipe.seed + 1000 * part_index
            out = np.empty_like(frames)
            if part == "night":
                # Sensor noise of a night shot is a fixed pattern per clip: no flicker.
                noise = np.random.default_rng(seed).normal(0, p["noise_sigma"], (h, w, 3)).astype(np.float32)
            if part in ("rain", "snow"):
                overlay = _Overlay(p["drops"] if part == "rain" else p["flakes"], h, w, seed)
            rng = np.random.default_rng(seed)
            for i in range(t_n):
                frame = frames[i]
                depth = clip.depth[i] if clip.depth is not None else guess
                if part == "night":
                    out[i] = _night(frame, p, noise)
                elif part == "dusk":
                    out[i] = _dusk(frame, p)
                elif part == "fog":
                    out[i] = _fog(frame, p, depth)
                elif part == "rain":
                    out[i] = _rain(frame, p, overlay, i)
                elif part == "snow":
                    out[i] = _snow(frame, p, overlay, i)
                elif part == "glare":
                    out[i] = _glare(frame, p, depth)
                elif part == "overcast":
                    out[i] = _overcast(frame, p)
                elif part == "sensor_noise":
                    out[i] = _sensor_noise(frame, p, rng)
                else:
                    out[i] = _motion_blur(frame, p)
            frames = out
        return TransferOutput(frames, used_depth)
