"""transferred_variants on Spark: the plan's recipes rendered in parallel, one clip per row.

Each task runs ``resources.transfer.stage.transfer_clip`` - the in-process transfer engine,
whichever backend is set (procedural, or a Cosmos model on GPU executors, loaded once per
Python worker) - over the clips of its partition, in ``mapInArrow``. The driver reads the plan
once (so every clip gets its recipes in plan order, as in process) and commits clip by clip in
clip-id order, variants and refused recipes together, as the in-process asset does.

    python -m spark_jobs.transfer      # launched by the transferred_variants asset through Dagster Pipes
"""
from __future__ import annotations

import collections
import json

import pyarrow as pa

from resources.execution.spark_session import collect_arrow
from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import REJECTS, TRANSFERRED_VARIANTS
from resources.transfer.commit import VariantCommits
from resources.transfer.engine import Recipe
from resources.transfer.stage import STAGE, planned_recipes, transfer_clip
from spark_jobs.job import Job, batches, engine, map_schema, run

# A variant's row, or a refused recipe (variant columns null but clip_id, reject set).
RENDERED = pa.schema([f for f in TRANSFERRED_VARIANTS.schema if f.name != "ingest_date"] + [pa.field("reject", pa.struct(list(REJECTS.schema)))])


def renderer(lake_root: str, settings: dict, recipes, done, out: pa.Schema):
    """The mapInArrow function: kept clips in, their variants and refused recipes out."""

    def render(batches_in):
        lake = Lake(lake_root)
        transfer = engine("transfer", settings)
        for batch in batches_in:
            for clip in batch.to_pylist():
                todo = [Recipe(condition, json.loads(params), seed) for condition, params, seed in recipes.value[clip["clip_id"]]]
                rows, rejects = transfer_clip(lake, transfer, clip, todo, done.value)
                yield from batches(rows + [{"clip_id": clip["clip_id"], "reject": r} for r in rejects], out)

    return render


def render(job: Job) -> Report:
    from pyspark.sql import functions as F

    store, day = job.lake, job.day
    settings = job.extras["engines"]
    transfer = job.engines["transfer"]
    recipes, planned = planned_recipes(store, transfer.backend, day, job.version("transfer_plan"))
    done = set(store.read("transferred_variants", ["variant_id"], version=job.version("transferred_variants"), partition=day).column("variant_id").to_pylist())
    clips = job.read("curated_clips").where(F.col("status") == "kept").join(F.broadcast(job.keys_frame("clip_id", list(recipes))), "clip_id", "left_semi")
    clip_ids = sorted(r["clip_id"] for r in clips.select("clip_id").collect())
    out_rows: dict[str, tuple[list[dict], list[dict]]] = collections.defaultdict(lambda: ([], []))
    if clip_ids:
        struct, out = map_schema(RENDERED)
        sc = job.spark.sparkContext
        plan = sc.broadcast({cid: [(r.condition, r.params_json(), r.seed) for r in rs] for cid, rs in recipes.items()})
        job.log.info(f"rendering {planned} planned recipes on {len(clip_ids)} clips in {job.tasks(len(clip_ids))} tasks ({transfer.backend})")
        rendered = collect_arrow(clips.repartition(job.tasks(len(clip_ids))).mapInArrow(renderer(store.root, settings, plan, sc.broadcast(done), out), struct))
        for row in rendered.to_pylist():
            reject = row.pop("reject")
            variants, rejects = out_rows[row["clip_id"]]
            if reject:
                rejects.append(reject)
            else:
                variants.append(row)
    commits = VariantCommits(store, day, transfer, planned, job.log, len(clip_ids))
    for clip_id in clip_ids:
        commits.commit(*out_rows.get(clip_id, ([], [])))
    return commits.result()


def main() -> None:
    run(STAGE, render)


if __name__ == "__main__":
    main()
