"""raw_footage row -> curated_clips rows: the curator run over one piece of footage."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np

from resources.curator import CURATOR_VERSION, ClipCandidate, Curator
from resources.lake import Lake
from resources.simulator import load_npz
from resources.tables import row_key


def _ground_truth_slice(lake: Lake, key: str | None, start: int, end: int, cache: dict) -> str | None:
    if key is None:
        return None
    if key not in cache:
        cache[key] = load_npz(lake.blobs.read_bytes(key))
    buf = io.BytesIO()
    np.savez_compressed(buf, data=cache[key][start:end])
    return lake.blobs.put_bytes(buf.getvalue(), "npz").key


def curate_footage(lake: Lake, curator: Curator, footage: dict, kept_hashes: dict[str, str]) -> list[dict]:
    """Split, score, filter and dedup one footage; kept clips are stored as H.264 blobs.

    ``kept_hashes`` (clip_id -> pHash of clips already kept, in the table or earlier in this
    run) is consulted for near-duplicates and extended with this footage's kept clips.
    """
    rows: list[dict] = []
    truth_cache: dict = {}
    with tempfile.TemporaryDirectory(prefix="curate-") as work, lake.blobs.local_path(footage["blob_key"]) as src:
        for cand in curator.split(Path(src), footage["fps"], Path(work)):
            clip_id = row_key("clip", footage["footage_id"], cand.start_frame, cand.end_frame)
            cand.encoded.result()  # the encode of this clip has finished (or raises)
            reason = curator.filter_reason(cand)
            dup = None if reason else curator.duplicate_of(cand, kept_hashes)
            if dup:
                reason = f"near-duplicate of clip {dup[:12]} (pHash distance <= {curator.settings.dedup_max_distance:g})"
            rows.append(_clip_row(lake, footage, cand, clip_id, reason, dup, truth_cache))
            if reason is None:
                kept_hashes[clip_id] = cand.phash
            Path(cand.video_path).unlink(missing_ok=True)
    return rows


def _clip_row(lake: Lake, footage: dict, cand: ClipCandidate, clip_id: str, reason: str | None, dup: str | None, truth_cache: dict) -> dict:
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
        "duplicate_of": dup,
        "sharpness": cand.sharpness,
        "brightness": cand.brightness,
        "clipped_fraction": cand.clipped_fraction,
        "motion": cand.motion,
        "phash": cand.phash,
        "blob_key": blob.key if blob else None,
        "size_bytes": blob.size_bytes if blob else None,
        "depth_blob_key": _ground_truth_slice(lake, footage.get("depth_blob_key"), cand.start_frame, cand.end_frame, truth_cache) if kept else None,
        "seg_blob_key": _ground_truth_slice(lake, footage.get("seg_blob_key"), cand.start_frame, cand.end_frame, truth_cache) if kept else None,
        "sim_params": footage.get("sim_params"),
        "curator_version": CURATOR_VERSION,
    }
