"""evaluated_samples: every sample with each check and a verdict."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TableSpec

CHECK_STRUCT = pa.struct(
    [
        ("name", pa.string()),
        ("category", pa.string()),
        ("score", pa.float64()),
        ("threshold", pa.float64()),
        ("comparison", pa.string()),  # ">=" or "<=": how score is held against threshold
        ("required", pa.bool_()),
        ("passed", pa.bool_()),
        ("measured", pa.bool_()),  # false: the check could not measure this sample (score is NaN)
        ("reason", pa.string()),  # why it could not measure; null when it did
    ]
)

EVALUATED_SAMPLES = TableSpec(
    "evaluated_samples",
    "sample_id",
    pa.schema(
        [
            ("sample_id", pa.string()),
            ("sample_kind", pa.string()),
            ("variant_id", pa.string()),
            ("clip_id", pa.string()),
            ("footage_id", pa.string()),
            ("condition", pa.string()),
            ("backend", pa.string()),
            ("blob_key", pa.string()),
            ("checks", pa.list_(CHECK_STRUCT)),
            ("passed", pa.bool_()),
            ("fail_reasons", pa.list_(pa.string())),
            ("evaluator_version", pa.string()),
            ("ingest_date", pa.string()),
        ]
    ),
    "Every variant and original clip scored against its source clip, check by check.",
    partition_by="ingest_date",
    descriptions={
        **shared("variant_id", "clip_id", "footage_id", "ingest_date"),
        "sample_id": "sha256 of the sample (its variant id, or the clip id for an original) and the evaluator version.",
        "sample_kind": "original (a kept clip, judged on its own merits) or variant (scored against its source clip).",
        "condition": "The transfer condition the variant was rendered under ('+'-joined when composite); original for an original clip.",
        "backend": "The transfer backend that rendered the variant (procedural, cosmos-transfer2.5, cosmos3); source for an original clip.",
        "blob_key": "The sample's video in the blob store: the variant's MP4, or the clip's own for an original.",
        "checks": "One struct per check: name, category (semantic_alignment | physical_laws | geometric_reasoning | visual_integrity), "
                  "score, threshold, comparison (>= or <=), required, passed, measured (false: score is NaN) and reason (why unmeasured).",
        "passed": "True when every required check passed: the sample is accepted for tokenization.",
        "fail_reasons": "One line per required check that failed: '<check> (<category>): <score> not <comparison> <threshold>', "
                        "or 'not measured (<reason>)'.",
        "evaluator_version": "The evaluator's version (e.g. classical-5) that scored the sample.",
    },
)
