"""Every column of every lake table is described, and the descriptions reach the Dagster UI's
schema view (``dagster/column_schema``) in process and through Pipes alike."""
from __future__ import annotations

import json
import re

import pytest

from resources.lake.tables import TABLES
from resources.lake.tables.columns import SHARED

# A backticked name in a description: `column` of the same table, or `table.column`.
_REFERENCE = re.compile(r"`([a-z_]+(?:\.[a-z_]+)?)`")


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_column_has_a_description(table):
    spec = TABLES[table]
    missing = [c for c in spec.schema.names if not (spec.descriptions.get(c) or "").strip()]
    assert not missing, f"{table}: columns without a description: {missing}"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_descriptions_name_only_columns_that_exist(table):
    spec = TABLES[table]
    stale = sorted(set(spec.descriptions) - set(spec.schema.names))
    assert not stale, f"{table}: descriptions of columns it does not have: {stale}"
    for column, text in spec.descriptions.items():
        for ref in _REFERENCE.findall(text):
            other, _, col = ref.rpartition(".")
            target = TABLES.get(other or table)
            assert target is not None and col in target.schema.names, f"{table}.{column} refers to `{ref}`, which is no column"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_descriptions_stay_out_of_the_delta_schema(table):
    # Field metadata would be written to Delta and change the schema existing tables merge into.
    assert all(not f.metadata for f in TABLES[table].schema), table


def test_shared_descriptions_are_used_and_not_repeated():
    used = {text for spec in TABLES.values() for text in spec.descriptions.values()}
    unused = sorted(name for name, text in SHARED.items() if text not in used)
    assert not unused, f"shared descriptions no table uses: {unused}"
    texts: dict[str, list[str]] = {}
    for name, spec in TABLES.items():
        for column, text in spec.descriptions.items():
            texts.setdefault(text, []).append(f"{name}.{column}")
    repeated = {t: where for t, where in texts.items() if len(where) > 1 and t not in SHARED.values()}
    assert not repeated, f"the same text written more than once (share it in columns.py): {repeated}"


def test_the_ui_schema_carries_the_descriptions():
    import dagster as dg

    from dagster_project.metadata import metadata_value
    from resources.lake.report import column_schema

    spec = TABLES["evaluated_samples"]
    schema = metadata_value(column_schema("evaluated_samples"))
    assert isinstance(schema, dg.TableSchema)
    assert [c.name for c in schema.columns] == spec.schema.names
    assert {c.name: c.description for c in schema.columns} == spec.descriptions
    checks = next(c for c in schema.columns if c.name == "checks")
    assert "visual_integrity" in checks.description  # the struct's fields are spelled out in words


def test_the_descriptions_travel_through_pipes():
    from dagster._core.definitions.metadata.external_metadata import (
        metadata_map_from_external,
    )

    from resources.lake.report import column_schema
    from spark_jobs.job import pipes_metadata

    wire = json.loads(json.dumps(pipes_metadata({"dagster/column_schema": column_schema("curated_clips")})))
    back = metadata_map_from_external(wire)["dagster/column_schema"].schema
    assert {c.name: c.description for c in back.columns} == TABLES["curated_clips"].descriptions
