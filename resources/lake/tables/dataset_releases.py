"""dataset_releases: named, immutable pins of the tables' Delta versions."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec

DATASET_RELEASES = TableSpec(
    "dataset_releases",
    "release_name",
    pa.schema(
        [
            ("release_name", pa.string()),
            ("description", pa.string()),
            ("created_at", TIMESTAMP),
            ("table_versions", pa.string()),
            ("row_counts", pa.string()),
            ("settings", pa.string()),
            ("code_version", pa.string()),
        ]
    ),
    "Named, immutable dataset releases: the Delta version of each of the five tables, with settings and code version.",
    descriptions={
        "release_name": "The release's name, unique: a release is never changed once pinned.",
        "description": "What the release is for, as its author wrote it (may be empty).",
        "created_at": "When the release was pinned (UTC).",
        "table_versions": "JSON: released table -> the Delta version pinned (time travel reads the table as it was).",
        "row_counts": "JSON: released table -> its row count at that version.",
        "settings": "JSON: resource -> the settings the factory ran with (credentials left out).",
        "code_version": "The code that made the release: git:<commit> (-dirty for local edits) or package:<version>.",
    },
)
