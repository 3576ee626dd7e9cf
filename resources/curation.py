"""raw_footage row -> curated_clips rows: the curator, embedder and captioner over one footage."""
from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from resources.captioner import Captioner, conditions
from resources.curator import CURATOR_VERSION, ClipCandidate, Curator
from resources.embedder import Embedder, most_similar
from resources.lake import Lake
from resources.simulator import load_npz
from resources.tables import row_key


@dataclass
class KeptIndex:
    """What dedup compares a new clip with: the pHash and embedding of every kept clip, read
    from the table once (never recomputed) and extended as this run keeps clips."""

    phashes: dict[str, str] = field(default_factory=dict)
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_table(cls, lake: Lake, embedder_id: str) -> KeptIndex:
        t = lake.read("curated_clips", ["clip_id", "status", "phash", "embedding", "embedder"])
        t = t.filter(pc.equal(t.column("status"), "kept"))
        index = cls(dict(zip(t.column("clip_id").to_pylist(), t.column("phash").to_pylist())))
        for cid, emb, who in zip(t.column("clip_id").to_pylist(), t.column("embedding").to_pylist(), t.column("embedder").to_pylist()):
            if who == embedder_id and emb is not None:  # other embedders' vectors live in another space
                index.embeddings[cid] = np.asarray(emb, np.float32)
        return index

    def add(self, clip_id: str, phash: str, embedding: np.ndarray) -> None:
        self.phashes[clip_id] = phash
        self.embeddings[clip_id] = embedding


@dataclass
class CurationEngines:
    curator: Curator
    embedder: Embedder
    captioner: Captioner
    max_similarity: float  # cosine similarity at or above which a clip is a semantic duplicate


def _ground_truth_slice(lake: Lake, key: str | None, start: int, end: int, cache: dict) -> str | None:
    if key is None:
        return None
    if key not in cache:
        cache[key] = load_npz(lake.blobs.read_bytes(key))
    buf = io.BytesIO()
    np.savez_compressed(buf, data=cache[key][start:end])
    return lake.blobs.put_bytes(buf.getvalue(), "npz").key


def curate_footage(lake: Lake, engines: CurationEngines, footage: dict, kept: KeptIndex) -> list[dict]:
    """Split, score, filter, caption, embed and dedup one footage; kept clips become H.264 blobs."""
    rows: list[dict] = []
    truth_cache: dict = {}
    curator = engines.curator
    with tempfile.TemporaryDirectory(prefix="curate-") as work, lake.blobs.local_path(footage["blob_key"]) as src:
        for cand in curator.split(Path(src), footage["fps"], Path(work)):
            clip_id = row_key("clip", footage["footage_id"], cand.start_frame, cand.end_frame)
            cand.encoded.result()  # the encode of this clip has finished (or raises)
            flags, reason = curator.assess(cand)
            embedding = engines.embedder.embed(cand.thumbs, cand.keyframes)
            dup, similarity = most_similar(embedding, kept.embeddings)
            if reason is None:
                near = curator.duplicate_of(cand, kept.phashes)
                if near:
                    dup, reason = near, f"near-duplicate of clip {near[:12]} (pHash distance <= {curator.settings.dedup_max_distance:g})"
                elif dup and similarity >= engines.max_similarity:
                    reason = f"semantic duplicate of clip {dup[:12]} (cosine similarity {similarity:.4f} >= {engines.max_similarity:g})"
            row = _clip_row(lake, footage, cand, clip_id, flags, reason, dup if reason and "duplicate" in reason else None, truth_cache)
            row.update(similarity=similarity if dup else None, embedding=embedding.tolist(), embedder=engines.embedder.embedder_id)
            row.update(conditions(row))
            row.update(caption=engines.captioner.caption(row, cand.keyframes), captioner=engines.captioner.captioner_id)
            rows.append(row)
            if reason is None:
                kept.add(clip_id, cand.phash, embedding)
            Path(cand.video_path).unlink(missing_ok=True)
    return rows


def _clip_row(lake: Lake, footage: dict, cand: ClipCandidate, clip_id: str, flags: list[str], reason: str | None, dup: str | None, truth_cache: dict) -> dict:
    kept = reason is None
    blob = lake.blobs.put_file(cand.video_path, "mp4") if kept else None
    return {
        "clip_id": clip_id,
        "footage_id": footage["footage_id"],
        "source_kind": footage["source_kind"],
        "clip_index": cand.clip_index,
        "start_frame": cand.start_frame,
        "end_frame": cand.end_frame,
        "num_frames": cand.num_frames,
        "start_s": cand.start_s,
        "duration_s": cand.duration_s,
        "width": cand.width,
        "height": cand.height,
        "fps": footage["fps"],
        "status": "kept" if kept else "dropped",
        "drop_reason": reason,
        "flags": flags,
        "duplicate_of": dup,
        "sharpness": cand.sharpness,
        "brightness": cand.brightness,
        "clipped_fraction": cand.clipped_fraction,
        "motion": cand.motion,
        "black_fraction": cand.black_fraction,
        "frozen_fraction": cand.frozen_fraction,
        "phash": cand.phash,
        "blob_key": blob.key if blob else None,
        "size_bytes": blob.size_bytes if blob else None,
        "depth_blob_key": _ground_truth_slice(lake, footage.get("depth_blob_key"), cand.start_frame, cand.end_frame, truth_cache) if kept else None,
        "seg_blob_key": _ground_truth_slice(lake, footage.get("seg_blob_key"), cand.start_frame, cand.end_frame, truth_cache) if kept else None,
        "sim_params": footage.get("sim_params"),
        "curator_version": CURATOR_VERSION,
    }
