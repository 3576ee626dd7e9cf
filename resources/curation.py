"""raw_footage row -> curated_clips rows: the curator, embedder and captioner over one footage."""
from __future__ import annotations

import io
import tempfile
from contextlib import closing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

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
    def from_table(cls, lake: Lake, embedder_id: str, version: int | None = None) -> KeptIndex:
        t = lake.read("curated_clips", ["clip_id", "status", "phash", "embedding", "embedder"], version=version)
        t = t.filter(pc.equal(t.column("status"), "kept"))
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


@dataclass
class CurationEngines:
    curator: Curator
    embedder: Embedder
    captioner: Captioner
    max_similarity: float  # cosine similarity at or above which a clip is a semantic duplicate


def finished_footage(lake: Lake, day: str, clips_version: int | None = None, rejects_version: int | None = None) -> set[str]:
    """Footage of ``day`` that curation has finished: it has clips, or curation refused it.
    A rerun (or a resume after a crash) skips it."""
    done = set(lake.read("curated_clips", ["footage_id"], version=clips_version, partition=day).column("footage_id").to_pylist())
    refused = lake.read("rejects", ["stage", "subject_id"], version=rejects_version)
    done |= set(refused.filter(pc.equal(refused.column("stage"), "curated_clips")).column("subject_id").to_pylist())
    return done


def pending_footage(lake: Lake, day: str) -> list[dict]:
    """The day's footage not yet curated, in footage-id order: the one order dedup decides in."""
    done = finished_footage(lake, day)
    return sorted((r for r in lake.read("raw_footage", partition=day).to_pylist() if r["footage_id"] not in done), key=lambda r: r["footage_id"])


def _ground_truth_slice(lake: Lake, key: str | None, start: int, end: int, cache: dict) -> str | None:
    if key is None:
        return None
    if key not in cache:
        cache[key] = load_npz(lake.blobs.read_bytes(key))
    buf = io.BytesIO()
    np.savez_compressed(buf, data=cache[key][start:end])
    return lake.blobs.put_bytes(buf.getvalue(), "npz").key


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


def curation_engines(curator, embedder, captioner) -> CurationEngines:
    """The engines from the Dagster resources (CuratorResource, EmbedderResource,
    CaptionerResource), as the asset and the Spark job's workers both build them."""
    return CurationEngines(curator.curator(), embedder.embedder, captioner.captioner, embedder.max_similarity)


class _Hashed(NamedTuple):
    phash: str  # all that Curator.duplicate_of reads of a candidate


def decide(engines: CurationEngines, kept: KeptIndex, clip_id: str, phash: str, embedding: np.ndarray, filter_reason: str | None) -> DedupDecision:
    """Dedup one clip against every clip kept before it (the table's and this run's), and
    remember it when it is kept. Both executors call this in one order (footage id, then clip
    index), so the first kept wins the same way everywhere."""
    dup, similarity = most_similar(embedding, kept.embeddings)
    reason = filter_reason
    if reason is None:
        near = engines.curator.duplicate_of(_Hashed(phash), kept.phashes)
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


def decode_refusal(exc: Exception) -> str:
    """The reason a footage that breaks during decoding is refused, in the decoder's words."""
    return f"video breaks during decoding: {getattr(exc, 'strerror', None) or exc}"


def _scans(lake: Lake, engines: CurationEngines, footage: dict) -> Iterator[tuple[dict, ClipCandidate, np.ndarray]]:
    """Every clip of one footage, split, scored, filtered, embedded and captioned: everything
    but dedup, which needs the clips kept before it. Yields (row, candidate, embedding); the
    row's status and drop reason are the filters' verdict, and it refers to no media yet."""
    curator = engines.curator
    with tempfile.TemporaryDirectory(prefix="curate-") as work, lake.blobs.local_path(footage["blob_key"]) as src:
        for cand in curator.split(Path(src), footage["fps"], Path(work)):
            cand.encoded.result()  # the encode of this clip has finished (or raises)
            flags, reason = curator.assess(cand)
            # float32, as the table stores it: this run's dedup compares the vectors a resumed run
            # (or the driver of a parallel run) reads back.
            embedding = np.asarray(engines.embedder.embed(cand.thumbs, cand.keyframes), np.float32)
            row = _clip_row(footage, cand, row_key("clip", footage["footage_id"], cand.start_frame, cand.end_frame), flags, reason)
            row.update(embedding=embedding.tolist(), embedder=engines.embedder.embedder_id)
            row.update(conditions(row))
            # The caption describes the clip's content; it is written before dedup decides, so
            # it is the same whichever executor (and whichever order of footage) made the row.
            row.update(caption=engines.captioner.caption(row, cand.keyframes), captioner=engines.captioner.captioner_id)
            yield row, cand, embedding
            Path(cand.video_path).unlink(missing_ok=True)


