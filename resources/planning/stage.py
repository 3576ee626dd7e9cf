"""Kept clips and the scenario spec -> transfer_plan rows: the recipes that move coverage of
every day's kept clips toward the spec, placed on one day's clips."""
from __future__ import annotations

import collections

import pyarrow.compute as pc

from resources.lake import Lake
from resources.lake.report import Json, Report
from resources.planning.commit import commit_plan, commit_spec
from resources.planning.engine import Spec, coverage, plan_recipes, spec_rows
from resources.stage_spec import Log

CLIP_COLUMNS = ["clip_id", "status", "scene_type", "time_of_day", "weather", "source_kind", "ingest_date"]


def publish_spec(lake: Lake, spec: Spec, path: str) -> Report:
    """The scenario spec as a table (recomputed whole; an unchanged spec commits nothing)."""
    return commit_spec(lake, spec_rows(spec), spec=spec.name, spec_path=path)


def coverage_after(spec: Spec, kept: list[dict], plan: list[dict]) -> dict[str, dict]:
    """Per scene type and condition of the spec: the share of kept clips planned to show it, and the target."""
    shares = {}
    for scene, targets in spec.targets.items():
        group = [c for c in kept if scene == "any" or c.get("scene_type") == scene]
        for cond, target in targets.items():
            showing, total = coverage(group, plan, cond)
            shares[f"{scene}/{cond}"] = {"planned_share": round(showing / max(1, total), 3), "target": target}
    return shares


def plan_day(lake: Lake, spec: Spec, backend: str, day: str, log: Log) -> Report:
    """Plan the recipes of ``day``: coverage is judged over every day's kept clips, the new
    recipes go on this day's clips; recipes already planned are kept."""
    clips = lake.read("curated_clips", CLIP_COLUMNS)
    kept = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    existing = lake.read("transfer_plan").to_pylist()
    todays = {c["clip_id"] for c in kept if c["ingest_date"] == day}
    new = plan_recipes(spec, kept, existing, backend, eligible=todays)
    log.info(f"planned {len(new)} new recipes on {len(todays)} of {len(kept)} kept clips")
    return commit_plan(
        lake,
        day,
        new,
        recipes_planned=len(new),
        recipes_by_condition=Json(dict(collections.Counter(r["condition"] for r in new))),
        coverage_after_plan=Json(coverage_after(spec, kept, existing + new)),
    )
