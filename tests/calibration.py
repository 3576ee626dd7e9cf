"""The evaluator's calibration corpus: known-good variants and deliberately broken ones,
built from real footage and a simulated scene. Used by the calibration test."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from resources.media.codec import iter_frames
from resources.transfer import ClipMedia, Recipe, make_engine

GOOD_CONDITIONS = ["night", "dusk", "fog", "rain", "snow", "glare", "overcast", "sensor_noise", "motion_blur", "night+rain", "fog+snow"]
BREAKS = ["geometry_warped", "object_removed", "object_added", "frames_shuffled", "colours_inverted", "wrong_condition", "frozen_frame"]
WRONG = {"night": "fog", "fog": "night", "rain": "snow", "snow": "dusk", "dusk": "night", "glare": "overcast", "overcast": "sensor_noise", "sensor_noise": "motion_blur", "motion_blur": "sensor_noise"}


@dataclass
class Case:
    source: str
    kind: str  # "good" or a break
    condition: str
    frames: np.ndarray
    clip: ClipMedia


def real_clips(footage: dict, n_frames: int = 24) -> dict[str, ClipMedia]:
    def clip(path, start):
        frames = [f for f in iter_frames(path, start, start + n_frames)]
        return ClipMedia(np.stack([f.image for f in frames]), [f.time_s for f in frames], 10.0)

    return {
        "walkway_a": clip(footage["vtest"], 0),
        "walkway_b": clip(footage["vtest"], 120),
        "megamind_a": clip(footage["megamind"], 10),
        "megamind_b": clip(footage["megamind"], 210),
    }


def sim_clip(scene) -> ClipMedia:
    from resources.media.codec import read_frames
    from resources.sources.simulator import load_npz

    frames = read_frames(scene.video_path)
    return ClipMedia(frames, [i / 10 for i in range(len(frames))], 10.0, load_npz(scene.depth_npz), load_npz(scene.seg_npz))


def _moving_mask(frames: np.ndarray) -> np.ndarray:
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]).astype(np.int16)
    moving = (np.abs(np.diff(grey, axis=0)) > 25).any(axis=0).astype(np.uint8)
    return cv2.dilate(cv2.morphologyEx(moving, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)), np.ones((15, 15), np.uint8))


def break_variant(kind: str, clip: ClipMedia, variant: np.ndarray, condition: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """(broken frames, the condition that was asked for)."""
    t, h, w = variant.shape[:3]
    if kind == "geometry_warped":
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 4.0, 1.08)
        return np.stack([cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REFLECT) for f in variant]), condition
    if kind == "object_removed":
        if clip.seg is not None:  # paint every object (ids >= 1) with the ground plane's colour
            out = variant.copy()
            for i in range(t):
                objects = clip.seg[i] >= 1
                ground = clip.seg[i] == 0
                if objects.any() and ground.any():
                    out[i][objects] = np.median(variant[i][ground], axis=0)
            return out, condition
        mask = _moving_mask(clip.frames)
        return np.stack([cv2.inpaint(f, mask, 5, cv2.INPAINT_TELEA) for f in variant]), condition
    if kind == "object_added":
        out = variant.copy()
        size = max(12, h // 5)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        for i in range(t):  # a diagonal path across the frame
            x = int(size + (w - 2 * size) * i / max(1, t - 1))
            y = int(size + (h - 2 * size) * i / max(1, t - 1))
            cv2.ellipse(out[i], (x, y), (size, size // 2), 0, 0, 360, colour, -1)
        return out, condition
    if kind == "frames_shuffled":
        return variant[rng.permutation(t)], condition
    if kind == "colours_inverted":
        return 255 - variant, condition
    if kind == "wrong_condition":
        rendered = make_engine("procedural").transfer(clip, Recipe(WRONG[condition], {}, 1)).frames
        return rendered, condition
    if kind == "frozen_frame":
        return np.repeat(variant[:1], t, axis=0), condition
    raise ValueError(kind)


def corpus(clips: dict[str, ClipMedia], seed: int = 3, rng_seed: int = 7, drawn: bool = False) -> list[Case]:
    """Every good condition and every break on each clip: ``seed`` is the recipes' seed,
    ``rng_seed`` the breaks' (a held-out split uses seeds its thresholds never saw). ``drawn``:
    the good variants render parameters drawn as the planner draws them (docs/transfer.md),
    not the defaults."""
    engine = make_engine("procedural")
    rng = np.random.default_rng(rng_seed)
    cases = []
    for name, clip in clips.items():
        for condition in GOOD_CONDITIONS:
            params = engine.plan_params(name, condition, seed) if drawn else {}
            variant = engine.transfer(clip, Recipe(condition, params, seed)).frames
            cases.append(Case(name, "good", condition, variant, clip))
        for i, kind in enumerate(BREAKS):
            condition = list(WRONG)[(i + len(name)) % len(WRONG)]
            variant = engine.transfer(clip, Recipe(condition, {}, seed)).frames
            broken, asked = break_variant(kind, clip, variant, condition, rng)
            cases.append(Case(name, kind, asked, broken, clip))
    return cases
