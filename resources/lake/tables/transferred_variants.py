"""transferred_variants: kept clips re-rendered under a recipe."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
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
            ("recipe_params", pa.string()),
            ("seed", pa.int64()),
            ("backend", pa.string()),
            ("backend_version", pa.string()),
            ("model_id", pa.string()),
            ("guardrail", pa.string()),
            ("used_depth", pa.bool_()),
            ("blob_key", pa.string()),
            ("size_bytes", pa.int64()),
            ("num_frames", pa.int32()),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("fps", pa.float64()),
            ("ingest_date", pa.string()),
        ]
    ),
    "Each kept clip re-rendered under a recipe (condition, parameters, seed) by a transfer backend.",
    partition_by="ingest_date",
    descriptions={
        **shared("clip_id", "footage_id", "condition", "seed", "backend", "size_bytes", "num_frames", "width", "height", "fps", "ingest_date"),
        "variant_id": "sha256 of the clip, the recipe and the backend's name, version and model id.",
        "recipe_id": "sha256 of the recipe's condition, parameters and seed.",
        "recipe_params": "JSON: the recipe's drawn parameters, plus what a generative backend resolved them to "
                         "(prompt, controls and their weights, steps, chunking).",
        "backend_version": "The backend's version; for a Cosmos backend also its controls and output height.",
        "model_id": "The model the backend loaded (a hub id or local directory); null for the procedural backend.",
        "guardrail": "Whether NVIDIA's guardrail checked the output: cosmos_guardrail, off (turned off by setting) "
                     "or n/a (a procedural backend, which generates nothing to check).",
        "used_depth": "Whether the simulator's depth ground truth shaped the result (fog and glare use it when the clip has it).",
        "blob_key": "The variant as H.264 MP4 in the blob store; same frame count, size and timing as its clip.",
    },
)
