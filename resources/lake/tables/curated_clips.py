"""curated_clips: the shots cut from raw footage, kept or dropped with the reason."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TableSpec

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
            ("is_vfr", pa.bool_()),  # from its footage: a VFR clip keeps the source's own frame times
            ("status", pa.string()),  # kept | dropped
            ("drop_reason", pa.string()),
            ("flags", pa.list_(pa.string())),  # filters failed (dropping or score-only); "retimed": the source's timestamps were off, frames timed i / fps
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
            ("episode_id", pa.string()),  # a robot episode's camera: its windows are cut at the same frames on every camera
            ("camera", pa.string()),
            ("curator_version", pa.string()),
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Shots cut from raw footage, scored, filtered and deduplicated; kept clips as H.264 MP4.",
    partition_by="ingest_date",
)
