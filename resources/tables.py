"""The lake's tables: name, key and Arrow schema of each.

Keys are content hashes, so the same input always yields the same row key and a MERGE on
the key makes every write idempotent.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyarrow as pa

_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str
    schema: pa.Schema
    description: str


def row_key(*parts: object) -> str:
    """Deterministic row key: sha256 over the parts, joined unambiguously."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


CHECK_STRUCT = pa.struct(
    [
        ("name", pa.string()),
        ("category", pa.string()),
        ("score", pa.float64()),
        ("threshold", pa.float64()),
        ("comparison", pa.string()),  # ">=" or "<=": how score is held against threshold
        ("required", pa.bool_()),
        ("passed", pa.bool_()),
    ]
)

RAW_FOOTAGE = TableSpec(
    "raw_footage",
    "footage_id",
    pa.schema(
        [
            ("footage_id", pa.string()),  # sha256 of the file's bytes
            ("source_kind", pa.string()),  # real | sim
            ("source_uri", pa.string()),
            ("file_name", pa.string()),
            ("blob_key", pa.string()),
            ("size_bytes", pa.int64()),
            ("container", pa.string()),
            ("codec", pa.string()),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("fps", pa.float64()),
            ("frame_count", pa.int64()),
            ("duration_s", pa.float64()),
            ("is_vfr", pa.bool_()),
            ("sim_scene_id", pa.string()),
            ("sim_params", pa.string()),  # JSON: objects, camera, lighting, seed
            ("depth_blob_key", pa.string()),
            ("seg_blob_key", pa.string()),
            ("ingested_at", _TS),
        ]
    ),
    "Every landed video file once (keyed by the sha256 of its bytes), with its PyAV probe.",
)

CURATED_CLIPS = TableSpec(
    "curated_clips",
    "clip_id",
    pa.schema(
        [
            ("clip_id", pa.string()),
            ("footage_id", pa.string()),
            ("source_kind", pa.string()),
            ("clip_index", pa.int32()),
            ("start_frame", pa.int64()),
            ("end_frame", pa.int64()),  # exclusive
            ("num_frames", pa.int32()),
            ("start_s", pa.float64()),
            ("duration_s", pa.float64()),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("fps", pa.float64()),
            ("status", pa.string()),  # kept | dropped
            ("drop_reason", pa.string()),
            ("flags", pa.list_(pa.string())),  # filters failed (dropping or score-only)
            ("duplicate_of", pa.string()),
            ("similarity", pa.float64()),  # cosine similarity to the closest clip kept before it
            ("sharpness", pa.float64()),
            ("brightness", pa.float64()),
            ("clipped_fraction", pa.float64()),
            ("motion", pa.float64()),
            ("black_fraction", pa.float64()),
            ("frozen_fraction", pa.float64()),
            ("time_of_day", pa.string()),
            ("weather", pa.string()),
            ("motion_level", pa.string()),
            ("scene_type", pa.string()),
            ("caption", pa.string()),
            ("captioner", pa.string()),
            ("embedding", pa.list_(pa.float32())),
            ("embedder", pa.string()),
            ("phash", pa.string()),
            ("blob_key", pa.string()),  # H.264 MP4; null for dropped clips
            ("size_bytes", pa.int64()),
            ("depth_blob_key", pa.string()),
            ("seg_blob_key", pa.string()),
            ("sim_params", pa.string()),
            ("curator_version", pa.string()),
        ]
    ),
    "Shots cut from raw footage, scored, filtered and deduplicated; kept clips as H.264 MP4.",
)

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
            ("used_depth", pa.bool_()),
            ("blob_key", pa.string()),
            ("size_bytes", pa.int64()),
            ("num_frames", pa.int32()),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("fps", pa.float64()),
        ]
    ),
    "Each kept clip re-rendered under a recipe (condition, parameters, seed) by a transfer backend.",
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
        ]
    ),
    "Every variant and original clip scored against its source clip, check by check.",
)

