"""Kept clips and the scenario spec -> transfer_plan rows: the recipes that move coverage of
every day's kept clips toward the spec, placed on one day's clips."""
from __future__ import annotations

import collections
from collections.abc import Callable

import pyarrow.compute as pc

from resources.lake import Lake
from resources.lake.report import Plot, Records, Report
from resources.planning.charts import target_png
from resources.planning.commit import commit_plan, commit_spec
from resources.planning.engine import Draw, Outcome, Outcomes, Spec, coverage, plan_recipes, spec_rows
from resources.planning.failure_modes import commit_coverage, coverage_rows, failure_requests, logged_failures, modes
from resources.planning.views import fan_out, split_views, window_outcomes
from resources.stage_spec import Log

CLIP_COLUMNS = ["clip_id", "status", "scene_type", "time_of_day", "weather", "source_kind", "ingest_date", "episode_id", "camera",
                "start_frame", "end_frame"]


def publish_spec(lake: Lake, spec: Spec, path: str) -> Report:
    """The scenario spec as a table (recomputed whole; an unchanged spec commits nothing)."""
    return commit_spec(lake, spec_rows(spec), spec=spec.name, spec_path=path)


def outcomes(lake: Lake, plan: list[dict]) -> Outcomes:
    """Each evaluated plan row's outcome: its variant accepted, or rejected with the first reason.

    The planner reads the verdicts of earlier runs without declaring evaluated_samples a
    dependency: the asset graph has no cycles, so a retry round is a later run of the day
    (the retry sensor requests it; docs/operations.md)."""
    variants = lake.read("transferred_variants", ["variant_id", "clip_id", "condition", "seed", "backend"]).to_pylist()
    samples = lake.read("evaluated_samples", ["variant_id", "passed", "fail_reasons", "sample_kind"])
    samples = samples.filter(pc.equal(samples.column("sample_kind"), "variant")).to_pylist()
    verdicts = {s["variant_id"]: s for s in samples}
    by_recipe: dict[tuple, list[dict]] = collections.defaultdict(list)
    for v in variants:
        if v["variant_id"] in verdicts:
            by_recipe[(v["clip_id"], v["condition"], v["seed"], v["backend"])].append(verdicts[v["variant_id"]])
    out: Outcomes = {}
    for p in plan:
        judged = by_recipe.get((p["clip_id"], p["condition"], p["seed"], p["backend"]))
        if judged:
            accepted = any(s["passed"] for s in judged)
            reasons = [r for s in judged for r in (s["fail_reasons"] or [])]
            out[p["plan_id"]] = Outcome(accepted, "" if accepted else (reasons[0] if reasons else "rejected"))
    return out


COVERAGE_COLUMNS = [("scene_type", "string"), ("condition", "string"), ("samples_showing", "int"), ("samples", "int"),
                    ("planned_share", "float"), ("target", "float"), ("short_by", "float")]


def coverage_after(spec: Spec, kept: list[dict], plan: list[dict], judged: Outcomes | None = None) -> list[dict]:
    """Per scene type and condition of the spec: how many samples (kept clips, accepted and
    pending variants) are planned to show it, their share, the target and how far short it is."""
    rows = []
    for scene, targets in spec.targets.items():
        group = [c for c in kept if scene == "any" or c.get("scene_type") == scene]
        for cond, target in targets.items():
            showing, total = coverage(group, plan, cond, judged)
            share = round(showing / max(1, total), 3)
            rows.append({"scene_type": scene, "condition": cond, "samples_showing": showing, "samples": total, "planned_share": share,
                         "target": target, "short_by": round(max(0.0, target - share), 3)})
    return rows


