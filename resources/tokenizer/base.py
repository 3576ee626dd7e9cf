"""The Tokenizer interface (classical DCT by default; Cosmos and Wan VAEs on GPUs)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from resources.tokenizer.video_vae import VaeSettings


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


BACKENDS = ("dct", "cosmos-cv8x8x8", "wan2.1", "vidtok-fsq")


def make_tokenizer(backend: str, settings: "VaeSettings | None" = None) -> Tokenizer:
    """The tokenizer for a backend name. The learned ones take their settings (model,
    device, dtype, batch, chunking); building one loads no weights - the model loads on the
    first clip, once per process."""
    if backend == "dct":
        from resources.tokenizer.dct import DctTokenizer

        return DctTokenizer()
    learned = {
        "cosmos-cv8x8x8": ("resources.tokenizer.cosmos", "CosmosCV8x8x8Tokenizer"),
        "wan2.1": ("resources.tokenizer.wan", "Wan21Tokenizer"),
        "vidtok-fsq": ("resources.tokenizer.vidtok", "VidTokFsqTokenizer"),
    }
    if backend in learned:
        import importlib

        from resources.tokenizer.video_vae import VaeSettings

        module, cls = learned[backend]
        return getattr(importlib.import_module(module), cls)(settings or VaeSettings())
    raise ValueError(f"unknown tokenizer backend {backend!r}; available: {', '.join(BACKENDS)}")
