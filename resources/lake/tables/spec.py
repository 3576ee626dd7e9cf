"""What a lake table is: its name, key, Arrow schema and partition column.

Keys are content hashes, so the same input always yields the same row key and a MERGE on
the key makes every write idempotent.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str
    schema: pa.Schema
    description: str
    # The Delta partition column: the day the footage behind the row landed (a Dagster daily
    # partition key). Every key derives from one footage, so a key lives in one partition.
    partition_by: str | None = None
    # column -> one sentence for the Dagster UI's schema view (resources/lake/report.py). Kept
    # out of the Arrow schema: field metadata there would be written to Delta and change the
    # schema of existing tables. Left out of the hash: a dict is not hashable.
    descriptions: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def stats_columns(self) -> list[str]:
        """The columns whose min/max the Delta log keeps per file: the key and the ids of the
        rows behind a row, what lookups and lineage search by. Stats on every column made each
        commit's log entry, every table open and every pyarrow dataset built from the log
        cost in proportion to the schema's width, for statistics nothing searched by."""
        ids = ("footage_id", "clip_id", "variant_id", "sample_id", "episode_id")
        return list(dict.fromkeys([self.key, *(c for c in ids if c in self.schema.names)]))


def row_key(*parts: object) -> str:
    """Deterministic row key: sha256 over the parts, joined unambiguously."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
