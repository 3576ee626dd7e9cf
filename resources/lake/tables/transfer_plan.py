"""transfer_plan: the recipes planned on kept clips, each with its reason."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TableSpec

TRANSFER_PLAN = TableSpec(
    "transfer_plan",
    "plan_id",
    pa.schema(
        [
            ("plan_id", pa.string()),
            ("clip_id", pa.string()),
            ("condition", pa.string()),
            ("seed", pa.int64()),
            ("recipe_params", pa.string()),  # JSON: the parameters drawn for the recipe; null on rows planned before they were drawn
            ("backend", pa.string()),
            ("spec_name", pa.string()),
            ("request", pa.string()),
            ("reason", pa.string()),  # why this recipe was chosen
            ("retry_of", pa.string()),  # plan_id of the rejected attempt this row tries again; null for a first attempt
            ("view_of", pa.string()),  # another camera of a robot episode's window: the lead view's plan_id, whose recipe it repeats
            ("failure_mode", pa.string()),  # the failure_log mode this recipe answers; null when a target or a hand-written request chose it
            ("failure_ids", pa.list_(pa.string())),  # the logged failures of that mode when it was planned
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "The recipes chosen to close the gap between the kept clips' coverage and the scenario spec, with why.",
    partition_by="ingest_date",
)
