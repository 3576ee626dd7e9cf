"""scenario_spec and transfer_plan: what coverage is wanted, and the recipes that close the gap."""
import collections

import dagster as dg
import pyarrow.compute as pc

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish, publish_snapshot, suite_check_spec
from resources.configurable import LakeResource, ScenarioResource, TransferResource
from resources.planner import SpecError, coverage, load_spec, plan_recipes, spec_rows


@dg.asset(
    group_name="factory",
    kinds={"delta", "yaml"},
    description="The scenario spec (a YAML file) as a table: target shares of conditions per scene type, "
    "and requests taken from failure logs.",
)
def scenario_spec(lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource) -> dg.MaterializeResult:
    try:
        spec = load_spec(scenario.path, transfer.engine.supports)
    except SpecError as err:
        raise dg.Failure(description=str(err)) from err
    pub = publish_snapshot(lake.lake, "scenario_spec", spec_rows(spec))
    return materialization(lake.lake, pub, spec=spec.name, spec_path=scenario.path)


@dg.asset(
    group_name="factory",
    deps=["curated_clips", "scenario_spec"],
    partitions_def=DAILY,
    check_specs=[suite_check_spec("transfer_plan")],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta"},
    description="The recipes that move coverage of all kept clips toward the scenario spec, placed on the "
    "partition's clips, each with the reason it was chosen. Recipes already planned are kept; conditions at "
    "target get none.",
)
def transfer_plan(context: dg.AssetExecutionContext, lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource) -> dg.MaterializeResult:
    store = lake.lake
    day = context.partition_key
    spec = load_spec(scenario.path, transfer.engine.supports)
    # Coverage is judged over every day's kept clips; the new recipes go on this day's clips.
    clips = store.read("curated_clips", ["clip_id", "status", "scene_type", "time_of_day", "weather", "source_kind", "ingest_date"])
    kept = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    existing = store.read("transfer_plan").to_pylist()
    todays = {c["clip_id"] for c in kept if c["ingest_date"] == day}
    new = plan_recipes(spec, kept, existing, transfer.engine.backend, eligible=todays)
    pub = publish(store, "transfer_plan", [dict(r, ingest_date=day) for r in new], into=Publication("transfer_plan"))
    plan = existing + new
    shares = {}
    for scene, targets in spec.targets.items():
        group = [c for c in kept if scene == "any" or c.get("scene_type") == scene]
        for cond, target in targets.items():
            showing, total = coverage(group, plan, cond)
            shares[f"{scene}/{cond}"] = {"planned_share": round(showing / max(1, total), 3), "target": target}
    context.log.info(f"planned {len(new)} new recipes on {len(todays)} of {len(kept)} kept clips")
    return materialization(
        store,
        pub,
        with_suite_check=True,
        partition=day,
        recipes_planned=len(new),
        recipes_by_condition=dg.MetadataValue.json(dict(collections.Counter(r["condition"] for r in new))),
        coverage_after_plan=dg.MetadataValue.json(shares),
    )
