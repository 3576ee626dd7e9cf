"""failure_log: what went wrong in the field, one row per logged failure; the planner's demand."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TIMESTAMP, TableSpec

FAILURE_LOG = TableSpec(
    "failure_log",
    "failure_id",
    pa.schema(
        [
            ("failure_id", pa.string()),
            ("logged_at", TIMESTAMP),
            ("location", pa.string()),
            ("scene_type", pa.string()),
            ("task", pa.string()),
            ("conditions", pa.list_(pa.string())),
            ("condition", pa.string()),
            ("failure", pa.string()),
            ("severity", pa.string()),
            ("footage_uri", pa.string()),
            ("mode_id", pa.string()),
            ("source_uri", pa.string()),
            ("ingest_date", pa.string()),
        ]
    ),
    "Failures logged in the field (when, where, scene or task, conditions, what failed, severity): the demand the planner answers.",
    partition_by="ingest_date",
    descriptions={
        **shared("failure", "ingest_date"),
        "failure_id": "The log's own id when it has one, else a hash of the entry and where it was read.",
        "logged_at": "When the failure happened (UTC).",
        "location": "Where it happened: a site, a route, a robot cell.",
        "scene_type": "The scene type it happened in (road, tabletop, ...); null when a task is named instead.",
        "task": "The robot task (a task family such as pick_place, or the instruction); null when a scene type is named instead.",
        "conditions": "The conditions as logged, in order (night, rain, glare, occlusion, ...).",
        "condition": "The conditions as one transfer condition, '+'-joined in logged order (e.g. night+rain).",
        "severity": "low, medium, high or critical.",
        "footage_uri": "The footage it happened on, when the log names it; null otherwise.",
        "mode_id": "The failure mode: sha256 of (scene type or task, condition, failure); failures of one mode are planned for together.",
        "source_uri": "The log file (and line) or table the entry was read from.",
    },
)
