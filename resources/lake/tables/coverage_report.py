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
            ("dimension", pa.string()),
            ("value", pa.string()),
            ("clips", pa.int64()),
            ("share", pa.float64()),
            ("duration_s", pa.float64()),
        ]
    ),
    "How the kept clips are spread over conditions: one row per (dimension, value).",
    descriptions={
        "bucket_id": "sha256 of the dimension and the value.",
        "dimension": "The curated_clips column counted: time_of_day, weather, motion_level, source_kind or scene_type.",
        "value": "One value of that column among the kept clips (e.g. night, clear, slow, real, road); unknown where it is not known.",
        "clips": "Number of kept clips with this value.",
        "share": "`clips` / all kept clips, 0-1 (4 decimals).",
        "duration_s": "Total duration in seconds of the kept clips with this value.",
    },
)
