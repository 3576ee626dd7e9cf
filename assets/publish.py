"""Write-audit-publish: gate a batch with its GX suite, commit what passes, report the commit."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
import pyarrow as pa

from expectations.gate import validate_batch
from resources.lake import Lake
from resources.rejects import reject_row
from resources.tables import COLUMN_LINEAGE, REJECTS, TABLES

_ARROW_TO_TYPE = {"string": "string", "large_string": "string", "int32": "int", "int64": "int", "double": "float", "bool": "bool"}


def column_lineage(table: str) -> dg.TableColumnLineage | None:
    deps = COLUMN_LINEAGE.get(table)
    if not deps:
        return None
    return dg.TableColumnLineage(
        deps_by_column={col: [dg.TableColumnDep(asset_key=dg.AssetKey(up), column_name=up_col) for up, up_col in ups] for col, ups in deps.items()}
    )


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, _ARROW_TO_TYPE.get(str(f.type), str(f.type))) for f in schema])


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
        raise dg.Failure(description=gate.report(), metadata={"failed_expectations": len(gate.table_failures), "batch_rows": batch.num_rows})
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
            raise dg.Failure(description=reject_gate.report())
        pub.rejects_inserted += lake.merge(REJECTS.name, reject_batch).rows_inserted
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
            raise dg.Failure(description=gate.report() if not gate.ok else f"{table}: {len(gate.rejections)} rows failed row-level expectations")
        commit = lake.merge(table, pa.Table.from_pylist(changed, schema=spec.schema), update_existing=True)
        pub.rows_inserted += commit.rows_inserted
        if commit.version is not None:
            pub.versions.append(commit.version)
    return pub


def plot(context: dg.AssetExecutionContext, name: str, changed: bool, render: Callable[[], dg.MetadataValue]) -> dg.MetadataValue:
    """A plot for the metadata, rendered only when its table changed: a refresh with nothing
    new reuses the last materialization's (rendering costs more than the rest of the refresh)."""
    if not changed:
        event = context.instance.get_latest_materialization_event(context.asset_key)
        previous = event.asset_materialization.metadata.get(name) if event and event.asset_materialization else None
        if previous is not None:
            return previous
    return render()


SUITE_CHECK = "gx_suite"


def suite_check_spec(table: str) -> dg.AssetCheckSpec:
    """The check that reports what the table's GX suite did to this materialization's batches.
    A table-level failure already stops the step before its commit; this check warns when
    row-level expectations sent rows to ``rejects``."""
    return dg.AssetCheckSpec(SUITE_CHECK, asset=table, description=f"The {table} GX suite: rows validated before the commit, and rows it rejected.")


def suite_check(pub: Publication) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=SUITE_CHECK,
        passed=pub.rows_failed_suite == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rows_validated": pub.rows_validated, "rows_rejected": pub.rows_failed_suite, "expectations": pub.expectations},
        description=f"{pub.rows_failed_suite} of {pub.rows_validated} rows failed row-level expectations (see rejects)" if pub.rows_failed_suite else None,
    )


def materialization(lake: Lake, pub: Publication, *, with_suite_check: bool = False, **extra: object) -> dg.MaterializeResult:
    """The metadata every table reports: its Delta version, row count (of the partition, for
    a partitioned table) and schema; with ``with_suite_check``, the result of the asset's
    ``gx_suite`` check (declared with ``suite_check_spec``)."""
    spec = TABLES[pub.table]
    dt = lake.delta_table(pub.table)
    partition = extra.pop("partition", None)
    metadata = {
        "delta_version": dt.version() if dt is not None else -1,
        "committed_versions": str(pub.versions),
        "dagster/row_count": lake.row_count(pub.table, partition),
        **({"table_row_count": lake.row_count(pub.table)} if partition else {}),
        "dagster/column_schema": column_schema(spec.schema),
        "dagster/uri": lake.table_uri(pub.table),
        **({"dagster/column_lineage": lineage} if (lineage := column_lineage(pub.table)) else {}),
        "rows_inserted": pub.rows_inserted,
        "rejects_inserted": pub.rejects_inserted,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return dg.MaterializeResult(metadata=metadata, check_results=[suite_check(pub)] if with_suite_check else None)
