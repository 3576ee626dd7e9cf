"""The views of a robot episode's window: one sample seen by several cameras.

Curation cuts every camera of an episode at the same frames (resources/curation/engine.py), so
the kept clips of one window share (episode_id, start_frame, end_frame). The planner plans on one
view of each window, its lead (the first camera by name whose clip was kept); every other kept
view then gets the same recipe, the same parameters and the same seed (``fan_out``), so the
views stay consistent with each other. A window's recipe counts once in coverage, and it is
rejected (and retried) when any of its views is rejected.
"""
from __future__ import annotations

from resources.lake.tables import row_key
from resources.planning.engine import Outcome, Outcomes


def _window(clip: dict) -> tuple | None:
    return (clip["episode_id"], clip["start_frame"], clip["end_frame"]) if clip.get("episode_id") else None


def split_views(kept: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    """(the clips the planner plans on, lead clip_id -> the window's other views)."""
    windows: dict[tuple, list[dict]] = {}
    planned = []
    for c in kept:
        w = _window(c)
        if w is None:
            planned.append(c)
        else:
            windows.setdefault(w, []).append(c)
    others = {}
    for views in windows.values():
        lead, *rest = sorted(views, key=lambda c: (c["camera"] or "", c["clip_id"]))
        planned.append(lead)
        others[lead["clip_id"]] = rest
    return planned, others


def fan_out(new: list[dict], others: dict[str, list[dict]], plan: list[dict]) -> list[dict]:
    """For each new row on a lead view, the same recipe on each other view of its window."""
    have = {(p["clip_id"], p["condition"], p["seed"], p["backend"]) for p in plan}
    out = []
    for row in new:
        for view in others.get(row["clip_id"], []):
            if (view["clip_id"], row["condition"], row["seed"], row["backend"]) in have:
                continue
            out.append(dict(row, plan_id=row_key("plan", view["clip_id"], row["condition"], row["seed"], row["backend"]),
                            clip_id=view["clip_id"], view_of=row["plan_id"], retry_of=None,
                            reason=f"the {view['camera']} view of the window planned on its lead view: {row['reason']}"))
    return out


def window_outcomes(plan: list[dict], judged: Outcomes) -> Outcomes:
    """Each lead row's outcome over its window: accepted when every judged view is, else the
    first rejected view's reason (named with its camera)."""
    out = {k: v for k, v in judged.items()}
    for p in plan:
        lead, outcome = p.get("view_of"), judged.get(p["plan_id"])
        if lead and outcome is not None and not outcome.accepted and (lead not in out or out[lead].accepted):
            out[lead] = Outcome(False, f"another view of the window: {outcome.reason}")
    return out
