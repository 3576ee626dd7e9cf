"""Landing zone -> raw_footage rows: hash, probe, store the bytes once, or reject with a reason."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from resources.lake import Lake
from resources.lake.blobs import sha256_file
from resources.lake.tables import reject_row, row_key
from resources.media.codec import FootageError, probe
from resources.sources.simulator import SimScene

STAGE = "raw_footage"


@dataclass(frozen=True)
class IngestSettings:
    min_frames: int = 2
    max_file_bytes: int = 4 << 30


def ingest_file(lake: Lake, path: Path, source_uri: str, known: set[str], settings: IngestSettings, scene: SimScene | None = None,
                view_of: str | None = None) -> tuple[dict | None, dict | None]:
    """One file -> (raw_footage row, None) or (None, rejects row); (None, None) if already ingested.

    ``view_of`` (an episode and camera): the footage is that camera's stream, keyed by the
    episode, the camera and the bytes, so two episodes whose videos happen to be the same bytes
    (but whose actions differ) are two footages."""
    try:
        footage_id = sha256_file(path)
        footage_id = row_key("episode-view", view_of, footage_id) if view_of else footage_id
    except OSError as exc:
        return None, reject_row(STAGE, row_key("unreadable", source_uri), "unreadable", f"file cannot be read ({exc.strerror or exc})", source_uri)
    if footage_id in known:
        return None, None
    try:
        info = probe(path, min_frames=settings.min_frames, max_bytes=settings.max_file_bytes)
    except FootageError as err:
        return None, reject_row(STAGE, footage_id, err.code, err.reason, source_uri, {"file_name": path.name, "size_bytes": path.stat().st_size})
    ext = path.suffix.lstrip(".").lower() or "bin"
    blob = lake.blobs.put_file(path, ext)
    row = {
        "footage_id": footage_id,
        "source_kind": "sim" if scene else "real",
        "source_uri": source_uri,
        "file_name": path.name,
        "blob_key": blob.key,
        "size_bytes": blob.size_bytes,
        "container": info.container,
        "codec": info.codec,
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "frame_count": info.frame_count,
        "duration_s": info.duration_s,
        "is_vfr": info.is_vfr,
        "sim_scene_id": None,
        "sim_params": None,
        "depth_blob_key": None,
        "seg_blob_key": None,
        "episode_id": None,
        "camera": None,
        "episode_blob_key": None,
        "ingested_at": datetime.now(timezone.utc),
    }
    if scene is not None:
        row["sim_scene_id"] = scene.scene_id
        row["sim_params"] = json.dumps(scene.params, sort_keys=True)
        row["depth_blob_key"] = lake.blobs.put_bytes(scene.depth_npz, "npz").key
        row["seg_blob_key"] = lake.blobs.put_bytes(scene.seg_npz, "npz").key
    known.add(footage_id)
    return row, None
