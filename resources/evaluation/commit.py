"""Evaluation's commit: the day's new samples gated and committed in one commit, and the
partition's pass rates. Both executors (in process, spark_jobs/evaluation.py) commit through it."""
from __future__ import annotations

import collections

from resources.lake import Lake
from resources.lake.publish import Publication, publish
from resources.lake.report import Json, Report, report

TABLE = "evaluated_samples"


def commit_samples(store: Lake, day: str, rows: list[dict]) -> Report:
    pub = publish(store, TABLE, [dict(r, ingest_date=day) for r in rows], into=Publication(TABLE))
    table = store.read(TABLE, ["passed", "condition"], partition=day)
    passed = table.column("passed").to_pylist()
    by_condition = collections.defaultdict(lambda: [0, 0])
    for ok, cond in zip(passed, table.column("condition").to_pylist()):
        by_condition[cond][0] += int(ok)
        by_condition[cond][1] += 1
    return report(
        store,
        TABLE,
        pub,
        with_suite_check=True,
        partition=day,
        pass_rate=round(sum(passed) / max(1, len(passed)), 4),
        pass_rate_by_condition=Json({c: round(p / n, 4) for c, (p, n) in sorted(by_condition.items())}),
    )
