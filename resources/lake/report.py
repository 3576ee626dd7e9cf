"""What a commit reports, as plain data: the table's Delta version, row count, schema, column
lineage and the stage's own figures, and what its GX suite did to the batches.

Stages return a ``Report``; the Dagster side turns it into a ``MaterializeResult`` with its
``gx_suite`` check (dagster_project/metadata.py), and a Spark job sends the same report through
Pipes (spark_jobs/job.py). Nothing here imports Dagster.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from resources.lake.lake import Lake
from resources.lake.tables import COLUMN_LINEAGE, TABLES

_ARROW_TO_TYPE = {"string": "string", "large_string": "string", "int32": "int", "int64": "int", "double": "float", "bool": "bool"}


@dataclass(frozen=True)
class Json:
    data: Any


@dataclass(frozen=True)
class Markdown:
    text: str


@dataclass(frozen=True)
class Records:
    """A small table for the UI: columns as (name, type), rows as dicts."""

    columns: list[tuple[str, str]]
    rows: list[dict]

    def shown(self) -> list[dict]:
        """The rows as the UI shows them: only the columns named, floats to 4 significant
        digits (0.5556, not 0.5555555555555556)."""
        return [{n: float(f"{r[n]:.4g}") if isinstance(r[n], float) else r[n] for n, _ in self.columns} for r in self.rows]


@dataclass(frozen=True)
class ColumnSchema:
    """A table's columns as (name, type), and column -> description for the UI's schema view.
    The descriptions are a parallel field, not a third tuple element, so code that unpacks
    (name, type) pairs keeps working."""

    columns: list[tuple[str, str]]
    descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnLineage:
    deps: dict[str, list[tuple[str, str]]]  # column -> [(upstream table, column)]


@dataclass(frozen=True)
class Plot:
    """A PNG for the UI, rendered only when ``changed``: a refresh with nothing new reuses the
    last materialization's (rendering costs more than the rest of the refresh)."""

    alt: str
    changed: bool
    render: Callable[[], bytes]


@dataclass
class SuiteOutcome:
    """What the table's GX suite did over every batch of one materialization."""

    rows_validated: int = 0
    rows_failed: int = 0  # rows a row-level expectation sent to rejects
    expectations: int = 0

    @property
    def passed(self) -> bool:
        return self.rows_failed == 0

    def check_metadata(self) -> dict[str, int]:
        """The figures the ``gx_suite`` check carries, in process and through Pipes alike."""
        return {"rows_validated": self.rows_validated, "rows_rejected": self.rows_failed, "expectations": self.expectations}

    @classmethod
    def of(cls, publication: Any) -> SuiteOutcome:
        """The suite's figures of a Publication (resources/lake/publish.py)."""
        return cls(publication.rows_validated, publication.rows_failed_suite, publication.expectations)


@dataclass
class Report:
    table: str
    metadata: dict[str, Any]
    suite: SuiteOutcome | None = None  # None: the table reports no gx_suite check


def column_schema(table: str) -> ColumnSchema:
    """The table's columns with their types and descriptions (from its TableSpec, never from
    the Arrow field metadata written to Delta)."""
    spec = TABLES[table]
    return ColumnSchema([(f.name, _ARROW_TO_TYPE.get(str(f.type), str(f.type))) for f in spec.schema], dict(spec.descriptions))


def report(lake: Lake, table: str, outcome: Any, *, with_suite_check: bool = False, partition: str | None = None, **extra: Any) -> Report:
    """The metadata every table reports: its Delta version, row count (of the partition, for a
    partitioned table) and schema, and the stage's ``extra`` figures (None values left out).
    ``outcome`` is the Publication of its commits (resources/lake/publish.py)."""
    dt = lake.delta_table(table)
    lineage = COLUMN_LINEAGE.get(table)
    metadata = {
        "delta_version": dt.version() if dt is not None else -1,
        "committed_versions": str(outcome.versions),
        "dagster/row_count": lake.row_count(table, partition),
        **({"table_row_count": lake.row_count(table)} if partition else {}),
        "dagster/column_schema": column_schema(table),
        "dagster/uri": lake.table_uri(table),
        **({"dagster/column_lineage": ColumnLineage(lineage)} if lineage else {}),
        "rows_inserted": outcome.rows_inserted,
        "rejects_inserted": outcome.rejects_inserted,
        **{k: v for k, v in extra.items() if v is not None},
    }
    suite = SuiteOutcome.of(outcome) if with_suite_check else None
    return Report(table, metadata, suite)


__all__ = ["ColumnLineage", "ColumnSchema", "Json", "Markdown", "Plot", "Records", "Report", "SuiteOutcome", "report"]
