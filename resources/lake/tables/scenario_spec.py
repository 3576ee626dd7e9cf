"""scenario_spec: the wanted coverage (targets and requests) as rows."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TableSpec

SCENARIO_SPEC = TableSpec(
    "scenario_spec",
    "entry_id",
    pa.schema(
        [
            ("entry_id", pa.string()),
            ("spec_name", pa.string()),
            ("kind", pa.string()),  # target | request
            ("name", pa.string()),
            ("scene_type", pa.string()),
            ("condition", pa.string()),
            ("share", pa.float64()),
            ("clips", pa.int64()),
            ("match", pa.string()),  # JSON: column -> value the request's clips must have
        ]
    ),
    "The scenario spec (YAML) as loaded: target condition shares per scene type, and requests from failure logs.",
)
