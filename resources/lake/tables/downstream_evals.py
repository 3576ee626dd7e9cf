"""downstream_evals: one training comparison of the arms A, B and C, at pinned table versions."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec

DOWNSTREAM_EVALS = TableSpec(
    "downstream_evals",
    "eval_id",
    pa.schema(
        [
            ("eval_id", pa.string()),  # hash of the versions read and the settings: the same inputs, the same row
            ("model", pa.string()),  # the model trained, e.g. tiny-unet-2class
            ("metric", pa.string()),  # miou
            ("steps", pa.int64()),  # optimisation steps per arm and seed (equal compute)
            ("batch_size", pa.int64()),
            ("seeds", pa.int64()),
            ("train_images", pa.string()),  # JSON: arm -> images in its pool
            ("test_conditions", pa.list_(pa.string())),
            ("arms", pa.string()),  # JSON: arm -> mean and std over seeds of the mean over the shifted conditions
            ("per_condition", pa.string()),  # JSON: condition -> arm -> mean and std
            ("lift_b_over_a", pa.float64()),
            ("lift_std", pa.float64()),  # standard deviation over seeds of the paired lift B - A
            ("b_minus_c", pa.float64()),
            ("source_versions", pa.string()),  # JSON: table -> Delta version the labels were read at
            ("made_at", TIMESTAMP),
        ]
    ),
    "A segmentation model trained on originals (A), plus accepted variants (B), plus every variant unfiltered (C), "
    "at equal compute, scored on scenes the renderer shifted itself.",
)
