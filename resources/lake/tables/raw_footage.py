"""raw_footage: every landed video file once, with its probe."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TIMESTAMP, TableSpec

RAW_FOOTAGE = TableSpec(
    "raw_footage",
    "footage_id",
    pa.schema(
        [
            ("footage_id", pa.string()),
            ("source_kind", pa.string()),
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
            ("sim_params", pa.string()),
            ("depth_blob_key", pa.string()),
            ("seg_blob_key", pa.string()),
            ("episode_id", pa.string()),
            ("camera", pa.string()),
            ("episode_blob_key", pa.string()),
            ("ingested_at", TIMESTAMP),
            ("ingest_date", pa.string()),
        ]
    ),
    "Every landed video file once (keyed by the sha256 of its bytes), with its PyAV probe; a robot episode's "
    "camera streams are one row each, tied by episode_id.",
    partition_by="ingest_date",
    descriptions={
        **shared("source_kind", "size_bytes", "width", "height", "fps", "is_vfr", "sim_params", "episode_id", "camera", "ingest_date"),
        "footage_id": "sha256 of the file's bytes (for a robot episode's camera: of the episode, the camera and the bytes).",
        "source_uri": "Where the file came from: its path in the landing zone, sim://<sim_scene_id> for a simulated "
                      "scene, or the video of a robot episode's camera.",
        "file_name": "The file's name as it landed.",
        "blob_key": "The file's bytes, unchanged, in the content-addressed blob store (blobs/<sha[:2]>/<sha>.<ext>).",
        "container": "The container format as FFmpeg names it (e.g. mov,mp4,m4a,3gp,3g2,mj2 or matroska,webm).",
        "codec": "The video stream's codec (e.g. h264, hevc, av1).",
        "frame_count": "Number of video frames that carry data (a variable-rate file's padding is not counted).",
        "duration_s": "Duration of the video stream in seconds.",
        "sim_scene_id": "sha256 of the simulated scene's parameters; null for real footage.",
        "depth_blob_key": "The simulator's per-frame depth ground truth (npz, metres, T x H x W); null for real footage.",
        "seg_blob_key": "The simulator's per-frame segmentation ground truth (npz, object id per pixel, T x H x W); null for real footage.",
        "episode_blob_key": "The episode's per-frame state, action and 2-D boxes (Parquet), shared by its cameras; "
                            "null for footage of no episode.",
        "ingested_at": "When the file was ingested (UTC).",
    },
)
