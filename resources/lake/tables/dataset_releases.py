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
            ("table_versions", pa.string()),  # JSON: table -> pinned Delta version
            ("row_counts", pa.string()),  # JSON: table -> rows at that version
            ("settings", pa.string()),  # JSON: resource -> settings (credentials left out)
            ("code_version", pa.string()),  # git commit, or the package version
        ]
    ),
    "Named, immutable dataset releases: the Delta version of each of the five tables, with settings and code version.",
)
