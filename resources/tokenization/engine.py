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
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)

