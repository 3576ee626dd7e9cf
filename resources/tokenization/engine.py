"""The Tokenizer interface (classical DCT by default; Cosmos and Wan VAEs on GPUs)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenizedClip:
    tokens: np.ndarray
    num_frames: int
    height: int
    width: int

    @property
    def token_bytes(self) -> bytes:
        return np.ascontiguousarray(self.tokens).tobytes()


class Tokenizer(ABC):
    tokenizer_id: str
    version: str
    description: str  # what it is, in plain words (a learned model or not)

    @abstractmethod
    def encode(self, frames: np.ndarray) -> TokenizedClip:
        """Frames (T x H x W x 3 BGR uint8) to tokens."""

    @abstractmethod
    def decode(self, tokenized: TokenizedClip) -> np.ndarray:
        """Tokens back to frames of the source's shape: for reconstruction quality."""


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR of two uint8 clips of one shape, summed frame by frame in exact integers: the whole
    clip as float32 differences took 16 bytes a pixel value (GBs for a 10 s clip) at the peak."""
    if a.shape != b.shape:
        raise ValueError(f"psnr of clips of different shapes: {a.shape} and {b.shape}")
    squared = 0
    for fa, fb in zip(a, b):
        diff = np.abs(fa.astype(np.int16) - fb.astype(np.int16)).astype(np.uint32)
        squared += int(np.sum(diff * diff, dtype=np.uint64))
    mse = squared / a.size
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))

