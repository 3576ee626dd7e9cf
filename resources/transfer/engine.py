"""The TransferEngine interface every backend implements (procedural on CPU, Cosmos on GPU)."""
from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from resources.lake.tables import row_key


def recipe_rng(clip_id: str, condition: str, seed: int) -> np.random.Generator:
    """The generator a recipe draws its parameters from: one per (clip, condition, seed), so the
    same plan row always draws the same parameters, and seed 0 on two clips draws two sets."""
    digest = hashlib.sha256(f"{clip_id}|{condition}|{seed}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class TransferError(Exception):
    """A recipe that cannot run on a clip, with a reason a person can read."""


@dataclass(frozen=True)
class Recipe:
    condition: str
    params: dict = field(default_factory=dict)
    seed: int = 0

    @property
    def recipe_id(self) -> str:
        return row_key("recipe", self.condition, json.dumps(self.params, sort_keys=True), self.seed)

    def params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True)


@dataclass
class ClipMedia:
    """A clip's decoded frames (BGR, T x H x W x 3) and, for sim clips, its ground truth."""

    frames: np.ndarray
    times: list[float]
    fps: float
    depth: np.ndarray | None = None  # metres, T x H x W
    seg: np.ndarray | None = None  # object ids, T x H x W
    caption: str | None = None  # what the clip shows, in words (prompts of the generative backends)


@dataclass
class TransferOutput:
    frames: np.ndarray  # same shape as the source clip's frames
    used_depth: bool = False  # whether scene depth (ground truth) shaped the result
    # What the backend resolved the recipe to (a generative backend: prompt, controls and
    # their weights, steps, chunking); recorded with the recipe's own parameters.
    params: dict | None = None


class TransferEngine(ABC):
    """Re-renders a clip under a recipe, keeping its geometry (so labels stay valid) and its
    frame count, size and timing."""

    backend: str
    version: str
    model_id: str | None = None
    # Whether NVIDIA's guardrail checked the outputs: "cosmos_guardrail", "off" (by setting),
    # or "n/a" for a backend that generates nothing a guardrail would check.
    guardrail: str = "n/a"

    @abstractmethod
    def conditions(self) -> tuple[str, ...]:
        """The condition names this backend can render."""

    @abstractmethod
    def transfer(self, clip: ClipMedia, recipe: Recipe) -> TransferOutput:
        """Render the variant, frames of the same shape as ``clip.frames``; raise
        TransferError when the recipe cannot run on this clip."""

    def draw_params(self, condition: str, rng: np.random.Generator) -> dict:
        """A recipe's parameters drawn from this backend's documented ranges. The default draws
        none: a generative backend varies its output through the seed alone."""
        return {}

    def plan_params(self, clip_id: str, condition: str, seed: int) -> dict:
        """The parameters a plan row records for its recipe (see ``recipe_rng``)."""
        return self.draw_params(condition, recipe_rng(clip_id, condition, seed))

    def supports(self, condition: str) -> bool:
        """Whether this backend can render a condition (``a+b`` composes where supported)."""
        return condition in self.conditions()

    def transfer_many(self, clip: ClipMedia, recipes: list[Recipe]) -> list[TransferOutput | TransferError]:
        """Every recipe of one clip, in order: its output, or the TransferError that says why
        it cannot run. A model backend overrides this to batch recipes on the GPU."""
        out: list[TransferOutput | TransferError] = []
        for recipe in recipes:
            try:
                out.append(self.transfer(clip, recipe))
            except TransferError as err:
                out.append(err)
        return out

