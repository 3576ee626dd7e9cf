"""Validate a batch against its table's GX 1.x suite before it is committed.

Expectations act at one of two levels. Row-level ones (GX's map expectations) name the rows
that fail: those rows go to ``rejects`` with the expectation's name and the rest of the
batch goes on. Table-level ones (everything else, and any expectation whose meta says
``"level": "table"``) judge the batch as a whole: if one fails, nothing is committed.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

SUITE_DIR = Path(__file__).parent
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass(frozen=True)
class RowRejection:
    key: str | None
    expectation: str  # the expectation type, e.g. expect_column_values_to_not_be_null
    rule: str  # the expectation with its arguments
    reason: str
    details: dict


@dataclass
class GateResult:
    table: str
    passed: pa.Table
    rejections: list[RowRejection] = field(default_factory=list)
    table_failures: list[str] = field(default_factory=list)
    expectations_evaluated: int = 0

    @property
    def ok(self) -> bool:
        return not self.table_failures

    def report(self) -> str:
        lines = [f"{self.table}: {len(self.table_failures)} table-level expectation(s) failed; the batch was not committed."]
        lines += [f"  - {failure}" for failure in self.table_failures]
        return "\n".join(lines)


def _describe(config) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("result_format", "batch_id")}
    return f"{config.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


@lru_cache(maxsize=None)
def _suite_json(table: str) -> dict:
    return json.loads((SUITE_DIR / f"{table}.json").read_text())


def load_suite(table: str):
    import great_expectations as gx

    spec = _suite_json(table)
    suite = gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"])
    # GX has been seen to drop an invalid expectation silently: count them.
    if len(suite.expectations) != len(spec["expectations"]):
        raise ValueError(f"suite {table}: {len(spec['expectations'])} expectations in JSON, {len(suite.expectations)} loaded")
    return suite


@lru_cache(maxsize=1)
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("factory").add_dataframe_asset("batch")
    return asset.add_batch_definition_whole_dataframe("whole")


def _is_row_level(expectation) -> bool:
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    level = (expectation.meta or {}).get("level")
    if level:
        return level == "row"
    return isinstance(expectation, (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation))


def _scalar_view(rows: pa.Table) -> pa.Table:
    """The batch as GX sees it: scalar columns as they are; nested and binary ones (tokens,
    checks) replaced by a same-named flag that is null where the value is null, so column-set
    and not-null expectations still work without copying payloads into pandas."""
    columns = []
    for f, col in zip(rows.schema, rows.columns):
        if pa.types.is_nested(f.type) or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type):
            valid = pc.is_valid(col)
            col = pc.if_else(valid, pa.scalar(True), pa.scalar(None, pa.bool_()))
        columns.append(col)
    return pa.table(columns, names=rows.schema.names)


def validate_batch(table: str, rows: pa.Table, key: str) -> GateResult:
    suite = load_suite(table)
    result = GateResult(table, rows, expectations_evaluated=len(suite.expectations))
    if rows.num_rows == 0:
        return result
    frame = _scalar_view(rows).to_pandas()
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [key]})
    rejected_keys: set = set()
    for res, expectation in zip(validation.results, suite.expectations):
        config = res.expectation_config
        if res.exception_info and res.exception_info.get("raised_exception"):
            result.table_failures.append(f"{_describe(config)} could not run: {res.exception_info.get('exception_message')}")
            continue
        if res.success:
            continue
        unexpected = res.result.get("unexpected_index_list") or []
        if _is_row_level(expectation) and unexpected:
            for item in unexpected:
                value = {k: (None if v != v else v) for k, v in item.items() if k != key}  # NaN -> None
                row_key = item.get(key)
                rejected_keys.add(row_key)
                result.rejections.append(
                    RowRejection(row_key, config.type, _describe(config), f"failed {_describe(config)}; row has {value}", {"kwargs": config.kwargs, "value": value})
                )
        else:
            observed = res.result.get("observed_value", res.result.get("partial_unexpected_list"))
            result.table_failures.append(f"{_describe(config)} failed (observed: {observed!r})")
    if rejected_keys:
        keys = pa.array([k for k in rejected_keys if k is not None], pa.string())
        mask = pc.invert(pc.fill_null(pc.is_in(rows.column(key), value_set=keys), False))
        if None in rejected_keys:
            mask = pc.and_(mask, pc.is_valid(rows.column(key)))
        result.passed = rows.filter(mask)
    return result
