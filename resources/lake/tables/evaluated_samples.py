"""evaluated_samples: every sample with each check and a verdict."""
from __future__ import annotations

import pyarrow as pa

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
            ("sample_kind", pa.string()),  # original | variant
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
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Every variant and original clip scored against its source clip, check by check.",
    partition_by="ingest_date",
)
