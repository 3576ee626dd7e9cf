"""transfer_plan: the recipes planned on kept clips, each with its reason."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
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
            ("recipe_params", pa.string()),
            ("backend", pa.string()),
            ("spec_name", pa.string()),
            ("request", pa.string()),
            ("reason", pa.string()),
            ("retry_of", pa.string()),
            ("view_of", pa.string()),
            ("failure_mode", pa.string()),
            ("failure_ids", pa.list_(pa.string())),
            ("ingest_date", pa.string()),
        ]
    ),
    "The recipes chosen to close the gap between the kept clips' coverage and the scenario spec, with why.",
    partition_by="ingest_date",
    descriptions={
        **shared("condition", "seed", "backend", "ingest_date"),
        "plan_id": "sha256 of the clip, the condition, the seed and the backend.",
        "clip_id": "The kept clip the recipe is planned on (`curated_clips.clip_id`).",
        "recipe_params": "JSON: the parameters drawn for the recipe with its seed; null on rows planned before parameters were drawn "
                         "(their recipe renders the backend's defaults).",
        "spec_name": "The scenario spec (`scenario_spec.spec_name`) the plan was made for.",
        "request": "The request this recipe serves (a spec request's name or a failure mode's); null for a target share.",
        "reason": "Why this recipe was chosen, in words (the share it raises, the request it counts toward, or the retry it is).",
        "retry_of": "The `plan_id` of the rejected attempt this row tries again; null for a first attempt.",
        "view_of": "Another camera of a robot episode's window: the lead view's `plan_id`, whose recipe it repeats; null otherwise.",
        "failure_mode": "The failure mode (`failure_log.mode_id`) this recipe answers; null when a target or a hand-written request chose it.",
        "failure_ids": "The logged failures (`failure_log.failure_id`) of that mode when it was planned; null when no mode chose it.",
    },
)
