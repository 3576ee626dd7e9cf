"""Reports (resources/lake/report.py, plain data) as Dagster sees them: materialization
metadata, the ``gx_suite`` check of each fact table, and a refused batch as a ``dg.Failure``."""
from __future__ import annotations

import base64
from typing import Any

import dagster as dg

from resources.lake.report import ColumnLineage, ColumnSchema, Json, Markdown, Plot, Records, Report, SuiteOutcome

SUITE_CHECK = "gx_suite"


def png_markdown(png: bytes, alt: str) -> str:
    """Markdown the Dagster UI renders as an image (a data URI: no file server needed)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def metadata_value(value: Any, name: str = "", context: dg.AssetExecutionContext | None = None) -> Any:
    """One plain report value as Dagster metadata (numbers and strings stay as they are)."""
    if isinstance(value, Json):
        return dg.MetadataValue.json(value.data)
    if isinstance(value, Markdown):
        return dg.MetadataValue.md(value.text)
    if isinstance(value, ColumnSchema):
        return dg.TableSchema(columns=[dg.TableColumn(n, t, description=value.descriptions.get(n)) for n, t in value.columns])
    if isinstance(value, ColumnLineage):
        return dg.TableColumnLineage(
            deps_by_column={col: [dg.TableColumnDep(asset_key=dg.AssetKey(up), column_name=up_col) for up, up_col in ups] for col, ups in value.deps.items()}
        )
    if isinstance(value, Records):
        return dg.MetadataValue.table(
            records=[dg.TableRecord(r) for r in value.shown()],
            schema=dg.TableSchema(columns=[dg.TableColumn(n, t) for n, t in value.columns]),
        )
    if isinstance(value, Plot):
        previous = _last_value(context, name) if not value.changed and context is not None else None
        return previous if previous is not None else dg.MetadataValue.md(png_markdown(value.render(), value.alt))
    return value


def _last_value(context: dg.AssetExecutionContext, name: str) -> Any:
    """``name`` in the last materialization of this asset that carried it, of this partition:
    another day's image would show other clips, and a refresh that committed nothing (a retry
    round, a re-run) must not drop the image from the latest materialization either."""
    partitions = [context.partition_key] if context.has_partition_key else None
    records = context.instance.fetch_materializations(dg.AssetRecordsFilter(context.asset_key, asset_partitions=partitions), limit=5).records
    for record in records:
        materialization = record.asset_materialization
        if materialization is not None and name in materialization.metadata:
            return materialization.metadata[name]
    return None


def suite_check_spec(table: str, asset: str | None = None) -> dg.AssetCheckSpec:
    """The check that reports what the table's GX suite did to this materialization's batches.
    A table-level failure already stops the step before its commit; this check warns when
    row-level expectations sent rows to ``rejects``. ``asset``: the asset, where its name is
    not the table's (lerobot_export records its datasets in lerobot_exports)."""
    return dg.AssetCheckSpec(SUITE_CHECK, asset=asset or table, description=f"The {table} GX suite: rows validated before the commit, and rows it rejected.")


def suite_check(outcome: SuiteOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=SUITE_CHECK,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=outcome.check_metadata(),
        description=f"{outcome.rows_failed} of {outcome.rows_validated} rows failed row-level expectations (see rejects)" if outcome.rows_failed else None,
    )


def to_result(report: Report, context: dg.AssetExecutionContext | None = None) -> dg.MaterializeResult:
    """The materialization of a stage's report, with its ``gx_suite`` check where it has one."""
    metadata = {k: metadata_value(v, k, context) for k, v in report.metadata.items()}
    return dg.MaterializeResult(metadata=metadata, check_results=[suite_check(report.suite)] if report.suite else None)
