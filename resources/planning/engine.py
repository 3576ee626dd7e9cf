"""Coverage-driven transfer: plan the recipes that close the gap between what the kept clips
cover and what the scenario spec asks for, instead of every condition on every clip."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from resources.lake.tables import row_key

# Conditions a clip can show by itself, and the measured column that tells.
_MEASURED = {"night": ("time_of_day", "night"), "dusk": ("time_of_day", "dusk"), "fog": ("weather", "fog"), "rain": ("weather", "rain"), "snow": ("weather", "snow")}


class SpecError(ValueError):
    """A scenario spec that cannot be planned from, with the reason."""


# Accepted samples one logged failure asks for, by severity, and the most one mode asks for.
SAMPLES_PER_FAILURE = {"low": 1, "medium": 2, "high": 3, "critical": 4}
MAX_SAMPLES_PER_MODE = 12


@dataclass(frozen=True)
class Spec:
    name: str
    targets: dict[str, dict[str, float]]  # scene_type (or "any") -> condition -> share
    requests: list[dict]  # {name, match: {column: value}, condition, clips}
    samples_per_failure: dict[str, int] = field(default_factory=lambda: dict(SAMPLES_PER_FAILURE))
    max_samples_per_mode: int = MAX_SAMPLES_PER_MODE


def load_spec(path: str | Path, supports: Callable[[str], bool]) -> Spec:
    """Read and check a YAML spec: shares in (0, 1) summing below 1, conditions the backend renders."""
    raw = yaml.safe_load(Path(path).read_text()) or {}
    if "name" not in raw:
        raise SpecError(f"{path}: a spec needs a name")
    targets: dict[str, dict[str, float]] = {}
    for t in raw.get("targets", []):
        shares = {str(c): float(v) for c, v in (t.get("conditions") or {}).items()}
        if any(not 0 < v < 1 for v in shares.values()) or sum(shares.values()) >= 1:
            raise SpecError(f"{path}: shares for {t.get('scene_type', 'any')} must each be in (0, 1) and sum below 1, not {shares}")
        targets[str(t.get("scene_type", "any"))] = shares
    requests = []
    for r in raw.get("requests", []):
        if not {"name", "condition", "clips"} <= set(r):
            raise SpecError(f"{path}: a request needs name, condition and clips: {r}")
        requests.append({"name": str(r["name"]), "match": dict(r.get("match") or {}), "condition": str(r["condition"]), "clips": int(r["clips"])})
    wanted = {c for shares in targets.values() for c in shares} | {r["condition"] for r in requests}
    unknown = sorted(c for c in wanted if not supports(c))
    if unknown:
        raise SpecError(f"{path}: the transfer backend cannot render {unknown}")
    failures = raw.get("failure_logs") or {}
    per = {**SAMPLES_PER_FAILURE, **{str(k): v for k, v in (failures.get("samples_per_failure") or {}).items()}}
    cap = failures.get("max_samples_per_mode", MAX_SAMPLES_PER_MODE)
    if set(per) != set(SAMPLES_PER_FAILURE) or any(not isinstance(v, int) or v < 0 for v in [*per.values(), cap]):
        raise SpecError(f"{path}: failure_logs takes samples_per_failure (whole numbers for {', '.join(SAMPLES_PER_FAILURE)}) "
                        f"and max_samples_per_mode, not {failures}")
    return Spec(str(raw["name"]), targets, requests, per, int(cap))


def spec_rows(spec: Spec) -> list[dict]:
    rows = [
        {"entry_id": row_key("target", spec.name, scene, cond), "spec_name": spec.name, "kind": "target", "name": None,
         "scene_type": scene, "condition": cond, "share": share, "clips": None, "match": None}
        for scene, shares in spec.targets.items() for cond, share in shares.items()
    ]
    rows += [
        {"entry_id": row_key("request", spec.name, r["name"]), "spec_name": spec.name, "kind": "request", "name": r["name"],
         "scene_type": None, "condition": r["condition"], "share": None, "clips": r["clips"], "match": json.dumps(r["match"], sort_keys=True)}
        for r in spec.requests
    ]
    return rows


def _shows(clip: dict, condition: str) -> bool:
    col, value = _MEASURED.get(condition, (None, None))
    return col is not None and clip.get(col) == value


@dataclass(frozen=True)
class Outcome:
    """What became of a planned recipe once its variant was evaluated (no Outcome: not yet)."""

    accepted: bool
    reason: str = ""  # the evaluator's first fail reason, for a rejected variant


Outcomes = dict[str, Outcome]  # plan_id -> outcome
Draw = Callable[[str, str, int], dict]  # (clip_id, condition, seed) -> the recipe's parameters


def matches(clip: dict, match: dict) -> bool:
    """A clip matches a request when each named column has the value; a clip's column may hold
    several values (a robot clip's task: its family and its instruction)."""
    def _has(value: object, wanted: object) -> bool:
        return str(wanted) in {str(v) for v in value} if isinstance(value, (list, tuple)) else str(value) == str(wanted)

    return all(_has(clip.get(k), v) for k, v in match.items())


def _rejected(row: dict, outcomes: Outcomes | None) -> bool:
    outcome = (outcomes or {}).get(row["plan_id"])
    return outcome is not None and not outcome.accepted


def coverage(clips: list[dict], plan: list[dict], condition: str, outcomes: Outcomes | None = None) -> tuple[int, int]:
    """(samples showing the condition, all samples) over the clips and the recipes planned on
    them. A recipe counts while its variant is accepted or not yet evaluated; a rejected one
    adds no sample."""
    ids = {c["clip_id"] for c in clips}
    planned = [p for p in plan if p["clip_id"] in ids and not _rejected(p, outcomes)]
    showing = sum(_shows(c, condition) for c in clips) + sum(condition in p["condition"].split("+") for p in planned)
    return showing, len(clips) + len(planned)


def plan_recipes(
    spec: Spec,
    clips: list[dict],
    existing: list[dict],
    backend: str,
    eligible: set[str] | None = None,
    outcomes: Outcomes | None = None,
    draw: Draw | None = None,
    retry_budget: int = 0,
    requests: list[dict] | None = None,
) -> list[dict]:
    """New plan rows (the existing plan is kept, never redone) that bring every target share
    up to the spec and every request up to its count, in accepted samples. Coverage counts all
    ``clips``; new recipes go only on the ``eligible`` ones (a day's clips), or on any clip when
    None. A rejected recipe is tried again with the next seed while its clip has retries left
    (``retry_budget`` per clip); a (clip, condition) that was rejected gets no other new recipe.
    ``draw`` gives each new row its parameters. ``requests`` are planned after the spec's own:
    the failure log's open modes (resources/planning/failure_modes.py), whose rows name the mode
    and the failures they answer. Deterministic for the same inputs."""
    plan = list(existing)
    new: list[dict] = []
    clips = sorted(clips, key=lambda c: c["clip_id"])

    def _may_plan(clip_id: str) -> bool:
        return eligible is None or clip_id in eligible

    def _live(clip_id: str, condition: str) -> bool:  # an attempt that is accepted or pending
        return any(p["clip_id"] == clip_id and p["condition"] == condition and not _rejected(p, outcomes) for p in plan)

    def _tried(clip_id: str, condition: str) -> bool:  # a rejected attempt: retries own this pair
        return any(p["clip_id"] == clip_id and p["condition"] == condition and _rejected(p, outcomes) for p in plan)

    def add(clip_id: str, condition: str, reason: str, request: str | None, retry_of: str | None = None, answers: dict | None = None) -> None:
        seed = sum(1 for p in plan if p["clip_id"] == clip_id and p["condition"] == condition)
        params = draw(clip_id, condition, seed) if draw else {}
        row = {
            "plan_id": row_key("plan", clip_id, condition, seed, backend), "clip_id": clip_id, "condition": condition,
            "seed": seed, "recipe_params": json.dumps(params, sort_keys=True), "backend": backend, "spec_name": spec.name,
            "request": request, "reason": reason, "retry_of": retry_of, "view_of": None,
            "failure_mode": (answers or {}).get("failure_mode"), "failure_ids": (answers or {}).get("failure_ids"),
        }
        plan.append(row)
        new.append(row)

    # Retries first: a retried recipe is pending again, so the shares below count it.
    # The latest attempt of a (clip, condition) first: the reason a retry names is the last one.
    for p in sorted(existing, key=lambda p: (p["clip_id"], p["condition"], -p["seed"])):
        if not _rejected(p, outcomes) or not _may_plan(p["clip_id"]) or _live(p["clip_id"], p["condition"]):
            continue
        used = sum(1 for q in plan if q["clip_id"] == p["clip_id"] and q.get("retry_of"))
        if used < retry_budget:
            add(p["clip_id"], p["condition"], f"retry {used + 1} of {retry_budget} on this clip: the seed-{p['seed']} {p['condition']} "
                f"variant was rejected ({outcomes[p['plan_id']].reason})", p.get("request"), p["plan_id"], p)
    # Requests: a request counts its accepted and pending samples.
    for r in [*spec.requests, *(requests or [])]:
        group = [c for c in clips if matches(c, r["match"]) and _may_plan(c["clip_id"])]
        group = [c for c in group if not _tried(c["clip_id"], r["condition"])]
        have = sum(1 for p in plan if p.get("request") == r["name"] and not _rejected(p, outcomes))
        for k in range(have, r["clips"]):
            if not group:
                break
            clip = group[k % len(group)]
            what = r.get("why") or f"request '{r['name']}'"
            add(clip["clip_id"], r["condition"], f"{what}: {k + 1} of {r['clips']} {r['condition']} clips", r["name"], answers=r)
    for scene, shares in sorted(spec.targets.items()):
        group = [c for c in clips if scene == "any" or c.get("scene_type") == scene]
        open_clips = [c for c in group if _may_plan(c["clip_id"])]
        blocked: set[str] = set()  # conditions no open clip may take any more
        for _ in range(20 * len(group) + 100):  # each step adds one sample; sum of shares < 1 ends it
            gaps = {}
            for cond, share in shares.items():
                showing, total = coverage(group, plan, cond, outcomes)
                if cond not in blocked and showing < share * total - 0.5:
                    gaps[cond] = (share * total - showing, showing, total)
            if not gaps:
                break
            cond = max(sorted(gaps), key=lambda k: gaps[k][0])
            _, showing, total = gaps[cond]
            candidates = [c for c in open_clips if not _tried(c["clip_id"], cond)]
            if not candidates:
                blocked.add(cond)
                continue
            # The clip with the fewest recipes of this condition, then the fewest recipes at all.
            uses = {c["clip_id"]: (sum(1 for p in plan if p["clip_id"] == c["clip_id"] and p["condition"] == cond),
                                   sum(1 for p in plan if p["clip_id"] == c["clip_id"])) for c in candidates}
            clip = min([c for c in candidates if not _shows(c, cond)] or candidates, key=lambda c: (*uses[c["clip_id"]], c["clip_id"]))
            add(clip["clip_id"], cond, f"{cond}: {showing} of {total} {scene} samples ({showing / total:.0%}), target {shares[cond]:.0%}", None)
    return new
