"""Column lineage: which upstream columns each derived column comes from."""
from __future__ import annotations

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
        "not_measured": [("evaluated_samples", "checks")],
        "not_measured_by_check": [("evaluated_samples", "checks")],
    },
}
