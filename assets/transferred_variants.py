"""transferred_variants: kept clips re-rendered under the recipes of the transfer plan."""
import dagster as dg

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish, suite_check_spec
from resources.configurable import EXECUTOR, ExecutionResource, LakeResource, TransferResource
from resources.execution import job_extras, launch
from resources.lake import Lake
from resources.transfer.base import TransferEngine
from resources.transfer.stage import transfer_clip
from resources.transfer_plan_inputs import planned_clips, planned_recipes

INPUTS = ["transfer_plan", "curated_clips", "transferred_variants"]


@dg.asset(
    group_name="factory",
    deps=["transfer_plan", "curated_clips"],
    partitions_def=DAILY,
    check_specs=[suite_check_spec("transferred_variants")],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    pool="gpu",
    kinds={"delta", "opencv"},
    resource_defs={"executor": EXECUTOR},
    description="Each planned recipe (condition, parameters, seed) rendered on its clip by the transfer backend; "
    "every row records the backend, its version and model, and the recipe. Geometry is kept so labels stay valid.",
)
def transferred_variants(context: dg.AssetExecutionContext, lake: LakeResource, transfer: TransferResource, executor: ExecutionResource) -> dg.MaterializeResult:
    store = lake.lake
    if (settings := executor.settings()).on_spark:  # spark_jobs/transfer.py
        return launch(context, settings, "transferred_variants", job_extras(store.root, {"transfer": transfer}, INPUTS, {t: store.version(t) for t in INPUTS}))
    day = context.partition_key
    engine = transfer.engine
    done = store.keys("transferred_variants", partition=day)
    recipes, planned = planned_recipes(store, engine.backend, day)
    clips = planned_clips(store, day, recipes)
    commits = VariantCommits(store, day, engine, planned, context.log, len(clips))
    for clip in clips:
        commits.commit(*transfer_clip(store, engine, clip, recipes[clip["clip_id"]], done))
    return commits.result()


class VariantCommits:
    """One commit per clip (its variants and refused recipes), in clip-id order, and the
    materialization's metadata: what both executors (in-process and spark_jobs/transfer.py)
    do with each clip's rows."""

    def __init__(self, store: Lake, day: str, engine: TransferEngine, planned: int, log, total: int):
        self.store, self.day, self.engine, self.planned, self.log, self.total = store, day, engine, planned, log, total
        self.pub = Publication("transferred_variants")
        self.done = 0

    def commit(self, rows: list[dict], rejects: list[dict]) -> None:
        self.done += 1
        if rows or rejects:
            publish(self.store, "transferred_variants", [dict(r, ingest_date=self.day) for r in rows], rejects, into=self.pub)
            self.log.info(f"transferred clip {self.done}/{self.total}: {len(rows)} variants, {len(rejects)} recipes refused")

    def result(self) -> dg.MaterializeResult:
        return materialization(self.store, self.pub, with_suite_check=True, partition=self.day, backend=self.engine.backend, backend_version=self.engine.version, planned_recipes=self.planned)
