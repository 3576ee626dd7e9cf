"""The held-out test: scenes the simulator renders itself under the failure conditions.

The shift comes from the renderer's own lighting (pybullet's light direction, colour and
ambient and diffuse coefficients), never from the transfer backend's pixel maths, so the test
is not the augmentation's own transform. The scenes are other scenes than the training data:
another seed and other scene indices, so other objects, colours and camera paths.
"""
from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from resources.downstream.labels import objects_mask, to_training
from resources.media.codec import read_frames
from resources.sources.simulator import load_npz, render_scene, scene_params

TEST_SEED = 90_001  # no factory setting uses it: the training scenes come from the simulator's seed (7)
FIRST_INDEX = 1_000


def _light(params: dict, condition: str) -> dict:
    light = dict(params["lighting"])
    yaw = math.atan2(light["direction"][1], light["direction"][0])
    if condition == "dim":  # dusk-like: little ambient light, a weak sun
        light.update(ambient=0.12, diffuse=0.18, color=[0.8, 0.8, 0.85])
    elif condition == "coloured":  # sodium street light: strong orange, blue gone
        light.update(color=[1.0, 0.55, 0.15])
    elif condition == "low_sun":  # the sun 4 degrees above the horizon: long shadows, dark faces
        light.update(direction=[round(math.cos(yaw), 4), round(math.sin(yaw), 4), round(math.tan(math.radians(4)), 4)],
                     ambient=0.25, diffuse=0.9)
    elif condition != "nominal":
        raise ValueError(f"no test condition {condition!r}: nominal, dim, coloured or low_sun")
    return light


TEST_CONDITIONS = ("nominal", "dim", "coloured", "low_sun")


def shifted_scenes(conditions: tuple[str, ...], scenes: int, width: int, height: int, num_frames: int, size: tuple[int, int],
                   every: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per condition: the test images and masks of ``scenes`` new scenes (the same scenes under
    every condition, so conditions differ only in light)."""
    out: dict[str, tuple[list, list]] = {c: ([], []) for c in conditions}
    with tempfile.TemporaryDirectory(prefix="shifted-") as work:
        for i in range(scenes):
            base = scene_params(FIRST_INDEX + i, TEST_SEED, width, height, 10, num_frames)
            for condition in conditions:
                scene = render_scene(dict(base, lighting=_light(base, condition)), Path(work) / condition)
                frames, seg = read_frames(scene.video_path), load_npz(scene.seg_npz)
                xs, ys = to_training(frames[::every], objects_mask(seg[::every]), size)
                out[condition][0].append(xs)
                out[condition][1].append(ys)
    return {c: (np.concatenate(xs), np.concatenate(ys)) for c, (xs, ys) in out.items()}
