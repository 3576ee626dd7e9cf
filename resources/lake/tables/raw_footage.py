"""raw_footage: every landed video file once, with its probe."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec

RAW_FOOTAGE = TableSpec(
    "raw_footage",
    "footage_id",
    pa.schema(
        [
            ("footage_id", pa.string()),  # sha256 of the file's bytes (for a robot episode's camera: of episode, camera and bytes)
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
            ("episode_id", pa.string()),  # a robot episode's camera stream: the episode (null for other footage)
            ("camera", pa.string()),  # and which camera of its rig
            ("episode_blob_key", pa.string()),  # the episode's per-frame state, action and boxes (Parquet), shared by its cameras
            ("ingested_at", TIMESTAMP),
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Every landed video file once (keyed by the sha256 of its bytes), with its PyAV probe; a robot episode's "
    "camera streams are one row each, tied by episode_id.",
    partition_by="ingest_date",
)
