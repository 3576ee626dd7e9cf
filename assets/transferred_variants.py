"""transferred_variants: kept clips re-rendered under the recipes of the transfer plan."""
import collections

import dagster as dg
import pyarrow.compute as pc

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish
from resources.configurable import LakeResource, TransferResource
from resources.transfer import Recipe
from resources.transfer.stage import transfer_clip


@dg.asset(
    group_name="factory",
    deps=["transfer_plan", "curated_clips"],
    partitions_def=DAILY,
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    pool="gpu",
    kinds={"delta", "opencv"},
    description="Each planned recipe (condition, parameters, seed) rendered on its clip by the transfer backend; "
    "every row records the backend, its version and model, and the recipe. Geometry is kept so labels stay valid.",
)
def transferred_variants(context: dg.AssetExecutionContext, lake: LakeResource, transfer: TransferResource) -> dg.MaterializeResult:
    store = lake.lake
    day = context.partition_key
    engine = transfer.engine
    done = store.keys("transferred_variants", partition=day)
    plan = store.read("transfer_plan", partition=day)
    plan = plan.filter(pc.equal(plan.column("backend"), engine.backend)).to_pylist()
    recipes = collections.defaultdict(list)
    for p in plan:
        recipes[p["clip_id"]].append(Recipe(p["condition"], {}, p["seed"]))
    clips = store.read("curated_clips", partition=day)
    clips = [c for c in clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist() if c["clip_id"] in recipes]
    pub = Publication("transferred_variants")
    for i, clip in enumerate(sorted(clips, key=lambda c: c["clip_id"]), 1):
        rows, rejects = transfer_clip(store, engine, clip, recipes[clip["clip_id"]], done)
        if rows or rejects:
            publish(store, "transferred_variants", [dict(r, ingest_date=day) for r in rows], rejects, into=pub)
            context.log.info(f"transferred clip {i}/{len(clips)}: {len(rows)} variants, {len(rejects)} recipes refused")
    return materialization(store, pub, partition=day, backend=engine.backend, backend_version=engine.version, planned_recipes=len(plan))
