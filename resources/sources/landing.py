"""The landing zone: where footage arrives, a local directory or ``s3://bucket/prefix``.

Both are read through pyarrow's filesystems, the same ones the lake's blob store uses, so
listing, dating and reading a landed file is one code path. S3 credentials and endpoint come
from the environment (``AWS_*``) or the instance role.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.fs as pafs

_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandedFile:
    rel: str  # path under the zone, "/"-separated: what rows record as the source
    size: int
    mtime: float  # seconds since the epoch
    day: str  # the daily partition it belongs to
    outside: str | None = None  # a link's target, when it points outside the landing zone

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]


def landing_day(rel: str, mtime: float) -> str:
    """The daily partition of a landed file: its top folder when that is named YYYY-MM-DD (the
    usual landing layout, ``<zone>/2026-11-21/cam0.mp4``), else the UTC day it was last modified."""
    parts = rel.split("/")
    if len(parts) > 1 and _DAY_FOLDER.match(parts[0]):
        return parts[0]
    return datetime.fromtimestamp(mtime, timezone.utc).strftime("%Y-%m-%d")


class LandingZone:
    def __init__(self, uri: str):
        self.uri = uri.rstrip("/")
        if "://" in uri:
            self.fs, self.base = pafs.FileSystem.from_uri(self.uri)
        else:
            self.fs, self.base = pafs.LocalFileSystem(), os.path.abspath(uri)
        self.is_local = isinstance(self.fs, pafs.LocalFileSystem)

    def files(self, day: str | None = None) -> list[LandedFile]:
        """Every file in the zone (of one day, if given), in a stable order; hidden files and
        folders (a leading dot) are skipped."""
        out = [f for f in (self._local_files() if self.is_local else self._object_files()) if day is None or f.day == day]
        return sorted(out, key=lambda f: f.rel)

    def _local_files(self) -> Iterator[LandedFile]:
        # os.walk rather than pyarrow here: a dangling link is listed (and later rejected as
        # unreadable, with a reason) instead of vanishing from the listing.
        for dirpath, dirnames, filenames in os.walk(self.base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith("."):
                    continue
                path = Path(dirpath) / name
                try:
                    st = path.stat()
                except OSError:
                    st = path.lstat()
                rel = path.relative_to(self.base).as_posix()
                # A link may point anywhere on the machine: only what is inside the zone lands.
                target = path.resolve() if path.is_symlink() else None
                outside = str(target) if target is not None and not target.is_relative_to(Path(self.base).resolve()) else None
                yield LandedFile(rel, st.st_size, st.st_mtime, landing_day(rel, st.st_mtime), outside)

    def _object_files(self) -> Iterator[LandedFile]:
        selector = pafs.FileSelector(self.base, recursive=True, allow_not_found=True)
        for info in self.fs.get_file_info(selector):
            rel = info.path[len(self.base):].lstrip("/")
            if info.type != pafs.FileType.File or any(part.startswith(".") for part in rel.split("/")):
                continue
            mtime = info.mtime.timestamp() if info.mtime is not None else 0.0
            yield LandedFile(rel, info.size or 0, mtime, landing_day(rel, mtime))

    def still_being_written(self, files: list[LandedFile], settle_s: float, wait_s: float = 1.0) -> set[str]:
        """The files among ``files`` that are still growing: a file modified in the last
        ``settle_s`` seconds is looked at again after ``wait_s``, and if its size or time
        changed it is still being copied in. (An S3 object appears whole, so only local
        files can be caught half-written.)"""
        young = [f for f in files if f.mtime > time.time() - settle_s]
        if not young:
            return set()
        time.sleep(wait_s)
        now = {f.rel: f for f in self.files()}
        return {f.rel for f in young if f.rel not in now or (now[f.rel].size, now[f.rel].mtime) != (f.size, f.mtime)}

    def days(self) -> list[str]:
        return sorted({f.day for f in self.files()})

    @contextmanager
    def local_path(self, f: LandedFile) -> Iterator[Path]:
        """The file as a local path: itself in a local zone, a temporary copy of an object."""
        if self.is_local:
            yield Path(self.base) / f.rel
            return
        with tempfile.TemporaryDirectory(prefix="landing-") as tmp:
            local = Path(tmp) / f.name
            with self.fs.open_input_stream(f"{self.base}/{f.rel}") as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            yield local


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


def files_landed_since(zone: LandingZone, cursor: LandingCursor, settle_s: float, now: float) -> tuple[dict[str, list[LandedFile]], LandingCursor]:
    """Files that landed after ``cursor``, grouped by day, and the cursor past them.

    A file modified in the last ``settle_s`` seconds may still be being written: it is left
    for a later call (and the cursor stops before it)."""
    fresh = [
        f for f in zone.files()
        if f.mtime <= now - settle_s and (f.mtime > cursor.mtime or (f.mtime == cursor.mtime and f.rel not in cursor.paths))
    ]
    if not fresh:
        return {}, cursor
    newest = max(f.mtime for f in fresh)
    at_newest = {f.rel for f in fresh if f.mtime == newest} | (set(cursor.paths) if newest == cursor.mtime else set())
    by_day: dict[str, list[LandedFile]] = {}
    for f in fresh:
        by_day.setdefault(f.day, []).append(f)
    return by_day, LandingCursor(newest, tuple(sorted(at_newest)))