TOKENIZED_SHARDS = TableSpec(
    "tokenized_shards",
    "token_id",
    pa.schema(
        [
            ("token_id", pa.string()),
            ("shard_id", pa.string()),
            ("split", pa.string()),  # train | val
            ("sample_id", pa.string()),
            ("clip_id", pa.string()),
            ("footage_id", pa.string()),
            ("variant_id", pa.string()),
            ("condition", pa.string()),
            ("caption", pa.string()),
            ("tokenizer_id", pa.string()),
            ("tokenizer_version", pa.string()),
            ("token_shape", pa.list_(pa.int32())),
            ("token_dtype", pa.string()),
            ("tokens", pa.large_binary()),
            ("num_frames", pa.int32()),
            ("recon_psnr", pa.float64()),
            ("compression_ratio", pa.float64()),
        ]
    ),
    "Accepted samples as tokens, in shards of bounded size, split train/val by clip hash.",
)

COVERAGE_REPORT = TableSpec(
    "coverage_report",
    "bucket_id",
    pa.schema(
        [
            ("bucket_id", pa.string()),
            ("dimension", pa.string()),  # time_of_day | weather | motion_level | source_kind | scene_type
            ("value", pa.string()),
            ("clips", pa.int64()),
            ("share", pa.float64()),  # of kept clips
            ("duration_s", pa.float64()),
        ]
    ),
    "How the kept clips are spread over conditions: one row per (dimension, value).",
)

SCENARIO_SPEC = TableSpec(
    "scenario_spec",
    "entry_id",
    pa.schema(
        [
            ("entry_id", pa.string()),
            ("spec_name", pa.string()),
            ("kind", pa.string()),  # target | request
            ("name", pa.string()),
            ("scene_type", pa.string()),
            ("condition", pa.string()),
            ("share", pa.float64()),
            ("clips", pa.int64()),
            ("match", pa.string()),  # JSON: column -> value the request's clips must have
        ]
    ),
    "The scenario spec (YAML) as loaded: target condition shares per scene type, and requests from failure logs.",
)

TRANSFER_PLAN = TableSpec(
    "transfer_plan",
    "plan_id",
    pa.schema(
        [
            ("plan_id", pa.string()),
            ("clip_id", pa.string()),
            ("condition", pa.string()),
            ("seed", pa.int64()),
            ("backend", pa.string()),
            ("spec_name", pa.string()),
            ("request", pa.string()),
            ("reason", pa.string()),  # why this recipe was chosen
        ]
    ),
    "The recipes chosen to close the gap between the kept clips' coverage and the scenario spec, with why.",
)

EVALUATION_SUMMARY = TableSpec(
    "evaluation_summary",
    "group_id",
    pa.schema(
        [
            ("group_id", pa.string()),
            ("condition", pa.string()),
            ("backend", pa.string()),
            ("samples", pa.int64()),
            ("passed", pa.int64()),
            ("pass_rate", pa.float64()),
            ("top_failure", pa.string()),  # the check that failed most often
        ]
    ),
    "Evaluation pass rates per condition and backend.",
)

REJECTS = TableSpec(
    "rejects",
    "reject_id",
    pa.schema(
        [
            ("reject_id", pa.string()),
            ("stage", pa.string()),  # the table the row was meant for
            ("subject_id", pa.string()),
            ("source_uri", pa.string()),
            ("reason_code", pa.string()),
            ("reason", pa.string()),
            ("details", pa.string()),  # JSON
            ("rejected_at", _TS),
        ]
    ),
    "Everything refused on the way into a table, with a reason a person can read.",
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (RAW_FOOTAGE, CURATED_CLIPS, TRANSFERRED_VARIANTS, EVALUATED_SAMPLES, TOKENIZED_SHARDS, COVERAGE_REPORT, SCENARIO_SPEC, TRANSFER_PLAN, EVALUATION_SUMMARY, REJECTS)
}
