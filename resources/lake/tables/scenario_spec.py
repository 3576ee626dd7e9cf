"""scenario_spec: the wanted coverage (targets and requests) as rows."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import CONDITIONS
from resources.lake.tables.spec import TableSpec

SCENARIO_SPEC = TableSpec(
    "scenario_spec",
    "entry_id",
    pa.schema(
        [
            ("entry_id", pa.string()),
            ("spec_name", pa.string()),
            ("kind", pa.string()),
            ("name", pa.string()),
            ("scene_type", pa.string()),
            ("condition", pa.string()),
            ("share", pa.float64()),
            ("clips", pa.int64()),
            ("match", pa.string()),
        ]
    ),
    "The scenario spec (YAML) as loaded: target condition shares per scene type, and requests from failure logs.",
    descriptions={
        "entry_id": "sha256 of the kind, the spec's name and the target's scene type and condition (or the request's name).",
        "spec_name": "The scenario spec's name, from its YAML.",
        "kind": "target (a wanted share of a condition in a scene type) or request (a number of clips matching a filter).",
        "name": "The request's name; null for a target.",
        "scene_type": "The target's scene type (tabletop, road, or any for every scene type); null for a request.",
        "condition": f"The transfer condition wanted: {CONDITIONS}.",
        "share": "A target's wanted share of samples showing the condition, in (0, 1); null for a request.",
        "clips": "How many accepted samples a request wants; null for a target.",
        "match": "JSON: curated_clips column -> the value a request's clips must have; null for a target.",
    },
)
