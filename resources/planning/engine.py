"""Coverage-driven transfer: plan the recipes that close the gap between what the kept clips
cover and what the scenario spec asks for, instead of every condition on every clip."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from resources.lake.tables import row_key

# Conditions a clip can show by itself, and the measured column that tells.
_MEASURED = {"night": ("time_of_day", "night"), "dusk": ("time_of_day", "dusk"), "fog": ("weather", "fog"), "rain": ("weather", "rain"), "snow": ("weather", "snow")}


class SpecError(ValueError):
    """A scenario spec that cannot be planned from, with the reason."""


@dataclass(frozen=True)
class Spec:
    name: str
    targets: dict[str, dict[str, float]]  # scene_type (or "any") -> condition -> share
    requests: list[dict]  # {name, match: {column: value}, condition, clips}


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
    return Spec(str(raw["name"]), targets, requests)


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


def coverage(clips: list[dict], plan: list[dict], condition: str) -> tuple[int, int]:
    """(samples showing the condition, all samples) over the clips and the recipes planned on them."""
    ids = {c["clip_id"] for c in clips}
    planned = [p for p in plan if p["clip_id"] in ids]
    showing = sum(_shows(c, condition) for c in clips) + sum(condition in p["condition"].split("+") for p in planned)
    return showing, len(clips) + len(planned)


def plan_recipes(spec: Spec, clips: list[dict], existing: list[dict], backend: str, eligible: set[str] | None = None) -> list[dict]:
    """New plan rows (the existing plan is kept, never redone) that bring every target share
    up to the spec and every request up to its count. Coverage counts all ``clips``; new
    recipes go only on the ``eligible`` ones (a day's clips), or on any clip when None.
    Deterministic for the same inputs."""
    plan = list(existing)
    new: list[dict] = []
    clips = sorted(clips, key=lambda c: c["clip_id"])

    def _may_plan(clip: dict) -> bool:
        return eligible is None or clip["clip_id"] in eligible

    def add(clip: dict, condition: str, reason: str, request: str | None) -> None:
        seed = sum(1 for p in plan if p["clip_id"] == clip["clip_id"] and p["condition"] == condition)
        row = {
            "plan_id": row_key("plan", clip["clip_id"], condition, seed, backend), "clip_id": clip["clip_id"], "condition": condition,
            "seed": seed, "backend": backend, "spec_name": spec.name, "request": request, "reason": reason,
        }
        plan.append(row)
        new.append(row)

    # Requests first: the target shares then count the samples the requests add.
    for r in spec.requests:
        group = [c for c in clips if all(str(c.get(k)) == str(v) for k, v in r["match"].items()) and _may_plan(c)]
        have = sum(1 for p in plan if p.get("request") == r["name"])
        for k in range(have, r["clips"]):
            if not group:
                break
            clip = group[k % len(group)]
            add(clip, r["condition"], f"request '{r['name']}': {k + 1} of {r['clips']} {r['condition']} clips", r["name"])
    for scene, shares in sorted(spec.targets.items()):
        group = [c for c in clips if scene == "any" or c.get("scene_type") == scene]
        open_clips = [c for c in group if _may_plan(c)]
        if not open_clips:
            continue
        for _ in range(20 * len(group) + 100):  # each step adds one sample; sum of shares < 1 ends it
            gaps = {}
            for cond, share in shares.items():
                showing, total = coverage(group, plan, cond)
                if showing < share * total - 0.5:
                    gaps[cond] = (share * total - showing, showing, total)
            if not gaps:
                break
            cond = max(sorted(gaps), key=lambda k: gaps[k][0])
            _, showing, total = gaps[cond]
            # The clip with the fewest recipes of this condition, then the fewest recipes at all.
            uses = {c["clip_id"]: (sum(1 for p in plan if p["clip_id"] == c["clip_id"] and p["condition"] == cond),
                                   sum(1 for p in plan if p["clip_id"] == c["clip_id"])) for c in open_clips}
            candidates = [c for c in open_clips if not _shows(c, cond)] or open_clips
            clip = min(candidates, key=lambda c: (*uses[c["clip_id"]], c["clip_id"]))
            add(clip, cond, f"{cond}: {showing} of {total} {scene} samples ({showing / total:.0%}), target {shares[cond]:.0%}", None)
    return new
