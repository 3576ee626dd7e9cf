"""Evaluation's commit: the day's new samples gated and committed in one commit, and what the
partition's samples say: pass counts per condition and backend, and the checks that failed.
Both executors (in process, spark_jobs/evaluation.py) commit through it."""
from __future__ import annotations

from resources.evaluation.failures import Tally
from resources.lake import Lake
from resources.lake.publish import Publication, publish
from resources.lake.report import Report, report

TABLE = "evaluated_samples"


def commit_samples(store: Lake, day: str, rows: list[dict]) -> Report:
    pub = publish(store, TABLE, [dict(r, ingest_date=day) for r in rows], into=Publication(TABLE))
    tally = Tally()
    for batch in store.iter_batches(TABLE, ["sample_id", "condition", "backend", "passed", "checks"], partition=day, batch_size=512):
        tally.add_all(batch.to_pylist())
    passed = sum(g[1] for g in tally.groups.values())
    return report(
        store,
        TABLE,
        pub,
        with_suite_check=True,
        partition=day,
        pass_rate=round(passed / max(1, tally.samples), 4),
        samples_passed=f"{passed}/{tally.samples}",
        outcomes=tally.outcomes(),
        failing_checks=tally.failing_checks(),
    )