def plan_day(
    lake: Lake, spec: Spec, backend: str, day: str, log: Log, draw: Draw | None = None, retry_budget: int = 0, retry: bool = False,
    supports: Callable[[str], bool] = lambda condition: True,
) -> Report:
    """Plan the recipes of ``day``: coverage is judged over every day's kept clips, in accepted
    and pending samples; the new recipes go on this day's clips; recipes already planned are kept.

    The day's own verdicts count only in a retry round (``retry``), which also retries the day's
    rejected recipes within ``retry_budget`` per clip. Outside one, a rerun of the day sees the
    same inputs as its first run did (other days' verdicts), so it plans nothing new.

    The failure log's modes up to ``day`` are planned as requests, those whose condition the
    backend ``supports`` (resources/planning/failure_modes.py)."""
    kept, others, existing, every_row = _inputs(lake)
    judged = window_outcomes(every_row, outcomes(lake, every_row if retry else [p for p in every_row if p["ingest_date"] != day]))
    todays = {c["clip_id"] for c in kept if c["ingest_date"] == day}
    asked = failure_requests(modes(logged_failures(lake, day), spec), supports)
    new = plan_recipes(spec, kept, existing, backend, eligible=todays, outcomes=judged, draw=draw, retry_budget=retry_budget if retry else 0,
                       requests=asked)
    new += fan_out(new, others, every_row)
    retries = sum(1 for r in new if r["retry_of"])
    answering = sum(1 for r in new if r["failure_mode"] and not r["view_of"])
    log.info(f"planned {len(new)} new recipes ({retries} retries of rejected ones, {answering} answering {len(asked)} failure modes) "
             f"on {len(todays)} of {len(kept)} kept clips")
    after = coverage_after(spec, kept, existing + new, judged)
    return commit_plan(
        lake,
        day,
        new,
        recipes_planned=len(new),
        retries_planned=retries,
        recipes_for_failure_modes=answering,
        variants_rejected_so_far=sum(1 for o in judged.values() if not o.accepted),
        recipes_by_condition=Records([("condition", "string"), ("recipes", "int")],
                                     [{"condition": c, "recipes": n} for c, n in sorted(collections.Counter(r["condition"] for r in new).items())]),
        coverage_after_plan=Records(COVERAGE_COLUMNS, after),
        coverage_plot=Plot("coverage after the plan against the targets", bool(new), lambda: target_png(after)) if after else None,
    )


def retries_due(lake: Lake, spec: Spec, backend: str, day: str, retry_budget: int) -> list[str]:
    """The plan_ids of the rejected recipes of ``day`` that a plan made now would try again
    (commits nothing): the identity of the next retry round."""
    if retry_budget <= 0:
        return []
    kept, _, existing, every_row = _inputs(lake)
    todays = {c["clip_id"] for c in kept if c["ingest_date"] == day}
    judged = window_outcomes(every_row, outcomes(lake, every_row))
    if not any(not o.accepted for pid, o in judged.items() if pid in {p["plan_id"] for p in existing if p["clip_id"] in todays}):
        return []
    new = plan_recipes(spec, kept, existing, backend, eligible=todays, outcomes=judged, retry_budget=retry_budget)
    return sorted(r["retry_of"] for r in new if r["retry_of"])


def failure_coverage(lake: Lake, spec: Spec, supports: Callable[[str], bool]) -> Report:
    """The failure_coverage table: every failure mode logged so far, how far it is closed."""
    kept, _, existing, every_row = _inputs(lake)
    judged = window_outcomes(every_row, outcomes(lake, every_row))
    return commit_coverage(lake, coverage_rows(modes(logged_failures(lake), spec), existing, judged, kept, supports))


def _inputs(lake: Lake) -> tuple[list[dict], dict[str, list[dict]], list[dict], list[dict]]:
    """(the kept clips the planner plans on, lead clip -> the other views of its window, the
    plan rows it plans with (no fanned-out view rows), every plan row)."""
    clips = lake.read("curated_clips", CLIP_COLUMNS)
    clips = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    # A robot clip's task is its episode's: the family (pick_place) and the instruction both match.
    tasks = {e["episode_id"]: [e["task_family"], e["task"]] for e in lake.read("episodes", ["episode_id", "task", "task_family"]).to_pylist()}
    kept, others = split_views([dict(c, task=tasks.get(c["episode_id"])) for c in clips])
    every_row = lake.read("transfer_plan").to_pylist()
    return kept, others, [p for p in every_row if not p.get("view_of")], every_row
