"""Landing zone -> raw_footage rows: hash, probe, store the bytes once, or reject with a reason."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from resources.blobs import sha256_file
from resources.lake import Lake
from resources.rejects import reject_row
from resources.simulator import SimScene
from resources.tables import row_key
from resources.video import FootageError, probe

STAGE = "raw_footage"


@dataclass(frozen=True)
class IngestSettings:
    min_frames: int = 2
    max_file_bytes: int = 4 << 30


_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def landing_day(path: Path, landing_dir: str | Path) -> str:
    """The daily partition a landed file belongs to: its top folder when that is named
    YYYY-MM-DD (the usual landing layout, ``<zone>/2026-11-21/cam0.mp4``), else the UTC day
    the file was last modified."""
    parts = Path(path).relative_to(landing_dir).parts
    if len(parts) > 1 and _DAY_FOLDER.match(parts[0]):
        return parts[0]
    return datetime.fromtimestamp(Path(path).stat().st_mtime, timezone.utc).strftime("%Y-%m-%d")


def landed_files(landing_dir: str | Path, day: str | None = None) -> Iterator[Path]:
    """Every regular file under the landing dir (of one day, if given), in a stable order;
    hidden files are skipped."""
    root = Path(landing_dir)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and (day is None or landing_day(path, root) == day):
                yield path


@dataclass(frozen=True)
class LandingCursor:
    """How far a landing-zone watcher has read: the newest modification time it has taken,
    and the files at exactly that time (several can share one)."""

    mtime: float = 0.0
    paths: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"mtime": self.mtime, "paths": list(self.paths)})

    @classmethod
    def from_json(cls, text: str | None) -> "LandingCursor":
        if not text:
            return cls()
        data = json.loads(text)
        return cls(float(data["mtime"]), tuple(data["paths"]))


def files_landed_since(landing_dir: str | Path, cursor: LandingCursor, settle_s: float, now: float) -> tuple[dict[str, list[Path]], LandingCursor]:
    """Files that landed after ``cursor``, grouped by landing day, and the cursor past them.

    A file modified in the last ``settle_s`` seconds may still be being written: it is left
    for a later call (and the cursor stops before it)."""
    root = Path(landing_dir)
    fresh = []
    for path in landed_files(root):
        mtime = path.stat().st_mtime
        rel = str(path.relative_to(root))
        if mtime > now - settle_s:
            continue
        if mtime > cursor.mtime or (mtime == cursor.mtime and rel not in cursor.paths):
            fresh.append((mtime, rel, path))
    if not fresh:
        return {}, cursor
    newest = max(m for m, _, _ in fresh)
    at_newest = {rel for m, rel, _ in fresh if m == newest} | (set(cursor.paths) if newest == cursor.mtime else set())
    by_day: dict[str, list[Path]] = {}
    for _, _, path in sorted(fresh, key=lambda f: f[1]):
        by_day.setdefault(landing_day(path, root), []).append(path)
    return by_day, LandingCursor(newest, tuple(sorted(at_newest)))


def ingest_file(lake: Lake, path: Path, source_uri: str, known: set[str], settings: IngestSettings, scene: SimScene | None = None) -> tuple[dict | None, dict | None]:
    """One file -> (raw_footage row, None) or (None, rejects row); (None, None) if already ingested."""
    try:
        footage_id = sha256_file(path)
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
        "ingested_at": datetime.now(timezone.utc),
    }
    if scene is not None:
        row["sim_scene_id"] = scene.scene_id
        row["sim_params"] = json.dumps(scene.params, sort_keys=True)
        row["depth_blob_key"] = lake.blobs.put_bytes(scene.depth_npz, "npz").key
        row["seg_blob_key"] = lake.blobs.put_bytes(scene.seg_npz, "npz").key
    known.add(footage_id)
    return row, None
