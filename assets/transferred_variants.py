"""transferred_variants: kept clips re-rendered under new conditions by a transfer backend."""
import dagster as dg
import pyarrow.compute as pc

from assets.publish import Publication, materialization, publish
from resources.configurable import LakeResource, TransferResource
from resources.transfer.stage import transfer_clip


@dg.asset(
    group_name="factory",
    deps=["curated_clips"],
    kinds={"delta", "opencv"},
    description="Each kept clip re-rendered under each recipe (condition, parameters, seed); every row "
    "records the backend, its version and model, and the recipe. Geometry is kept so labels stay valid.",
)
def transferred_variants(context: dg.AssetExecutionContext, lake: LakeResource, transfer: TransferResource) -> dg.MaterializeResult:
    store = lake.lake
    engine, recipes = transfer.engine, transfer.recipes()
    done = store.keys("transferred_variants")
    clips = store.read("curated_clips")
    clips = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    pub = Publication("transferred_variants")
    for i, clip in enumerate(clips, 1):
        rows, rejects = transfer_clip(store, engine, clip, recipes, done)
        if rows or rejects:
            publish(store, "transferred_variants", rows, rejects, into=pub)
            context.log.info(f"transferred clip {i}/{len(clips)}: {len(rows)} variants, {len(rejects)} recipes refused")
    return materialization(
        store, pub, backend=engine.backend, backend_version=engine.version, conditions=", ".join(r.condition for r in recipes)
    )
