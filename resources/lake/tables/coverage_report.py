"""coverage_report: how the kept clips spread over each condition dimension."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TableSpec

COVERAGE_REPORT = TableSpec(
    "coverage_report",
    "bucket_id",
    pa.schema(
        [
            ("bucket_id", pa.string()),
            ("dimension", pa.string()),  # time_of_day | weather | motion_level | source_kind | scene_type
            ("value", pa.string()),
            ("clips", pa.int64()),
            ("share", pa.float64()),  # of kept clips
            ("duration_s", pa.float64()),
        ]
    ),
    "How the kept clips are spread over conditions: one row per (dimension, value).",
)
