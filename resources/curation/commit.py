"""Curation's commits: one per footage (its clips, or its refusal), and what the
materialization reports. Both executors (in process, spark_jobs/curation.py) commit through it."""
from __future__ import annotations

import collections

import pyarrow.compute as pc

from resources.curation.coverage import length_histogram
from resources.curation.engine import CurationEngines
from resources.lake import Lake
from resources.lake.publish import Publication, publish
from resources.lake.report import Json, Plot, Report, report
from resources.lake.tables import reject_row
from resources.media.contact_sheet import clip_strip
from resources.stage_spec import Log

TABLE = "curated_clips"


class FootageCommits:
    """One commit per footage, in the order given, and the materialization's metadata."""

    def __init__(self, store: Lake, day: str, log: Log, total: int):
        self.store, self.day, self.log, self.total = store, day, log, total
        self.pub = Publication(TABLE)
        self.done = 0
        self.drops: collections.Counter[str] = collections.Counter()
        self.flags: collections.Counter[str] = collections.Counter()
        self.durations: list[float] = []
        self.kept: set[str] = set()  # clip ids this materialization kept

    def refuse(self, footage: dict, reason: str) -> None:
        self.done += 1
        reject = reject_row(TABLE, footage["footage_id"], "decode_error", reason, footage["source_uri"])
        publish(self.store, TABLE, [], [reject], into=self.pub)
        self.log.warning(f"curation of {footage['file_name']} refused: {reason}")

    def commit(self, footage: dict, rows: list[dict]) -> None:
        # One commit per footage: a run stopped halfway keeps what it finished, and the rerun
        # resumes with the footage it had not reached.
        self.done += 1
        publish(self.store, TABLE, [dict(r, ingest_date=self.day) for r in rows], into=self.pub)
        self.drops.update(r["drop_reason"].split(":")[0].split(" (")[0] for r in rows if r["drop_reason"])
        self.flags.update(f for r in rows for f in r["flags"])
        self.durations += [r["duration_s"] for r in rows]
        kept = sum(r["status"] == "kept" for r in rows)
        self.kept.update(r["clip_id"] for r in rows if r["status"] == "kept")
        self.log.info(f"curated footage {self.done}/{self.total} ({footage['file_name']}): {len(rows)} clips, {kept} kept")

    def result(self, engines: CurationEngines) -> Report:
        status = self.store.read(TABLE, ["status", "duration_s"], partition=self.day)
        kept_total = pc.sum(pc.equal(status.column("status"), "kept")).as_py() or 0
        store, day, kept = self.store, self.day, set(self.kept)
        # Rendered only when this materialization committed clips; a refresh with nothing new
        # reuses the last strip. No strip for a day that kept no clip.
        strip = Plot("kept clips, middle frame of each", bool(self.pub.versions), lambda: clip_strip(store, day, kept)) if kept_total else None
        return report(
            self.store,
            TABLE,
            self.pub,
            with_suite_check=True,
            partition=self.day,
            footage_curated=self.total,
            clips_kept=kept_total,
            clip_length_histogram=length_histogram(status.column("duration_s").to_pylist()),
            clip_length_histogram_this_run=length_histogram(self.durations),
            drop_reasons=Json(dict(self.drops)),
            filter_flags=Json(dict(self.flags)),
            embedder=engines.embedder.embedder_id,
            captioner=engines.captioner.captioner_id,
            clip_thumbnails=strip,
        )
