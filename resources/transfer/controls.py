"""Control videos for the Cosmos transfer backends, and which recipe gets which control.

Cosmos Transfer conditions generation on structure maps of the source clip, one per control
modality. We compute them ourselves:

- ``edge``: Canny edges of each frame (what NVIDIA's examples feed the edge ControlNet);
- ``blur``: a bilateral blur of each frame (the "vis" control: colours and layout, no detail);
- ``depth``: the simulator's ground-truth depth, as inverse depth scaled per clip to [0, 1]
  (near is bright, as a monocular depth model's output is);
- ``seg``: the simulator's object ids, each id a fixed colour.

Depth and segmentation come only from ground truth. A clip without it (real footage) cannot
take those controls, and the recipe fails with that reason rather than with a guessed map.

Which recipe takes which controls is a setting (see ``ControlPlan``): a default for every
recipe, and overrides per condition.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from resources.transfer.engine import ClipMedia, TransferError

MODALITIES = ("edge", "blur", "depth", "seg")
_GROUND_TRUTH = {"depth": "depth", "seg": "segmentation"}

# What each condition asks the model for, in words; composites join their parts.
CONDITION_PHRASES: dict[str, str] = {
    "night": "at night, lit only by street lights and headlights",
    "dusk": "at dusk, in low warm evening light",
    "fog": "in dense fog that hides the distance",
    "rain": "in heavy rain, with wet reflective surfaces",
    "snow": "in falling snow, with snow on the ground",
    "glare": "at night, with strong headlight glare",
    "overcast": "under a grey overcast sky, in flat light",
    "sensor_noise": "filmed by a noisy low-light camera sensor",
    "motion_blur": "with strong motion blur from a moving camera",
}


def supports(condition: str) -> bool:
    return all(part in CONDITION_PHRASES for part in condition.split("+"))


def prompt_for(condition: str, caption: str | None) -> str:
    """The generation prompt of a recipe: what the clip shows, then the condition it is
    re-rendered under (``night+rain`` -> "... at night ..., and in heavy rain ...")."""
    parts = [CONDITION_PHRASES[p] for p in condition.split("+")]
    scene = (caption or "A video.").strip()
    if not scene.endswith("."):
        scene += "."
    return f"{scene} The same scene {', and '.join(parts)}. The layout, objects and their motion are unchanged."


@dataclass(frozen=True)
class Control:
    modality: str
    weight: float = 1.0

    def __str__(self) -> str:
        return f"{self.modality}:{self.weight:g}"


def parse_controls(spec: str) -> tuple[Control, ...]:
    """``edge`` / ``depth:0.6`` / ``depth:0.6+edge:0.4`` -> controls, in the order given."""
    out = []
    for part in spec.split("+"):
        name, _, weight = part.strip().partition(":")
        if name not in MODALITIES:
            raise ValueError(f"unknown control {name!r} in {spec!r}; controls are {', '.join(MODALITIES)}")
        try:
            out.append(Control(name, float(weight) if weight else 1.0))
        except ValueError:
            raise ValueError(f"control weight must be a number, not {weight!r} in {spec!r}") from None
    if len({c.modality for c in out}) != len(out):
        raise ValueError(f"a control is named twice in {spec!r}")
    return tuple(out)


@dataclass(frozen=True)
class ControlPlan:
    """Which controls each recipe takes: ``default`` for every recipe, ``by_condition`` for
    the conditions named in the setting (``fog=depth:0.8``: fog follows the scene's depth)."""

    default: tuple[Control, ...]
    by_condition: tuple[tuple[str, tuple[Control, ...]], ...] = ()

    @classmethod
    def from_settings(cls, controls: list[str], condition_controls: list[str]) -> "ControlPlan":
        default = parse_controls("+".join(controls)) if controls else (Control("edge"),)
        by_condition = []
        for entry in condition_controls:
            condition, sep, spec = entry.partition("=")
            if not sep or not condition.strip() or not supports(condition.strip()):
                raise ValueError(f"condition controls are written condition=controls (e.g. fog=depth:0.8), not {entry!r}")
            by_condition.append((condition.strip(), parse_controls(spec)))
        return cls(default, tuple(by_condition))

    def for_condition(self, condition: str) -> tuple[Control, ...]:
        return dict(self.by_condition).get(condition, self.default)

    def describe(self) -> str:
        text = "+".join(map(str, self.default))
        overrides = ", ".join(f"{c}={'+'.join(map(str, ctl))}" for c, ctl in self.by_condition)
        return f"{text} ({overrides})" if overrides else text


def check_ground_truth(clip: ClipMedia, controls: tuple[Control, ...]) -> None:
    """Raise TransferError when a control needs ground truth this clip does not have."""
    for control in controls:
        if (control.modality == "depth" and clip.depth is None) or (control.modality == "seg" and clip.seg is None):
            what = _GROUND_TRUTH[control.modality]
            raise TransferError(
                f"the {control.modality} control needs the clip's ground-truth {what}, which only simulated footage has; "
                f"this clip has none, and no {what} is estimated in its place"
            )


def _edge(frame: np.ndarray) -> np.ndarray:
    edges = cv2.Canny(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), 100, 200)
    return np.repeat(edges[..., None], 3, axis=2)


def _blur(frame: np.ndarray) -> np.ndarray:
    # Edge-preserving: flat regions lose their texture, boundaries stay where they are.
    sigma = max(10.0, 0.05 * max(frame.shape[:2]))
    return cv2.cvtColor(cv2.bilateralFilter(frame, 9, 75, sigma), cv2.COLOR_BGR2RGB)


def _depth_maps(depth: np.ndarray) -> np.ndarray:
    inv = 1.0 / np.clip(depth.astype(np.float32), 0.05, None)
    lo, hi = float(inv.min()), float(inv.max())
    scaled = (inv - lo) / (hi - lo) if hi > lo else np.zeros_like(inv)
    return (np.repeat(scaled[..., None], 3, axis=3) * 255).astype(np.uint8)


def _seg_colours(seg: np.ndarray) -> np.ndarray:
    ids = np.unique(seg)
    # A fixed colour per object id (golden-ratio hues), black for the background (-1).
    lut = {int(i): (0, 0, 0) if i < 0 else tuple(int(c) for c in cv2.cvtColor(
        np.uint8([[[int(i * 0.618034 * 180) % 180, 200, 230]]]), cv2.COLOR_HSV2RGB)[0, 0]) for i in ids}
    out = np.zeros((*seg.shape, 3), np.uint8)
    for i, colour in lut.items():
        out[seg == i] = colour
    return out


def control_video(clip: ClipMedia, modality: str, width: int, height: int) -> np.ndarray:
    """The control video of ``modality`` at the generation size: T x H x W x 3 float32 in [0, 1],
    RGB (what diffusers' video processor takes)."""
    if modality == "edge":
        maps = np.stack([_edge(f) for f in clip.frames])
    elif modality == "blur":
        maps = np.stack([_blur(f) for f in clip.frames])
    elif modality in ("depth", "seg"):
        check_ground_truth(clip, (Control(modality),))
        maps = _depth_maps(clip.depth) if modality == "depth" else _seg_colours(clip.seg)
    else:
        raise ValueError(f"unknown control {modality!r}")
    # Label maps must not be blended at their boundaries: nearest for seg and edges.
    interpolation = cv2.INTER_NEAREST if modality in ("seg", "edge") else cv2.INTER_AREA
    if maps.shape[1:3] != (height, width):
        maps = np.stack([cv2.resize(m, (width, height), interpolation=interpolation) for m in maps])
    return maps.astype(np.float32) / 255.0
