"""transferred_variants: kept clips re-rendered under a recipe."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TableSpec

TRANSFERRED_VARIANTS = TableSpec(
    "transferred_variants",
    "variant_id",
    pa.schema(
        [
            ("variant_id", pa.string()),
            ("clip_id", pa.string()),
            ("footage_id", pa.string()),
            ("recipe_id", pa.string()),
            ("condition", pa.string()),
            ("recipe_params", pa.string()),  # JSON
            ("seed", pa.int64()),
            ("backend", pa.string()),
            ("backend_version", pa.string()),
            ("model_id", pa.string()),
            # cosmos_guardrail | off (the guardrail turned off by setting) | n/a (procedural backend)
            ("guardrail", pa.string()),
            ("used_depth", pa.bool_()),
            ("blob_key", pa.string()),
            ("size_bytes", pa.int64()),
            ("num_frames", pa.int32()),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("fps", pa.float64()),
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Each kept clip re-rendered under a recipe (condition, parameters, seed) by a transfer backend.",
    partition_by="ingest_date",
)
