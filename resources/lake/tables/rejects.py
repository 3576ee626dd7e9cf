"""rejects: everything refused on the way into a table, with a reason a person can read."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec, row_key

REJECTS = TableSpec(
    "rejects",
    "reject_id",
    pa.schema(
        [
            ("reject_id", pa.string()),
            ("stage", pa.string()),
            ("subject_id", pa.string()),
            ("source_uri", pa.string()),
            ("reason_code", pa.string()),
            ("reason", pa.string()),
            ("details", pa.string()),
            ("rejected_at", TIMESTAMP),
        ]
    ),
    "Everything refused on the way into a table, with a reason a person can read.",
    descriptions={
        "reject_id": "sha256 of the stage, the subject, the reason code and the rule: the same refusal is recorded once.",
        "stage": "The table the row was meant for (e.g. raw_footage, curated_clips, transferred_variants).",
        "subject_id": "What was refused: the key the row would have had (a footage, clip or variant id), or a hash of its source.",
        "source_uri": "Where the refused input came from (a landing-zone path, a log file, a clip id); null when unknown.",
        "reason_code": "The refusal as a code: the stage's (e.g. unreadable, still_image, recipe_failed) or the failed GX expectation.",
        "reason": "Why it was refused, in words a person can act on.",
        "details": "JSON: what else the stage recorded about the refusal (file name and size, recipe, failing values).",
        "rejected_at": "When it was refused (UTC).",
    },
)


def reject_row(
    stage: str, subject_id: str | None, reason_code: str, reason: str, source_uri: str | None = None, details: dict | None = None, rule: str = ""
) -> dict:
    """One rejection, keyed by (stage, subject, reason code, rule) so the same refusal is
    recorded once; ``rule`` tells apart two failures of one kind (not-null on two columns)."""
    return {
        "reject_id": row_key("reject", stage, subject_id, reason_code, rule),
        "stage": stage,
        "subject_id": subject_id,
        "source_uri": source_uri,
        "reason_code": reason_code,
        "reason": reason,
        "details": json.dumps(details or {}, sort_keys=True, default=str),
        "rejected_at": datetime.now(timezone.utc),
    }
