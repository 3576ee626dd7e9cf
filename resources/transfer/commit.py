"""Transfer's commits: one per clip (its variants and refused recipes together), in clip-id
order, and what the materialization reports. Both executors (in process,
spark_jobs/transfer.py) commit through it."""
from __future__ import annotations

from resources.lake import Lake
from resources.lake.publish import Publication, publish
from resources.lake.report import Plot, Report, report
from resources.media.contact_sheet import variant_sheet
from resources.stage_spec import Log
from resources.transfer.engine import TransferEngine

TABLE = "transferred_variants"


class VariantCommits:
    def __init__(self, store: Lake, day: str, engine: TransferEngine, planned: int, log: Log, total: int):
        self.store, self.day, self.engine, self.planned, self.log, self.total = store, day, engine, planned, log, total
        self.pub = Publication(TABLE)
        self.done = 0
        self.committed: set[str] = set()  # variant ids this materialization committed

    def commit(self, rows: list[dict], rejects: list[dict]) -> None:
        self.done += 1
        if rows or rejects:
            publish(self.store, TABLE, [dict(r, ingest_date=self.day) for r in rows], rejects, into=self.pub)
            self.committed.update(r["variant_id"] for r in rows)
            self.log.info(f"transferred clip {self.done}/{self.total}: {len(rows)} variants, {len(rejects)} recipes refused")

    def result(self) -> Report:
        store, day, committed = self.store, self.day, set(self.committed)
        # Rendered only when this materialization committed variants; a refresh with nothing
        # new reuses the last sheet. No sheet for a day without variants.
        sheet = (Plot("transferred variants beside their clips", bool(self.pub.versions), lambda: variant_sheet(store, day, committed))
                 if store.row_count(TABLE, day) else None)
        return report(
            store, TABLE, self.pub, with_suite_check=True, partition=day,
            backend=self.engine.backend, backend_version=self.engine.version, planned_recipes=self.planned,
            variant_contact_sheet=sheet,
        )
