"""evaluation_summary: pass rates per condition and backend."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TableSpec

EVALUATION_SUMMARY = TableSpec(
    "evaluation_summary",
    "group_id",
    pa.schema(
        [
            ("group_id", pa.string()),
            ("condition", pa.string()),
            ("backend", pa.string()),
            ("samples", pa.int64()),
            ("passed", pa.int64()),
            ("pass_rate", pa.float64()),
            ("top_failure", pa.string()),  # the check that failed most often
            ("not_measured", pa.int64()),  # checks of the group's samples that could not measure
            ("not_measured_by_check", pa.string()),  # JSON: check -> how many times it could not measure
        ]
    ),
    "Evaluation pass rates per condition and backend.",
)
