"""Clip embeddings for semantic dedup: a weight-free descriptor by default, a vision model when set.

An embedding is a unit vector, so cosine similarity is a dot product. Embeddings are stored
in curated_clips, so tomorrow's footage is compared with today's clips without embedding
today's clips again.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import cv2
import numpy as np

_QUADRANTS = [(slice(0, 18), slice(0, 24)), (slice(0, 18), slice(24, 48)), (slice(18, 36), slice(0, 24)), (slice(18, 36), slice(24, 48))]


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n if n > 0 else v).astype(np.float32)


class Embedder(ABC):
    embedder_id: str

    @abstractmethod
    def embed(self, thumbs: list[np.ndarray], keyframes: list[np.ndarray]) -> np.ndarray:
        """A unit vector for one clip, from its per-frame colour thumbnails (48x36 BGR) and
        its keyframes (BGR, 256 px wide)."""


class DescriptorEmbedder(Embedder):
    """Colour (HSV histogram), texture (gradient orientations per quadrant) and motion (where
    the frame changes, on a 4x4 grid), each block normalised and weighted equally. Not a
    learned model: it finds re-encodes and near-copies, not paraphrases of a scene."""

    embedder_id = "classical-descriptor-v1"

    def embed(self, thumbs: list[np.ndarray], keyframes: list[np.ndarray]) -> np.ndarray:
        colour = np.zeros(8 * 4 * 4, np.float32)
        texture = np.zeros(4 * 8, np.float32)
        motion = np.zeros(16, np.float32)
        prev = None
        for t in thumbs:
            hsv = cv2.cvtColor(t, cv2.COLOR_BGR2HSV)
            colour += cv2.calcHist([hsv], [0, 1, 2], None, [8, 4, 4], [0, 180, 0, 256, 0, 256]).ravel()
            grey = cv2.cvtColor(t, cv2.COLOR_BGR2GRAY).astype(np.float32)
            mag, ang = cv2.cartToPolar(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
            bins = (ang / (2 * np.pi) * 8).astype(np.int64) % 8
            for q, (ys, xs) in enumerate(_QUADRANTS):
                texture[q * 8 : (q + 1) * 8] += np.bincount(bins[ys, xs].ravel(), mag[ys, xs].ravel(), 8)
            if prev is not None:
                motion += cv2.resize(np.abs(grey - prev), (4, 4), interpolation=cv2.INTER_AREA).ravel()
            prev = grey
        return _unit(np.concatenate([_unit(colour), _unit(texture), _unit(motion)]))


class TransformersImageEmbedder(Embedder):
    """A vision model (e.g. CLIP, SigLIP) from a local directory or a hub id at a revision:
    the mean of its image embeddings over up to four keyframes."""

    def __init__(self, model: str, revision: str | None = None, device: str = "cpu"):
        import torch
        from transformers import AutoImageProcessor, AutoModel

        self.embedder_id = f"{model}@{revision or 'main'}"
        self.processor = AutoImageProcessor.from_pretrained(model, revision=revision)
        self.model = AutoModel.from_pretrained(model, revision=revision).to(device).eval()
        self.device = device
        self._torch = torch

    def embed(self, thumbs: list[np.ndarray], keyframes: list[np.ndarray]) -> np.ndarray:
        picks = keyframes if len(keyframes) <= 4 else [keyframes[i] for i in np.linspace(0, len(keyframes) - 1, 4).astype(int)]
        images = [cv2.cvtColor(k, cv2.COLOR_BGR2RGB) for k in picks]
        inputs = self.processor(images=images, return_tensors="pt").to(self.device)
        with self._torch.no_grad():
            if hasattr(self.model, "get_image_features"):
                feats = self.model.get_image_features(**inputs)
            else:
                out = self.model(**inputs)
                feats = getattr(out, "image_embeds", None)
                feats = feats if feats is not None else out.pooler_output
        if not isinstance(feats, self._torch.Tensor):  # some versions return a model output
            feats = getattr(feats, "pooler_output", None) if getattr(feats, "image_embeds", None) is None else feats.image_embeds
        return _unit(feats.float().mean(0).cpu().numpy())



def most_similar(vector: np.ndarray, kept: dict[str, np.ndarray]) -> tuple[str | None, float]:
    """The kept clip closest to ``vector`` by cosine similarity, and that similarity."""
    if not kept:
        return None, 0.0
    ids = list(kept)
    sims = np.stack([kept[i] for i in ids]) @ vector
    best = int(np.argmax(sims))
    return ids[best], float(sims[best])
