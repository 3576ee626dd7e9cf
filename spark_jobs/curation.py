"""curated_clips on Spark: the day's footage curated in parallel, one footage per task.

Each task runs ``resources.curation.stage.scan_footage`` - the in-process curator, embedder and
captioner over one footage - in ``mapInArrow``. Dedup cannot run there: a clip is a duplicate
of the first clip like it *kept before it*, in footage-id order, and that order is sequential
by nature. So the driver decides it, with the same ``KeptIndex`` (the table's kept clips at the
pinned version) and the same ``decide``, footage by footage in footage-id order, clip by clip
in clip order, and commits each footage as the in-process asset does. The table is the same;
the one cost is that a clip the driver finds to be a duplicate already had its blob stored
(an unreferenced blob, which the maintenance job removes after its retention).

    python -m spark_jobs.curation      # launched by the curated_clips asset through Dagster Pipes
"""
from __future__ import annotations

import collections

import pyarrow as pa
from pyspark.sql import functions as F

from resources.curation.commit import FootageCommits
from resources.curation.dedup import KeptIndex, dedup_footage
from resources.curation.engine import CurationEngines
from resources.curation.stage import (
    STAGE,
    decode_refusal,
    finished_footage,
    scan_footage,
)
from resources.engines import Engines
from resources.execution.spark_session import collect_arrow
from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import CURATED_CLIPS
from resources.media.codec import FootageError
from spark_jobs.job import Job, batches, map_schema, run

# A scanned clip's row, or a footage refused while decoding (clip_id null, refusal set).
SCANNED = pa.schema([f for f in CURATED_CLIPS.schema if f.name != "ingest_date"] + [pa.field("refusal", pa.string())])


def scanner(lake_root: str, settings: dict, out: pa.Schema):
    """The mapInArrow function: raw_footage rows in, scanned clip rows out."""

    def scan(batches_in):
        import av

        lake = Lake(lake_root)
        engines = CurationEngines.of(Engines(settings))  # built once per worker process
        for batch in batches_in:
            for footage in batch.to_pylist():
                try:
                    rows = scan_footage(lake, engines, footage)
                except (av.FFmpegError, FootageError) as exc:
                    rows = [{"footage_id": footage["footage_id"], "refusal": decode_refusal(exc)}]
                yield from batches(rows, out)

    return scan


def curate(job: Job) -> Report:
    store, day = job.lake, job.day
    settings = job.extras["engines"]
    engines = CurationEngines.of(job.engines)
    done = finished_footage(store, day, job.version("curated_clips"), job.version("rejects"))
    footage = job.read("raw_footage")
    if done:
        footage = footage.join(F.broadcast(job.keys_frame("footage_id", done)), "footage_id", "left_anti")
    pending = sorted(collect_arrow(footage).to_pylist(), key=lambda r: r["footage_id"])
    struct, out = map_schema(SCANNED)
    scanned: dict[str, list[dict]] = collections.defaultdict(list)
    if pending:
        job.log.info(f"curating {len(pending)} footage in {job.tasks(len(pending))} tasks")
        result = collect_arrow(footage.repartition(job.tasks(len(pending))).mapInArrow(scanner(store.root, settings, out), struct))
        for row in result.to_pylist():
            scanned[row["footage_id"]].append(row)
    # The driver: dedup in footage-id order against the clips kept before, one commit per footage.
    kept = KeptIndex.from_table(store, engines.embedder.embedder_id, version=job.version("curated_clips"))
    commits = FootageCommits(store, day, job.log, len(pending))
    for f in pending:
        rows = scanned.get(f["footage_id"], [])
        refusal = next((r["refusal"] for r in rows if r["refusal"]), None)
        if refusal:
            commits.refuse(f, refusal)
            continue
        commits.commit(f, dedup_footage(engines, kept, [{k: v for k, v in r.items() if k != "refusal"} for r in rows]))
    return commits.result(engines)


def main() -> None:
    run(STAGE, curate)


if __name__ == "__main__":
    main()
