"""failure_coverage: per failure mode, what was logged, planned, accepted and what is left."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec

FAILURE_COVERAGE = TableSpec(
    "failure_coverage",
    "mode_id",
    pa.schema(
        [
            ("mode_id", pa.string()),
            ("mode", pa.string()),  # a readable name: failure on scene/task in condition
            ("scene_type", pa.string()),
            ("task", pa.string()),
            ("condition", pa.string()),
            ("failure", pa.string()),
            ("failures_logged", pa.int64()),
            ("worst_severity", pa.string()),
            ("first_logged", TIMESTAMP),
            ("last_logged", TIMESTAMP),
            ("samples_needed", pa.int64()),  # accepted samples that close the mode (from severities and the spec)
            ("samples_planned", pa.int64()),  # recipes planned for it (a robot window counts once)
            ("samples_accepted", pa.int64()),
            ("samples_rejected", pa.int64()),
            ("samples_pending", pa.int64()),  # planned, not yet evaluated
            ("gap", pa.int64()),  # accepted samples still missing
            ("status", pa.string()),  # closed | open | unplannable
            ("note", pa.string()),  # why a mode is unplannable or still open
        ]
    ),
    "Per failure mode of the failure log: failures logged, samples needed, planned, accepted, rejected and pending, and the gap left.",
)
