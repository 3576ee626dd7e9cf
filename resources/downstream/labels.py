"""Perception training data from the lake: frames of accepted samples with the simulator's
segmentation, at pinned table versions.

A simulated clip carries its ground truth (curated_clips.seg_blob_key, cut to the clip). A
variant keeps its source clip's labels when its backend preserves geometry: the procedural
backend only changes light, weather and colour per pixel, so every object stays where it was.
A Cosmos variant is re-generated and may move things; it is left out until a check measures
that its geometry held (docs/downstream.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pyarrow.compute as pc
import torch
from torch.utils.data import Dataset

from resources.lake import Lake
from resources.media.codec import read_frames
from resources.sources.simulator import load_npz

GEOMETRY_PRESERVING_BACKENDS = ("procedural",)
TABLES = ("curated_clips", "transferred_variants", "evaluated_samples")


@dataclass(frozen=True)
class Sample:
    sample_id: str  # the clip_id of an original, the variant_id of a variant
    kind: str  # original | variant
    clip_id: str
    condition: str
    passed: bool | None  # the evaluator's verdict; None when it has not judged it
    blob_key: str
    seg_blob_key: str


def pinned_versions(lake: Lake) -> dict[str, int | None]:
    """The current version of every table the labels are read from: what a run records."""
    return {t: lake.version(t) for t in TABLES}


def labelled_samples(lake: Lake, versions: dict[str, int | None]) -> list[Sample]:
    """Every kept simulated clip with labels, and every variant of one made by a
    geometry-preserving backend, with the evaluator's verdict, at ``versions``."""
    clips = lake.read("curated_clips", ["clip_id", "status", "blob_key", "seg_blob_key"], version=versions["curated_clips"])
    clips = clips.filter(pc.and_(pc.equal(clips.column("status"), "kept"), pc.is_valid(clips.column("seg_blob_key")))).to_pylist()
    labels = {c["clip_id"]: c["seg_blob_key"] for c in clips}
    samples = lake.read("evaluated_samples", ["sample_kind", "variant_id", "clip_id", "passed"], version=versions["evaluated_samples"]).to_pylist()
    verdict = {(s["sample_kind"], s["variant_id"] or s["clip_id"]): s["passed"] for s in samples}
    out = [Sample(c["clip_id"], "original", c["clip_id"], "original", verdict.get(("original", c["clip_id"])), c["blob_key"], c["seg_blob_key"])
           for c in clips]
    variants = lake.read("transferred_variants", ["variant_id", "clip_id", "condition", "backend", "blob_key"],
                         version=versions["transferred_variants"]).to_pylist()
    out += [Sample(v["variant_id"], "variant", v["clip_id"], v["condition"], verdict.get(("variant", v["variant_id"])), v["blob_key"],
                   labels[v["clip_id"]])
            for v in variants if v["clip_id"] in labels and v["backend"] in GEOMETRY_PRESERVING_BACKENDS]
    return sorted(out, key=lambda s: (s.kind, s.sample_id))


def objects_mask(seg: np.ndarray) -> np.ndarray:
    """The simulator's object ids -> 1 on an object, 0 on the ground plane and the sky."""
    return (seg >= 1).astype(np.int64)


def to_training(images: np.ndarray, masks: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """BGR uint8 frames (N x H x W x 3) and masks -> float images N x 3 x h x w in [0, 1] and
    masks N x h x w, at ``size`` = (width, height)."""
    xs = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in images]).astype(np.float32) / 255.0
    ys = np.stack([cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) for m in masks]).astype(np.int64)
    return xs.transpose(0, 3, 1, 2), ys


def sample_frames(lake: Lake, sample: Sample, size: tuple[int, int], every: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ``every``-th frame of a sample with its labels, at the training size."""
    with lake.blobs.local_path(sample.blob_key) as path:
        frames = read_frames(path)
    seg = load_npz(lake.blobs.read_bytes(sample.seg_blob_key))
    n = min(len(frames), len(seg))
    return to_training(frames[:n:every], objects_mask(seg[:n:every]), size)


class PerceptionFrames(Dataset):
    """A torch Dataset of (image 3 x h x w, mask h x w) over the given samples, decoded once.
    Its memory is bounded by the samples chosen and ``every``: it holds training-size frames."""

    def __init__(self, lake: Lake, samples: list[Sample], size: tuple[int, int] = (64, 48), every: int = 4):
        parts = [sample_frames(lake, s, size, every) for s in samples]
        self.images = torch.from_numpy(np.concatenate([p[0] for p in parts])) if parts else torch.zeros((0, 3, size[1], size[0]))
        self.masks = torch.from_numpy(np.concatenate([p[1] for p in parts])) if parts else torch.zeros((0, size[1], size[0]), dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[i], self.masks[i]
