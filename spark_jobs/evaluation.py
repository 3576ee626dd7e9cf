"""evaluated_samples on Spark: every kept clip and its variants scored in parallel, one clip per row.

Each task runs ``resources.evaluation.stage.evaluate_clip`` - the in-process evaluator - over the
clips of its partition (the clip's source decoded once, each variant scored against it), in
``mapInArrow``; the day's variants per clip (ids and blob keys, read by the driver at the
pinned version with the in-process helper) are broadcast. A sample is scored on its own, so the order of clips does not matter; the
driver gates and commits the day's new samples in one commit, as the in-process asset does.

    python -m spark_jobs.evaluation      # launched by the evaluated_samples asset through Dagster Pipes
"""
from __future__ import annotations

import pyarrow as pa

from resources.evaluation.commit import commit_samples
from resources.evaluation.stage import STAGE, evaluate_clip, variants_by_clip
from resources.execution.spark_session import collect_arrow
from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import EVALUATED_SAMPLES
from spark_jobs.job import Job, batches, engine, map_schema, run

SAMPLES = pa.schema([f for f in EVALUATED_SAMPLES.schema if f.name != "ingest_date"])


def scorer(lake_root: str, settings: dict, variants, done, out: pa.Schema):
    """The mapInArrow function: kept clips in, sample rows (the clip's and its variants') out."""

    def score(batches_in):
        lake = Lake(lake_root)
        evaluator = engine("evaluator", settings)
        for batch in batches_in:
            for clip in batch.to_pylist():
                yield from batches(evaluate_clip(lake, evaluator, clip, variants.value.get(clip["clip_id"], []), done.value), out)

    return score


def evaluate(job: Job) -> Report:
    from pyspark.sql import functions as F

    store, day = job.lake, job.day
    clips = job.read("curated_clips").where(F.col("status") == "kept")
    # Small (ids and blob keys) next to the clips' video: every task gets all of it.
    variants = variants_by_clip(store, day, job.version("transferred_variants"))
    done = set(store.read("evaluated_samples", ["sample_id"], version=job.version("evaluated_samples"), partition=day).column("sample_id").to_pylist())
    count = clips.count()
    struct, out = map_schema(SAMPLES)
    rows: list[dict] = []
    if count:
        job.log.info(f"evaluating {count} clips in {job.tasks(count)} tasks ({len(done)} samples already evaluated)")
        sc = job.spark.sparkContext
        scored = clips.repartition(job.tasks(count)).mapInArrow(scorer(store.root, job.extras["engines"], sc.broadcast(dict(variants)), sc.broadcast(done), out), struct)
        rows = collect_arrow(scored).to_pylist()
    return commit_samples(store, day, rows)


def main() -> None:
    run(STAGE, evaluate)


if __name__ == "__main__":
    main()
