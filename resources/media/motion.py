"""Codec motion vectors: the motion the encoder already measured, read from the decoder.

FFmpeg exports a frame's motion vectors as side data when the decoder is opened with
``flags2=+export_mvs`` (iter_frames(motion_vectors=True)). The metric is Cosmos Curator's
(NeMo Curator ``motion_vector_backend``), so its thresholds carry over: every vector's
displacement ``|motion| / motion_scale`` is painted over its block (8x8, 16x16, 16x8 and
8x16 blocks; a later vector over the same block wins), divided by ``width + height``; the
clip's global mean is the mean over pixels and over the frames that carry vectors, and its
per-patch minimum is the smallest cell of the per-pixel mean shrunk by 256. Intra frames
carry no vectors and are not counted. Here the field is painted on a 4-pixel grid, the
granularity of H.264's partitions, so a frame costs a few array operations, not a
full-resolution flow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

_CELL = 4
_BLOCKS = ((8, 8), (16, 16), (16, 8), (8, 16))  # (w, h): the block sizes Cosmos Curator paints
_PATCH = 256


@dataclass
class MotionField:
    """A clip's motion-vector magnitudes, accumulated frame by frame (one small map per clip)."""

    width: int
    height: int
    frames: int = 0  # frames that carried motion vectors
    _sum: np.ndarray | None = field(default=None, repr=False)

    def add(self, vectors: np.ndarray | None) -> None:
        """Add one frame's MOTION_VECTORS side data (a structured array); None (an intra
        frame, or a codec that exports none) adds nothing."""
        if vectors is None or len(vectors) == 0:
            return
        gh, gw = -(-self.height // _CELL), -(-self.width // _CELL)
        if self._sum is None:
            self._sum = np.zeros((gh, gw), np.float64)
        frame = np.zeros((gh, gw), np.float32)
        w, h = vectors["w"].astype(np.int64), vectors["h"].astype(np.int64)
        scale = np.maximum(vectors["motion_scale"].astype(np.float32), 1.0)
        magnitude = np.hypot(vectors["motion_x"] / scale, vectors["motion_y"] / scale) / (self.width + self.height)
        for bw, bh in _BLOCKS:
            pick = (w == bw) & (h == bh)
            if not pick.any():
                continue
            # The block's top-left cell, from its centre (dst is the block's centre in the frame).
            x0 = (vectors["dst_x"][pick].astype(np.int64) - bw // 2) // _CELL
            y0 = (vectors["dst_y"][pick].astype(np.int64) - bh // 2) // _CELL
            dy, dx = np.meshgrid(np.arange(bh // _CELL), np.arange(bw // _CELL), indexing="ij")
            ys = np.clip(y0[:, None, None] + dy[None], 0, gh - 1)
            xs = np.clip(x0[:, None, None] + dx[None], 0, gw - 1)
            frame[ys, xs] = np.broadcast_to(magnitude[pick][:, None, None], ys.shape)
        self._sum += frame
        self.frames += 1

    @property
    def measured(self) -> bool:
        return self.frames > 0

    def global_mean(self) -> float | None:
        """Mean magnitude over pixels and frames with vectors; None when none carried any."""
        return float(self._sum.mean() / self.frames) if self.measured else None

    def patch_min(self) -> float | None:
        """The least-moving region: the per-pixel mean shrunk by 256 (as Cosmos Curator's
        cv2.resize(fx=1/256)), its smallest cell; None when no frame carried vectors."""
        if not self.measured:
            return None
        mean = (self._sum / self.frames).astype(np.float32)
        size = (max(1, round(self.width / _PATCH)), max(1, round(self.height / _PATCH)))
        return float(cv2.resize(mean, size).min())
