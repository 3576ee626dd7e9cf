"""The TransferEngine interface every backend implements (procedural on CPU, Cosmos on GPU)."""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from resources.tables import row_key


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


@dataclass
class TransferOutput:
    frames: np.ndarray  # same shape as the source clip's frames
    used_depth: bool = False  # whether scene depth (ground truth) shaped the result


class TransferEngine(ABC):
    """Re-renders a clip under a recipe, keeping its geometry (so labels stay valid) and its
    frame count, size and timing."""

    backend: str
    version: str
    model_id: str | None = None

    @abstractmethod
    def conditions(self) -> tuple[str, ...]:
        """The condition names this backend can render."""

    @abstractmethod
    def transfer(self, clip: ClipMedia, recipe: Recipe) -> TransferOutput:
        """Render the variant, frames of the same shape as ``clip.frames``; raise
        TransferError when the recipe cannot run on this clip."""

    def supports(self, condition: str) -> bool:
        """Whether this backend can render a condition (``a+b`` composes where supported)."""
        return condition in self.conditions()


def make_engine(backend: str) -> TransferEngine:
    """The engine for a backend name; the Cosmos backends plug in here."""
    if backend == "procedural":
        from resources.transfer.procedural import ProceduralTransfer

        return ProceduralTransfer()
    raise ValueError(f"unknown transfer backend {backend!r}; available here: procedural")
