"""Dataset releases: a name pinned to one Delta version of each table, read back by time travel.

A release row is immutable. Reading a release reads each table at its pinned version, so a
training job sees exactly the rows it was released with after the tables have moved on.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from resources.lake import Lake
from resources.lake.publish import Publication, publish
from resources.lake.report import Json, Report, report
from resources.lake.tables import TABLES

RELEASED_TABLES = ("raw_footage", "curated_clips", "transferred_variants", "evaluated_samples", "tokenized_shards")
# Setting names that could hold a credential never enter a release row.
_SECRET_WORDS = ("secret", "password", "token", "key", "credential")


class ReleaseError(ValueError):
    pass


@dataclass(frozen=True)
class Release:
    name: str
    table_versions: dict[str, int]
    row_counts: dict[str, int]
    settings: dict
    code_version: str
    created_at: datetime
    description: str = ""

    def row(self) -> dict:
        return {
            "release_name": self.name, "description": self.description, "created_at": self.created_at,
            "table_versions": json.dumps(self.table_versions, sort_keys=True), "row_counts": json.dumps(self.row_counts, sort_keys=True),
            "settings": json.dumps(self.settings, sort_keys=True, default=str), "code_version": self.code_version,
        }

    @classmethod
    def from_row(cls, row: dict) -> "Release":
        return cls(row["release_name"], json.loads(row["table_versions"]), json.loads(row["row_counts"]), json.loads(row["settings"]),
                   row["code_version"], row["created_at"], row["description"] or "")


def code_version() -> str:
    """The git commit of the code that made the release (with -dirty for local edits), else
    the installed package version."""
    repo = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=repo, capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return f"git:{out.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    return f"package:{metadata.version('physical-ai-data-factory')}"


def public_settings(settings: dict[str, dict]) -> dict[str, dict]:
    """Resource settings with anything that looks like a credential left out."""
    return {
        name: {k: v for k, v in values.items() if not any(w in k.lower() for w in _SECRET_WORDS) or k.endswith("_id")}
        for name, values in settings.items()
    }


def pin_release(lake: Lake, name: str, settings: dict[str, dict], description: str = "") -> Release:
    """The release of the tables as they are now (not yet committed)."""
    versions, counts = {}, {}
    for table in RELEASED_TABLES:
        version = lake.version(table)
        if version is None:
            raise ReleaseError(f"cannot release '{name}': table {table} does not exist yet")
        versions[table] = version
        counts[table] = _count(lake, table, version)
    return Release(name, versions, counts, public_settings(settings), code_version(), datetime.now(timezone.utc), description)


def _count(lake: Lake, table: str, version: int) -> int:
    return lake.dataset(lake.delta_table(table, version), table).count_rows()


def load_release(lake: Lake, name: str) -> Release:
    rows = lake.read("dataset_releases")
    match = rows.filter(pc.equal(rows.column("release_name").cast(pa.string()), name)).to_pylist()
    if not match:
        known = sorted(rows.column("release_name").to_pylist())
        raise ReleaseError(f"no release named '{name}' (releases: {', '.join(known) or 'none'})")
    return Release.from_row(match[0])


def pinned_versions(lake: Lake) -> dict[str, set[int]]:
    """Every table version some release pins: maintenance must keep these readable."""
    pins: dict[str, set[int]] = {t: set() for t in TABLES}
    for row in lake.read("dataset_releases", ["table_versions"]).to_pylist():
        for table, version in json.loads(row["table_versions"]).items():
            pins.setdefault(table, set()).add(int(version))
    return pins


def read_release(lake: Lake, name: str, table: str, columns: list[str] | None = None) -> pa.Table:
    """One table exactly as the release pinned it (Delta time travel)."""
    release = load_release(lake, name)
    if table not in release.table_versions:
        raise ReleaseError(f"release '{name}' does not include {table}")
    return lake.read(table, columns, version=release.table_versions[table])


def release(lake: Lake, name: str, settings: dict[str, dict], description: str, log: Any) -> Report:
    """Pin a release of the tables as they are now, once: the same name for the same versions
    again is a no-op, for other versions a ReleaseError (releases are immutable)."""
    pinned = pin_release(lake, name, settings, description)
    existing = load_release(lake, name) if name in lake.keys("dataset_releases") else None
    pub = Publication("dataset_releases")
    if existing is not None:
        if existing.table_versions != pinned.table_versions:
            raise ReleaseError(
                f"release '{name}' already exists and pins other versions ({existing.table_versions}); "
                "releases are immutable - choose a new name"
            )
        pinned = existing
        log.info(f"release '{name}' already pins these versions; nothing to do")
    else:
        pub = publish(lake, "dataset_releases", [pinned.row()], into=pub)
        log.info(f"released '{name}': {pinned.table_versions}")
    return report(
        lake, "dataset_releases", pub, release=pinned.name, code_version=pinned.code_version,
        table_versions=Json(pinned.table_versions), row_counts=Json(pinned.row_counts),
    )
