"""Write-audit-publish: gate a batch with its GX suite, commit what passes, count the commit.

A table-level failure (a broken batch) raises ``BatchRefused`` and commits nothing; row-level
failures go to ``rejects`` with their reasons and the rest of the batch is committed.
"""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field

import pyarrow as pa

from expectations.gate import validate_batch
from resources.lake.lake import Lake
from resources.lake.tables import REJECTS, TABLES, reject_row


# The crash trials (tests/reliability/test_crash_trials.py) set this to a table's name to kill
# the process between that table's rejects commit and its rows commit: the narrowest window.
KILL_BETWEEN_COMMITS = "FACTORY_FAULT_KILL_BETWEEN_COMMITS"


class BatchRefused(Exception):
    """A batch that failed a table-level expectation: nothing of it was committed."""

    def __init__(self, description: str, metadata: dict | None = None):
        super().__init__(description)
        self.description = description
        self.metadata = metadata or {}


@dataclass
class Publication:
    """What one or more commits of a materialization added, for its metadata."""

    table: str
    rows_inserted: int = 0
    rejects_inserted: int = 0
    versions: list[int] = field(default_factory=list)
    rows_validated: int = 0  # rows the GX suite saw, over every batch
    rows_failed_suite: int = 0  # of those, rows a row-level expectation sent to rejects
    expectations: int = 0  # expectations in the suite


def publish(lake: Lake, table: str, rows: list[dict], rejects: list[dict] | None = None, into: Publication | None = None) -> Publication:
    """Validate ``rows`` against the table's suite, then commit the rows that pass and the
    rejects (the caller's and the gate's). A table-level failure commits nothing."""
    spec = TABLES[table]
    pub = into or Publication(table)
    batch = pa.Table.from_pylist(rows, schema=spec.schema)
    gate = validate_batch(table, batch, spec.key)
    if not gate.ok:
        raise BatchRefused(gate.report(), {"failed_expectations": len(gate.table_failures), "batch_rows": batch.num_rows})
    pub.rows_validated += batch.num_rows
    pub.rows_failed_suite += batch.num_rows - gate.passed.num_rows  # a row can fail several expectations
    pub.expectations = max(pub.expectations, gate.expectations_evaluated)
    all_rejects = list(rejects or []) + [
        reject_row(table, r.key, r.expectation, r.reason, details=r.details, rule=r.rule) for r in gate.rejections
    ]
    if all_rejects:
        reject_batch = pa.Table.from_pylist(all_rejects, schema=REJECTS.schema)
        reject_gate = validate_batch(REJECTS.name, reject_batch, REJECTS.key)
        if not reject_gate.ok:
            raise BatchRefused(reject_gate.report())
        pub.rejects_inserted += lake.merge(REJECTS.name, reject_batch).rows_inserted
    if os.environ.get(KILL_BETWEEN_COMMITS) == table:
        os.kill(os.getpid(), signal.SIGKILL)  # fault injection for the crash trials only
    # Rejects and rows are two commits (two tables). A crash between them loses nothing: the
    # rerun finds the same rejects (their keys are deterministic) and commits the rows.
    commit = lake.merge(table, gate.passed)
    pub.rows_inserted += commit.rows_inserted
    if commit.version is not None:
        pub.versions.append(commit.version)
    return pub


def publish_snapshot(lake: Lake, table: str, rows: list[dict]) -> Publication:
    """Gate and commit a small derived table that is recomputed whole: matched rows are
    updated in place, and a rerun over unchanged inputs commits nothing."""
    spec = TABLES[table]
    pub = Publication(table)
    batch = pa.Table.from_pylist(rows, schema=spec.schema)
    current = {r[spec.key]: r for r in lake.read(table).to_pylist()}
    changed = [r for r in batch.to_pylist() if current.get(r[spec.key]) != r]
    if changed:
        # Only a changed snapshot is gated: an unchanged one passed when it was committed.
        gate = validate_batch(table, batch, spec.key)
        if not gate.ok or gate.rejections:
            raise BatchRefused(gate.report() if not gate.ok else f"{table}: {len(gate.rejections)} rows failed row-level expectations")
        commit = lake.merge(table, pa.Table.from_pylist(changed, schema=spec.schema), update_existing=True)
        pub.rows_inserted += commit.rows_inserted
        if commit.version is not None:
            pub.versions.append(commit.version)
    return pub
