"""Planning's commits: the scenario spec as a snapshot table, and each day's new recipes."""
from __future__ import annotations

from typing import Any

from resources.lake import Lake
from resources.lake.publish import Publication, publish, publish_snapshot
from resources.lake.report import Report, report


def commit_spec(lake: Lake, rows: list[dict], **extra: Any) -> Report:
    return report(lake, "scenario_spec", publish_snapshot(lake, "scenario_spec", rows), **extra)


def commit_plan(lake: Lake, day: str, rows: list[dict], **extra: Any) -> Report:
    pub = publish(lake, "transfer_plan", [dict(r, ingest_date=day) for r in rows], into=Publication("transfer_plan"))
    return report(lake, "transfer_plan", pub, with_suite_check=True, partition=day, **extra)
