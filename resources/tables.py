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
    # The Delta partition column: the day the footage behind the row landed (a Dagster daily
    # partition key). Every key derives from one footage, so a key lives in one partition.
    partition_by: str | None = None


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
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Every landed video file once (keyed by the sha256 of its bytes), with its PyAV probe.",
    partition_by="ingest_date",
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
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Shots cut from raw footage, scored, filtered and deduplicated; kept clips as H.264 MP4.",
    partition_by="ingest_date",
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
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Accepted samples as tokens, in shards of bounded size, split train/val by clip hash.",
    partition_by="ingest_date",
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
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "The recipes chosen to close the gap between the kept clips' coverage and the scenario spec, with why.",
    partition_by="ingest_date",
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

DATASET_RELEASES = TableSpec(
    "dataset_releases",
    "release_name",
    pa.schema(
        [
            ("release_name", pa.string()),
            ("description", pa.string()),
            ("created_at", _TS),
            ("table_versions", pa.string()),  # JSON: table -> pinned Delta version
            ("row_counts", pa.string()),  # JSON: table -> rows at that version
            ("settings", pa.string()),  # JSON: resource -> settings (credentials left out)
            ("code_version", pa.string()),  # git commit, or the package version
        ]
    ),
    "Named, immutable dataset releases: the Delta version of each of the five tables, with settings and code version.",
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        RAW_FOOTAGE, CURATED_CLIPS, TRANSFERRED_VARIANTS, EVALUATED_SAMPLES, TOKENIZED_SHARDS, COVERAGE_REPORT, SCENARIO_SPEC,
        TRANSFER_PLAN, EVALUATION_SUMMARY, REJECTS, DATASET_RELEASES,
    )
}

# Where derived columns come from: table -> column -> [(upstream table, column)]. Reported as
# dagster/column_lineage, so the UI can follow a column back through the tables.
COLUMN_LINEAGE: dict[str, dict[str, list[tuple[str, str]]]] = {
    "curated_clips": {
        "clip_id": [("raw_footage", "footage_id")],
        "footage_id": [("raw_footage", "footage_id")],
        "source_kind": [("raw_footage", "source_kind")],
        "width": [("raw_footage", "width")],
        "height": [("raw_footage", "height")],
        "fps": [("raw_footage", "fps")],
        "depth_blob_key": [("raw_footage", "depth_blob_key")],
        "seg_blob_key": [("raw_footage", "seg_blob_key")],
        "sim_params": [("raw_footage", "sim_params")],
        "ingest_date": [("raw_footage", "ingest_date")],
    },
    "transfer_plan": {
        "clip_id": [("curated_clips", "clip_id")],
        "condition": [("scenario_spec", "condition")],
        "spec_name": [("scenario_spec", "spec_name")],
        "request": [("scenario_spec", "name")],
        "ingest_date": [("curated_clips", "ingest_date")],
    },
    "transferred_variants": {
        "variant_id": [("transfer_plan", "clip_id"), ("transfer_plan", "condition"), ("transfer_plan", "seed")],
        "clip_id": [("transfer_plan", "clip_id")],
        "footage_id": [("curated_clips", "footage_id")],
        "condition": [("transfer_plan", "condition")],
        "seed": [("transfer_plan", "seed")],
        "num_frames": [("curated_clips", "num_frames")],
        "width": [("curated_clips", "width")],
        "height": [("curated_clips", "height")],
        "fps": [("curated_clips", "fps")],
        "ingest_date": [("transfer_plan", "ingest_date")],
    },
    "evaluated_samples": {
        "sample_id": [("transferred_variants", "variant_id"), ("curated_clips", "clip_id")],
        "variant_id": [("transferred_variants", "variant_id")],
        "clip_id": [("curated_clips", "clip_id")],
        "footage_id": [("curated_clips", "footage_id")],
        "condition": [("transferred_variants", "condition")],
        "backend": [("transferred_variants", "backend")],
        "blob_key": [("transferred_variants", "blob_key"), ("curated_clips", "blob_key")],
        "ingest_date": [("curated_clips", "ingest_date")],
    },
    "tokenized_shards": {
        "token_id": [("evaluated_samples", "sample_id")],
        "sample_id": [("evaluated_samples", "sample_id")],
        "clip_id": [("evaluated_samples", "clip_id")],
        "footage_id": [("evaluated_samples", "footage_id")],
        "variant_id": [("evaluated_samples", "variant_id")],
        "condition": [("evaluated_samples", "condition")],
        "caption": [("curated_clips", "caption")],
        "tokens": [("evaluated_samples", "blob_key")],
        "split": [("evaluated_samples", "clip_id")],
        "ingest_date": [("evaluated_samples", "ingest_date")],
    },
    "coverage_report": {
        "value": [("curated_clips", c) for c in ("time_of_day", "weather", "motion_level", "source_kind", "scene_type")],
        "clips": [("curated_clips", "clip_id")],
        "duration_s": [("curated_clips", "duration_s")],
    },
    "evaluation_summary": {
        "condition": [("evaluated_samples", "condition")],
        "backend": [("evaluated_samples", "backend")],
        "samples": [("evaluated_samples", "sample_id")],
        "passed": [("evaluated_samples", "passed")],
        "top_failure": [("evaluated_samples", "fail_reasons")],
    },
}
