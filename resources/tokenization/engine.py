"""The Tokenizer interface (classical DCT by default; Cosmos and Wan VAEs on GPUs)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


class EmptyClipError(ValueError):
    """A clip that yielded no frame to tokenize."""


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

    def encode_measured(self, frames: Iterable[np.ndarray]) -> Measured:
        """A clip given frame by frame -> its tokens, their reconstruction PSNR and the clip's
        raw size. A learned VAE encodes the clip whole, so this default holds it; a tokenizer
        whose tokens cover a few frames each (DCT) overrides it to hold only those."""
        images = list(frames)
        if not images:
            raise EmptyClipError("a clip with no frames cannot be tokenized")
        clip = np.stack(images)
        tokenized = self.encode(clip)
        return Measured(tokenized, psnr(clip, self.decode(tokenized)), clip.nbytes)


@dataclass(frozen=True)
class Measured:
    tokenized: TokenizedClip
    psnr: float  # dB, of decode(tokens) against the frames
    raw_bytes: int  # the frames as uint8


def squared_error(a: np.ndarray, b: np.ndarray) -> int:
    """Sum of squared differences of two uint8 arrays of one shape, frame by frame in exact
    integers: the whole clip as float32 differences took 16 bytes a pixel value at the peak."""
    if a.shape != b.shape:
        raise ValueError(f"psnr of clips of different shapes: {a.shape} and {b.shape}")
    total = 0
    for fa, fb in zip(a, b):
        diff = np.abs(fa.astype(np.int16) - fb.astype(np.int16)).astype(np.uint32)
        total += int(np.sum(diff * diff, dtype=np.uint64))
    return total


def psnr_of(squared: int, values: int) -> float:
    mse = squared / values
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) of two uint8 clips of one shape."""
    return psnr_of(squared_error(a, b), a.size)
