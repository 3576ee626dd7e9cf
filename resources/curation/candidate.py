"""A scored clip as the curator closes it: its span, its metrics, and its encoded file."""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class ClipCandidate:
    clip_index: int
    start_frame: int
    end_frame: int  # exclusive
    start_s: float
    duration_s: float
    width: int
    height: int
    sharpness: float
    brightness: float
    clipped_fraction: float
    motion: float
    black_fraction: float
    frozen_fraction: float
    mv_global_mean: float | None  # codec motion vectors; None when the footage's codec exported none
    mv_patch_min: float | None
    text_fraction: float | None  # share of OCR-read frames with text; None when no text detector runs
    phash: str
    video_path: Path | None  # encoded H.264; None once dropped
    encoded: Future | None = None  # resolves when video_path is complete
    thumbs: list[np.ndarray] = field(default_factory=list, repr=False)  # colour, every frame
    keyframes: list[np.ndarray] = field(default_factory=list, repr=False)  # BGR, 256 px wide
    retimed: bool = False  # the source's timestamps were off and its frames were timed i / fps

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame
