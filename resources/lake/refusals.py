"""What the rejects table holds, as a person reads it: per stage and reason code, how many rows
were refused, when, and one example reason and subject. The table is written by every stage's
commit; this is its report (the ``rejects`` asset), streamed in batches."""
from __future__ import annotations

import collections

from resources.lake.lake import Lake
from resources.lake.report import Records, Report, column_schema

COLUMNS = [("stage", "string"), ("reason_code", "string"), ("rows", "int"), ("last_rejected", "string"),
           ("example_reason", "string"), ("example_subject", "string")]  # its source file where it has one, else its id
_REASON_CHARS = 200  # an example reason is cut here: the table is a summary, the row holds it whole


def refusal_rows(lake: Lake) -> list[dict]:
    groups: dict[tuple[str, str], dict] = {}
    for batch in lake.iter_batches("rejects", ["stage", "reason_code", "reason", "subject_id", "source_uri", "rejected_at"], batch_size=1024):
        for r in batch.to_pylist():
            g = groups.setdefault((r["stage"], r["reason_code"]), {"rows": 0, "last": None, "reason": r["reason"], "subject": r["source_uri"] or r["subject_id"]})
            g["rows"] += 1
            if g["last"] is None or (r["rejected_at"] and r["rejected_at"] > g["last"]):
                g["last"] = r["rejected_at"]
    return [
        {"stage": stage, "reason_code": code, "rows": g["rows"], "last_rejected": g["last"].strftime("%Y-%m-%d %H:%M UTC") if g["last"] else "",
         "example_reason": (g["reason"] or "")[:_REASON_CHARS], "example_subject": g["subject"] or ""}
        for (stage, code), g in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[1]["rows"], kv[0][1]))
    ]


def rejects_report(lake: Lake) -> Report:
    rows = refusal_rows(lake)
    by_stage = collections.Counter()
    for r in rows:
        by_stage[r["stage"]] += r["rows"]
    dt = lake.delta_table("rejects")
    metadata = {
        "delta_version": dt.version() if dt is not None else -1,
        "dagster/row_count": sum(by_stage.values()),
        "dagster/uri": lake.table_uri("rejects"),
        "dagster/column_schema": column_schema("rejects"),
        "rejected_by_stage": Records([("stage", "string"), ("rows", "int")], [{"stage": s, "rows": n} for s, n in sorted(by_stage.items())]),
        "rejected_by_reason": Records(COLUMNS, rows),
    }
    return Report("rejects", metadata)
