"""lerobot_exports: every LeRobot v3 dataset the factory wrote, and what it was made from."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec

LEROBOT_EXPORTS = TableSpec(
    "lerobot_exports",
    "export_id",
    pa.schema(
        [
            ("export_id", pa.string()),  # sha256 of the day, the episodes and the Delta versions read
            ("uri", pa.string()),  # where the dataset is (a local folder or an s3:// prefix)
            ("codebase_version", pa.string()),  # v3.0
            ("episodes", pa.int64()),
            ("frames", pa.int64()),
            ("cameras", pa.list_(pa.string())),
            ("episode_ids", pa.list_(pa.string())),  # episodes rows, in the dataset's episode_index order (a variant names its original)
            ("augmented", pa.list_(pa.bool_())),  # per exported episode: a transferred variant (true) or an original
            ("source_versions", pa.string()),  # JSON: the Delta version of each table read
            ("exported_at", TIMESTAMP),
            ("ingest_date", pa.string()),
        ]
    ),
    "Every LeRobot v3 dataset written from the episodes table, pinned to the Delta versions it read.",
    partition_by="ingest_date",
)
