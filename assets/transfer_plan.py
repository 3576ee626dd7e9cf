"""scenario_spec and transfer_plan: what coverage is wanted, and the recipes that close the gap."""
import collections

import dagster as dg
import pyarrow.compute as pc

from assets.publish import Publication, materialization, publish, publish_snapshot
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
    kinds={"delta"},
    description="The recipes that move coverage of the kept clips toward the scenario spec, each with the "
    "reason it was chosen. Recipes already planned are kept; conditions at target get none.",
)
def transfer_plan(context: dg.AssetExecutionContext, lake: LakeResource, scenario: ScenarioResource, transfer: TransferResource) -> dg.MaterializeResult:
    store = lake.lake
    spec = load_spec(scenario.path, transfer.engine.supports)
    clips = store.read("curated_clips", ["clip_id", "status", "scene_type", "time_of_day", "weather", "source_kind"])
    kept = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    existing = store.read("transfer_plan").to_pylist()
    new = plan_recipes(spec, kept, existing, transfer.engine.backend)
    pub = publish(store, "transfer_plan", new, into=Publication("transfer_plan"))
    plan = existing + new
    shares = {}
    for scene, targets in spec.targets.items():
        group = [c for c in kept if scene == "any" or c.get("scene_type") == scene]
        for cond, target in targets.items():
            showing, total = coverage(group, plan, cond)
            shares[f"{scene}/{cond}"] = {"planned_share": round(showing / max(1, total), 3), "target": target}
    context.log.info(f"planned {len(new)} new recipes over {len(kept)} kept clips")
    return materialization(
        store,
        pub,
        recipes_planned=len(new),
        recipes_by_condition=dg.MetadataValue.json(dict(collections.Counter(r["condition"] for r in new))),
        coverage_after_plan=dg.MetadataValue.json(shares),
    )