def curate_footage(lake: Lake, engines: CurationEngines, footage: dict, kept: KeptIndex) -> list[dict]:
    """Split, score, filter, caption, embed and dedup one footage; kept clips become H.264 blobs.

    A footage that fails part-way (it breaks during decoding) leaves ``kept`` as it found it:
    its clips are not committed, so they must not decide the dedup of the footage after it.
    """
    rows: list[dict] = []
    truth_cache: dict = {}
    added: list[str] = []
    try:
        with closing(_scans(lake, engines, footage)) as scans:
            for row, cand, embedding in scans:
                decision = decide(engines, kept, row["clip_id"], row["phash"], embedding, row["drop_reason"])
                if decision.kept:
                    added.append(row["clip_id"])
                    _store_media(lake, footage, cand, row, truth_cache)
                rows.append(apply_decision(row, decision))
    except BaseException:
        kept.forget(added)
        raise
    return rows


def scan_footage(lake: Lake, engines: CurationEngines, footage: dict) -> list[dict]:
    """``curate_footage`` without dedup, for an executor that curates footage in parallel:
    every clip the filters keep has its media stored as if kept. ``dedup_footage`` then
    decides, in the one fixed order, and a duplicate's row drops its media (blobs no row
    refers to are removed by the maintenance job)."""
    rows: list[dict] = []
    truth_cache: dict = {}
    with closing(_scans(lake, engines, footage)) as scans:
        for row, cand, _ in scans:
            if row["drop_reason"] is None:
                _store_media(lake, footage, cand, row, truth_cache)
            rows.append(row)
    return rows


def dedup_footage(engines: CurationEngines, kept: KeptIndex, scanned: list[dict]) -> list[dict]:
    """The rows of one footage from ``scan_footage`` as ``curate_footage`` would have made them
    with the same ``kept`` index: dedup decided clip by clip in clip order."""
    rows = []
    for row in sorted(scanned, key=lambda r: r["clip_index"]):
        embedding = np.asarray(row["embedding"], np.float32)
        rows.append(apply_decision(row, decide(engines, kept, row["clip_id"], row["phash"], embedding, row["drop_reason"])))
    return rows


def _store_media(lake: Lake, footage: dict, cand: ClipCandidate, row: dict, truth_cache: dict) -> None:
    """A kept clip's H.264 blob and its cut of the simulator's ground truth."""
    blob = lake.blobs.put_file(cand.video_path, "mp4")
    row.update(
        blob_key=blob.key,
        size_bytes=blob.size_bytes,
        depth_blob_key=_ground_truth_slice(lake, footage.get("depth_blob_key"), cand.start_frame, cand.end_frame, truth_cache),
        seg_blob_key=_ground_truth_slice(lake, footage.get("seg_blob_key"), cand.start_frame, cand.end_frame, truth_cache),
    )


def _clip_row(footage: dict, cand: ClipCandidate, clip_id: str, flags: list[str], reason: str | None) -> dict:
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
        "status": "kept" if reason is None else "dropped",
        "drop_reason": reason,
        "flags": flags,
        "duplicate_of": None,
        "similarity": None,
        "sharpness": cand.sharpness,
        "brightness": cand.brightness,
        "clipped_fraction": cand.clipped_fraction,
        "motion": cand.motion,
        "black_fraction": cand.black_fraction,
        "frozen_fraction": cand.frozen_fraction,
        "phash": cand.phash,
        "blob_key": None,
        "size_bytes": None,
        "depth_blob_key": None,
        "seg_blob_key": None,
        "sim_params": footage.get("sim_params"),
        "curator_version": CURATOR_VERSION,
    }
