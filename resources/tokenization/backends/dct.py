"""The weight-free default tokenizer: a 3-D block DCT, quantised. Not a learned model.

It cuts the clip (resized so its long side is 256 px, in YCrCb) into 8x8x8 spatio-temporal
cubes - the same 8x8x8 compression grid as Cosmos-Tokenize1 CV8x8x8 - and keeps the
lowest-frequency DCT coefficients of each cube, quantised to int16. The result has the
shape a continuous video tokenizer's latent has, (T/8, H/8, W/8, channels), so the shards,
loaders and training code are the same for this and for a real Cosmos/Wan tokenizer; its
reconstruction is much blurrier than a learned one, and the materialization reports how much.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import cv2
import numpy as np
from scipy.fft import dctn, idctn

from resources.tokenization.engine import EmptyClipError, Measured, TokenizedClip, Tokenizer, psnr_of, squared_error

_CUBE = 8
_LONG_SIDE = 256


def _low_frequency_mask(order: int) -> np.ndarray:
    t, y, x = np.indices((_CUBE, _CUBE, _CUBE))
    return (t + y + x) < order


class DctTokenizer(Tokenizer):
    tokenizer_id = "classical-dct-8x8x8"
    version = "1.0"
    description = "3-D block DCT of 8x8x8 cubes, low frequencies kept and quantised to int16; not a learned model"

    def __init__(self, order: int = 4, step: float = 4.0):
        self.mask = _low_frequency_mask(order)  # order 4 keeps 20 of 512 coefficients per cube
        self.step = step

    def _grid(self, h: int, w: int) -> tuple[int, int]:
        scale = _LONG_SIDE / max(h, w)
        return max(_CUBE, round(h * scale / _CUBE) * _CUBE), max(_CUBE, round(w * scale / _CUBE) * _CUBE)

    def encode(self, frames: np.ndarray) -> TokenizedClip:
        t_n, h, w = frames.shape[:3]
        return TokenizedClip(np.concatenate([self._slab(frames[i:i + _CUBE]) for i in range(0, t_n, _CUBE)]), t_n, h, w)

    def encode_measured(self, frames: Iterable[np.ndarray]) -> Measured:
        """Eight frames at a time: a cube spans eight frames, so each slab's tokens, and their
        decode, are the whole clip's. Memory holds one slab, not the clip (a 100-frame 720p
        clip took ~500 MB at the peak when held whole)."""
        slabs, squared, values, raw, n, size = [], 0, 0, 0, 0, None
        for slab in _slabs(frames):
            size = size or slab.shape[1:3]
            tokens = self._slab(slab)
            squared += squared_error(slab, self.decode(TokenizedClip(tokens, len(slab), *size)))
            values, raw, n = values + slab.size, raw + slab.nbytes, n + len(slab)
            slabs.append(tokens)
        if not slabs:
            raise EmptyClipError("a clip with no frames cannot be tokenized")
        return Measured(TokenizedClip(np.concatenate(slabs), n, *size), psnr_of(squared, values), raw)

    def _slab(self, frames: np.ndarray) -> np.ndarray:
        """Up to eight frames -> one cube deep of tokens (1, H/8, W/8, channels)."""
        t_n, h, w = frames.shape[:3]
        gh, gw = self._grid(h, w)
        x = np.stack([cv2.cvtColor(cv2.resize(f, (gw, gh), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YCrCb) for f in frames])
        pad = (-t_n) % _CUBE
        if pad:  # repeat the last frame to fill the last cube; decode drops it again
            x = np.concatenate([x, np.repeat(x[-1:], pad, axis=0)])
        x = x.astype(np.float32) - 128.0
        tc, hc, wc = x.shape[0] // _CUBE, gh // _CUBE, gw // _CUBE
        cubes = x.reshape(tc, _CUBE, hc, _CUBE, wc, _CUBE, 3).transpose(0, 2, 4, 6, 1, 3, 5)
        coeffs = dctn(cubes, axes=(-3, -2, -1), norm="ortho")[..., self.mask]  # tc, hc, wc, 3, K
        return np.round(coeffs / self.step).astype(np.int16).reshape(tc, hc, wc, -1)

    def decode(self, tokenized: TokenizedClip) -> np.ndarray:
        tc, hc, wc, _ = tokenized.tokens.shape
        coeffs = np.zeros((tc, hc, wc, 3, _CUBE, _CUBE, _CUBE), np.float32)
        coeffs[..., self.mask] = tokenized.tokens.reshape(tc, hc, wc, 3, -1).astype(np.float32) * self.step
        cubes = idctn(coeffs, axes=(-3, -2, -1), norm="ortho")
        x = cubes.transpose(0, 4, 1, 5, 2, 6, 3).reshape(tc * _CUBE, hc * _CUBE, wc * _CUBE, 3)
        x = np.clip(x[: tokenized.num_frames] + 128.0, 0, 255).astype(np.uint8)
        size = (tokenized.width, tokenized.height)
        return np.stack([cv2.resize(cv2.cvtColor(f, cv2.COLOR_YCrCb2BGR), size, interpolation=cv2.INTER_LINEAR) for f in x])


def _slabs(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    slab: list[np.ndarray] = []
    for frame in frames:
        slab.append(frame)
        if len(slab) == _CUBE:
            yield np.stack(slab)
            slab = []
    if slab:
        yield np.stack(slab)
