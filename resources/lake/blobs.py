"""Immutable, content-addressed blob store beside the Delta tables.

Video bytes never go into Delta rows: a row holds the blob key, size and sha256. Blobs are
named by their content hash and never rewritten, so every Delta version keeps pointing at
exactly the bytes it had.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow.fs as pafs

from resources.lake.storage_errors import storage_errors

_CHUNK = 1 << 20


@dataclass(frozen=True)
class BlobRef:
    key: str  # relative to the lake root, e.g. "blobs/ab/ab12....mp4"
    size_bytes: int
    sha256: str


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def blob_key(sha256: str, ext: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}.{ext.lstrip('.')}"


REFRESH_AFTER_S = 3600.0  # on S3, a reused blob older than this is written again (its age refreshed)


class BlobStore:
    """Blobs under ``<root>/blobs`` on a local path or any pyarrow filesystem (S3)."""

    def __init__(self, root: str):
        self.root = root.rstrip("/")
        self.fs, self._base = pafs.FileSystem.from_uri(self.root) if "://" in self.root else (
            pafs.LocalFileSystem(),
            os.path.abspath(self.root),
        )
        self.is_local = isinstance(self.fs, pafs.LocalFileSystem)

    @property
    def fs_base(self) -> str:
        """The lake root as a path on ``self.fs``."""
        return self._base

    def _path(self, key: str) -> str:
        return f"{self._base}/{key}"

    @storage_errors("looking for blob {0}")
    def exists(self, key: str) -> bool:
        return self.fs.get_file_info(self._path(key)).type == pafs.FileType.File

    @storage_errors("storing a blob")
    def put_file(self, src: str | Path, ext: str) -> BlobRef:
        """Store a local file's bytes; a no-op when the same bytes are already stored."""
        sha = sha256_file(src)
        ref = BlobRef(blob_key(sha, ext), os.path.getsize(src), sha)
        if not self._reuse(ref.key, src):
            self._write(ref.key, src)
        return ref

    @storage_errors("storing a blob")
    def put_bytes(self, data: bytes, ext: str) -> BlobRef:
        sha = hashlib.sha256(data).hexdigest()
        ref = BlobRef(blob_key(sha, ext), len(data), sha)
        with tempfile.NamedTemporaryFile(suffix=f".{ext}", delete=False) as tmp:
            tmp.write(data)
        try:
            if not self._reuse(ref.key, tmp.name):
                self._write(ref.key, tmp.name)
        finally:
            os.unlink(tmp.name)
        return ref

    def _reuse(self, key: str, src: str | Path) -> bool:
        """Whether the same bytes are stored already. A reused blob's age is refreshed: blob GC
        keeps blobs younger than its retention, and a run that re-uses an old orphan (a clip cut
        again after its rows were deleted) writes its rows only later. Locally that is a touch;
        on S3 a re-upload of the same bytes, done only when the blob is older than REFRESH_AFTER_S
        (so the GC retention must be longer than that plus a run: the default is a week)."""
        info = self.fs.get_file_info(self._path(key))
        if info.type != pafs.FileType.File:
            return False
        if self.is_local:
            os.utime(self._path(key))
        elif info.mtime is None or time.time() - info.mtime.timestamp() > REFRESH_AFTER_S:
            self._write(key, src)
        return True

    def _write(self, key: str, src: str | Path) -> None:
        dest = self._path(key)
        self.fs.create_dir(dest.rsplit("/", 1)[0], recursive=True)
        if self.is_local:
            # Write beside the destination and rename, so a crash never leaves a partial blob
            # under its final (content-hash) name.
            tmp = f"{dest}.tmp-{uuid.uuid4().hex}"
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
        else:
            # An S3 PUT is atomic: the object appears whole or not at all.
            with open(src, "rb") as fh, self.fs.open_output_stream(dest) as out:
                while chunk := fh.read(_CHUNK):
                    out.write(chunk)

    @storage_errors("reading blob {0}")
    def read_bytes(self, key: str) -> bytes:
        with self.fs.open_input_stream(self._path(key)) as fh:
            return fh.read()

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        """A local file holding the blob: the blob itself when local, a temp copy otherwise."""
        if self.is_local:
            yield Path(self._path(key))
            return
        suffix = Path(key).suffix
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            self._download(key, tmp)
            yield Path(tmp.name)

    @storage_errors("reading blob {0}")
    def _download(self, key: str, tmp: IO[bytes]) -> None:
        # Its own method so that a storage lost mid-download is reported as such: a decorator
        # on the context manager above would not see errors raised inside a ``with`` body.
        with self.fs.open_input_stream(self._path(key)) as src:
            while chunk := src.read(_CHUNK):
                tmp.write(chunk)
        tmp.flush()

    @storage_errors("listing the blobs")
    def _listing(self) -> list[pafs.FileInfo]:
        return self.fs.get_file_info(pafs.FileSelector(self._path("blobs"), recursive=True, allow_not_found=True))

    def iter_keys(self) -> Iterator[str]:
        for info in self._listing():
            if info.type == pafs.FileType.File and ".tmp-" not in info.base_name:
                yield info.path[len(self._base) + 1 :]
