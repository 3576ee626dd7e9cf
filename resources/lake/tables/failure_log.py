"""failure_log: what went wrong in the field, one row per logged failure; the planner's demand."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec

FAILURE_LOG = TableSpec(
    "failure_log",
    "failure_id",
    pa.schema(
        [
            ("failure_id", pa.string()),  # the log's own id when it has one, else a hash of the entry and where it was read
            ("logged_at", TIMESTAMP),  # when the failure happened
            ("location", pa.string()),  # where: a site, a route, a robot cell
            ("scene_type", pa.string()),  # the scene type it happened in (road, tabletop, ...); null when a task is named
            ("task", pa.string()),  # the robot task (a task family such as pick_place, or the instruction); null for a scene type
            ("conditions", pa.list_(pa.string())),  # night, rain, glare, occlusion, ... as logged
            ("condition", pa.string()),  # the conditions as one transfer condition, "+"-joined in logged order
            ("failure", pa.string()),  # what failed, e.g. missed_pedestrian, missed_grasp
            ("severity", pa.string()),  # low | medium | high | critical
            ("footage_uri", pa.string()),  # optional: the footage it happened on
            ("mode_id", pa.string()),  # the failure mode: (scene type or task, condition, failure)
            ("source_uri", pa.string()),  # the log file (and line) or table it was read from
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition: the day the log landed
        ]
    ),
    "Failures logged in the field (when, where, scene or task, conditions, what failed, severity): the demand the planner answers.",
    partition_by="ingest_date",
)
