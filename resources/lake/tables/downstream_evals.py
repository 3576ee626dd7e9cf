"""downstream_evals: one training comparison of the arms A, B and C, at pinned table versions."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TIMESTAMP, TableSpec

DOWNSTREAM_EVALS = TableSpec(
    "downstream_evals",
    "eval_id",
    pa.schema(
        [
            ("eval_id", pa.string()),
            ("model", pa.string()),
            ("metric", pa.string()),
            ("steps", pa.int64()),
            ("batch_size", pa.int64()),
            ("seeds", pa.int64()),
            ("train_images", pa.string()),
            ("test_conditions", pa.list_(pa.string())),
            ("arms", pa.string()),
            ("per_condition", pa.string()),
            ("lift_b_over_a", pa.float64()),
            ("lift_std", pa.float64()),
            ("b_minus_c", pa.float64()),
            ("source_versions", pa.string()),
            ("made_at", TIMESTAMP),
        ]
    ),
    "A segmentation model trained on originals (A), plus accepted variants (B), plus every variant unfiltered (C), "
    "at equal compute, scored on scenes the renderer shifted itself.",
    descriptions={
        **shared("source_versions", "made_at"),
        "eval_id": "sha256 of the model, the Delta versions read and the settings: the same inputs make the same row.",
        "model": "The model trained in every arm, e.g. tiny-unet-2class.",
        "metric": "The score of every arm: miou (mean intersection over union of the segmentation, 0-1).",
        "steps": "Optimisation steps per arm and seed (equal compute across arms).",
        "batch_size": "Images per optimisation step.",
        "seeds": "Number of seeds each arm is trained with.",
        "train_images": "JSON: arm (A, B, C) -> images in its training pool.",
        "test_conditions": "The renderer's test conditions: nominal and the shifted ones (dim, coloured, low_sun).",
        "arms": "JSON: arm -> mean and std over seeds of its score averaged over the shifted conditions.",
        "per_condition": "JSON: test condition -> arm -> mean and std over seeds.",
        "lift_b_over_a": "Mean over seeds of arm B's score minus arm A's on the shifted conditions: what accepted variants add.",
        "lift_std": "Standard deviation over seeds of the paired lift B - A.",
        "b_minus_c": "Arm B's mean score minus arm C's: what filtering the variants by the evaluator is worth.",
    },
)
