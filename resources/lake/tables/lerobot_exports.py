"""lerobot_exports: every LeRobot v3 dataset the factory wrote, and what it was made from."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TIMESTAMP, TableSpec

LEROBOT_EXPORTS = TableSpec(
    "lerobot_exports",
    "export_id",
    pa.schema(
        [
            ("export_id", pa.string()),
            ("uri", pa.string()),
            ("codebase_version", pa.string()),
            ("episodes", pa.int64()),
            ("frames", pa.int64()),
            ("cameras", pa.list_(pa.string())),
            ("episode_ids", pa.list_(pa.string())),
            ("augmented", pa.list_(pa.bool_())),
            ("source_versions", pa.string()),
            ("exported_at", TIMESTAMP),
            ("ingest_date", pa.string()),
        ]
    ),
    "Every LeRobot v3 dataset written from the episodes table, pinned to the Delta versions it read.",
    partition_by="ingest_date",
    descriptions={
        **shared("source_versions", "ingest_date"),
        "export_id": "sha256 of the dataset's location, the episodes exported and the Delta versions read.",
        "uri": "Where the dataset is: a local folder or an s3:// prefix.",
        "codebase_version": "The LeRobot dataset format version written: v3.0.",
        "episodes": "Number of episodes in the dataset.",
        "frames": "Number of frames over all its episodes.",
        "cameras": "The cameras exported, each a video feature observation.images.<camera>.",
        "episode_ids": "The episodes (`episodes.episode_id`) in the dataset's episode_index order; a variant names its original.",
        "augmented": "Per exported episode, in the same order: true for a transferred variant, false for an original.",
        "exported_at": "When the dataset was written (UTC).",
    },
)
