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
            ("top_failure", pa.string()),
            ("not_measured", pa.int64()),
            ("not_measured_by_check", pa.string()),
        ]
    ),
    "Evaluation pass rates per condition and backend.",
    descriptions={
        "group_id": "sha256 of the condition and the backend.",
        "condition": "The samples' transfer condition ('+'-joined when composite); original for the original clips.",
        "backend": "The transfer backend that rendered the samples; source for the original clips.",
        "samples": "Number of evaluated samples in the group.",
        "passed": "How many of them passed every required check.",
        "pass_rate": "`passed` / `samples`, 0-1.",
        "top_failure": "The check that failed most often in the group; null when none failed.",
        "not_measured": "How many checks of the group's samples could not measure them.",
        "not_measured_by_check": "JSON: check name -> how many times it could not measure a sample of the group.",
    },
)
