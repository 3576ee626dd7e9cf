"""failure_coverage: per failure mode, what was logged, planned, accepted and what is left."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TIMESTAMP, TableSpec

FAILURE_COVERAGE = TableSpec(
    "failure_coverage",
    "mode_id",
    pa.schema(
        [
            ("mode_id", pa.string()),
            ("mode", pa.string()),
            ("scene_type", pa.string()),
            ("task", pa.string()),
            ("condition", pa.string()),
            ("failure", pa.string()),
            ("failures_logged", pa.int64()),
            ("worst_severity", pa.string()),
            ("first_logged", TIMESTAMP),
            ("last_logged", TIMESTAMP),
            ("samples_needed", pa.int64()),
            ("samples_planned", pa.int64()),
            ("samples_accepted", pa.int64()),
            ("samples_rejected", pa.int64()),
            ("samples_pending", pa.int64()),
            ("gap", pa.int64()),
            ("status", pa.string()),
            ("note", pa.string()),
        ]
    ),
    "Per failure mode of the failure log: failures logged, samples needed, planned, accepted, rejected and pending, and the gap left.",
    descriptions={
        **shared("failure"),
        "mode_id": "The failure mode (`failure_log.mode_id`): a hash of (scene type or task, condition, failure).",
        "mode": "A readable name: '<failure> on <scene type or task> in <condition>'.",
        "scene_type": "The mode's scene type (road, tabletop, ...); null when it names a task.",
        "task": "The mode's robot task; null when it names a scene type.",
        "condition": "The mode's transfer condition, '+'-joined (e.g. night+rain).",
        "failures_logged": "Number of failure_log entries of the mode.",
        "worst_severity": "The worst severity logged for the mode: low, medium, high or critical.",
        "first_logged": "When the mode's earliest logged failure happened (UTC).",
        "last_logged": "When its latest logged failure happened (UTC).",
        "samples_needed": "Accepted samples that close the mode, from the severities logged and the spec's samples per failure (capped).",
        "samples_planned": "Recipes planned for the mode (a robot episode's window counts once, whatever its cameras).",
        "samples_accepted": "Planned samples the evaluator accepted.",
        "samples_rejected": "Planned samples the evaluator rejected.",
        "samples_pending": "Planned samples not yet evaluated.",
        "gap": "Accepted samples still missing: `samples_needed` - `samples_accepted`, at least 0.",
        "status": "closed (`gap` is 0), open (samples still missing) or unplannable (the transfer backend cannot render the condition).",
        "note": "The status in words: what is accepted, what is missing or pending, or why the mode is unplannable.",
    },
)
