"""Dedup: a clip is dropped when it repeats a clip kept before it - nearly the same frames
(pHash distance) or the same content (embedding cosine similarity).

"Before" is one fixed order, footage id then clip index, so the first kept wins the same way
in process, on Spark (where the driver decides) and on a resumed run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow.compute as pc

from resources.curation.backends.embedders import most_similar
from resources.curation.engine import CurationEngines
from resources.lake import Lake


@dataclass
class KeptIndex:
    """What dedup compares a new clip with: the pHash and embedding of every kept clip, read
    from the table once (never recomputed) and extended as this run keeps clips."""

    phashes: dict[str, str] = field(default_factory=dict)
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_table(cls, lake: Lake, embedder_id: str, version: int | None = None) -> KeptIndex:
        t = lake.read("curated_clips", ["clip_id", "status", "phash", "embedding", "embedder", "episode_id"], version=version)
        # Episode windows are exempt from dedup both ways (see decide).
        t = t.filter(pc.and_(pc.equal(t.column("status"), "kept"), pc.is_null(t.column("episode_id"))))
        index = cls(dict(zip(t.column("clip_id").to_pylist(), t.column("phash").to_pylist())))
        for cid, emb, who in zip(t.column("clip_id").to_pylist(), t.column("embedding").to_pylist(), t.column("embedder").to_pylist()):
            if who == embedder_id and emb is not None:  # other embedders' vectors live in another space
                index.embeddings[cid] = np.asarray(emb, np.float32)
        return index

    def add(self, clip_id: str, phash: str, embedding: np.ndarray) -> None:
        self.phashes[clip_id] = phash
        self.embeddings[clip_id] = embedding

    def forget(self, clip_ids: list[str]) -> None:
        for cid in clip_ids:
            self.phashes.pop(cid, None)
            self.embeddings.pop(cid, None)


@dataclass(frozen=True)
class DedupDecision:
    """What dedup made of a clip that the filters judged: its final drop reason (the filter's,
    a near-duplicate's or a semantic duplicate's; None when kept), the clip it repeats, and
    its cosine similarity to the closest clip kept before it."""

    reason: str | None
    duplicate_of: str | None
    similarity: float | None

    @property
    def kept(self) -> bool:
        return self.reason is None


def decide(engines: CurationEngines, kept: KeptIndex, clip_id: str, phash: str, embedding: np.ndarray, filter_reason: str | None,
           exempt: bool = False) -> DedupDecision:
    """Dedup one clip against every clip kept before it (the table's and this run's), and
    remember it when it is kept. Both executors call this in one order (footage id, then clip
    index), so the first kept wins the same way everywhere.

    ``exempt``: a robot episode's window. Episodes of one rig look alike by design (the same
    table, the same arm); what sets them apart is their actions, which pixels do not see. Such
    a window is neither dropped as a duplicate nor counted as one for other clips."""
    if exempt:
        return DedupDecision(filter_reason, None, None)
    dup, similarity = most_similar(embedding, kept.embeddings)
    reason = filter_reason
    if reason is None:
        near = engines.curator.duplicate_of(phash, kept.phashes)
        if near:
            dup, reason = near, f"near-duplicate of clip {near[:12]} (pHash distance <= {engines.curator.settings.dedup_max_distance:g})"
        elif dup and similarity >= engines.max_similarity:
            reason = f"semantic duplicate of clip {dup[:12]} (cosine similarity {similarity:.4f} >= {engines.max_similarity:g})"
    if reason is None:
        kept.add(clip_id, phash, embedding)
    return DedupDecision(reason, dup if reason and "duplicate" in reason else None, similarity if dup else None)


def apply_decision(row: dict, decision: DedupDecision) -> dict:
    """A clip's row as dedup decided it: a duplicate is dropped and refers to no media."""
    row = dict(row, status="kept" if decision.kept else "dropped", drop_reason=decision.reason, duplicate_of=decision.duplicate_of, similarity=decision.similarity)
    if not decision.kept:
        row.update(blob_key=None, size_bytes=None, depth_blob_key=None, seg_blob_key=None)
    return row


def dedup_footage(engines: CurationEngines, kept: KeptIndex, scanned: list[dict]) -> list[dict]:
    """The rows of one footage from ``scan_footage`` as ``curate_footage`` would have made them
    with the same ``kept`` index: dedup decided clip by clip in clip order."""
    rows = []
    for row in sorted(scanned, key=lambda r: r["clip_index"]):
        embedding = np.asarray(row["embedding"], np.float32)
        rows.append(apply_decision(row, decide(engines, kept, row["clip_id"], row["phash"], embedding, row["drop_reason"],
                                               exempt=row.get("episode_id") is not None)))
    return rows
