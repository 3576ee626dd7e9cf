"""Failure modes: the failure log grouped into what the planner answers, and how far each is closed.

A mode is (scene type or task, condition, what failed). It asks for accepted samples of its
condition on clips of its scene type or task: the spec's ``samples_per_failure`` for each logged
failure by severity, at most ``max_samples_per_mode``. Planned recipes count while accepted or
pending, so a mode is planned once; it closes when enough of them are accepted, and a night that
logs no new failure asks for nothing new. A rejected recipe is retried like any other.
"""
from __future__ import annotations

import collections
import io
from collections.abc import Callable

import pyarrow.compute as pc

from resources.lake import Lake
from resources.lake.publish import publish_snapshot
from resources.lake.report import Plot, Records, Report, report
from resources.planning.engine import Outcomes, Spec, matches

LOG_COLUMNS = ["failure_id", "logged_at", "scene_type", "task", "condition", "failure", "severity", "mode_id", "ingest_date"]
_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def logged_failures(lake: Lake, through_day: str | None = None) -> list[dict]:
    """The failure log's entries, of every day up to ``through_day`` when given (a rerun of an
    old day plans from what was known then)."""
    log = lake.read("failure_log", LOG_COLUMNS)
    if through_day is not None and log.num_rows:
        log = log.filter(pc.less_equal(log.column("ingest_date"), through_day))
    return log.to_pylist()


def modes(entries: list[dict], spec: Spec) -> list[dict]:
    """One dict per failure mode: its name, match, condition, the entries and samples needed."""
    grouped: dict[str, list[dict]] = collections.defaultdict(list)
    for e in entries:
        grouped[e["mode_id"]].append(e)
    out = []
    for mode_id, group in sorted(grouped.items()):
        first = group[0]
        where = f"{first['scene_type']} scenes" if first["scene_type"] else f"task {first['task']}"
        worst = max((e["severity"] for e in group), key=_RANK.__getitem__)
        needed = min(spec.max_samples_per_mode, sum(spec.samples_per_failure[e["severity"]] for e in group))
        out.append({
            "mode_id": mode_id, "name": f"{first['failure']} on {where} in {first['condition']}",
            "match": {"scene_type": first["scene_type"]} if first["scene_type"] else {"task": first["task"]},
            "scene_type": first["scene_type"], "task": first["task"], "condition": first["condition"], "failure": first["failure"],
            "entries": sorted(e["failure_id"] for e in group), "worst_severity": worst, "needed": needed,
            "first_logged": min(e["logged_at"] for e in group), "last_logged": max(e["logged_at"] for e in group),
        })
    return out


def failure_requests(found: list[dict], supports: Callable[[str], bool]) -> list[dict]:
    """The modes the transfer backend can render, as planner requests (resources/planning/engine.py)."""
    return [
        {"name": m["name"], "match": m["match"], "condition": m["condition"], "clips": m["needed"], "failure_mode": m["mode_id"],
         "failure_ids": m["entries"], "why": f"failure mode '{m['name']}' ({len(m['entries'])} logged, worst {m['worst_severity']})"}
        for m in found if supports(m["condition"])
    ]


def coverage_rows(found: list[dict], plan: list[dict], judged: Outcomes, clips: list[dict], supports: Callable[[str], bool]) -> list[dict]:
    """Per mode: logged, needed, planned, accepted, rejected, pending, the gap and the status.
    ``plan`` holds the lead rows (a robot window counts once); ``judged`` their outcomes."""
    rows = []
    for m in found:
        mine = [p for p in plan if p.get("failure_mode") == m["mode_id"]]
        accepted = sum(1 for p in mine if p["plan_id"] in judged and judged[p["plan_id"]].accepted)
        rejected = sum(1 for p in mine if p["plan_id"] in judged and not judged[p["plan_id"]].accepted)
        gap = max(0, m["needed"] - accepted)
        if not supports(m["condition"]):
            status, note = "unplannable", f"the transfer backend cannot render {m['condition']}"
        elif gap == 0:
            status, note = "closed", f"{accepted} of {m['needed']} accepted samples"
        elif not mine and not any(matches(c, m["match"]) for c in clips):
            status, note = "open", f"no kept clip of {m['name'].split(' on ', 1)[1].rsplit(' in ', 1)[0]} yet"
        else:
            status, note = "open", f"{gap} accepted samples missing ({len(mine) - accepted - rejected} pending)"
        rows.append({
            "mode_id": m["mode_id"], "mode": m["name"], "scene_type": m["scene_type"], "task": m["task"], "condition": m["condition"],
            "failure": m["failure"], "failures_logged": len(m["entries"]), "worst_severity": m["worst_severity"],
            "first_logged": m["first_logged"], "last_logged": m["last_logged"], "samples_needed": m["needed"],
            "samples_planned": len(mine), "samples_accepted": accepted, "samples_rejected": rejected,
            "samples_pending": len(mine) - accepted - rejected, "gap": gap, "status": status, "note": note,
        })
    return rows


def coverage_png(rows: list[dict]) -> bytes:
    """Per mode: samples needed, accepted, rejected and pending, with the counts on the bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.7 * max(1, len(rows))), constrained_layout=True)
    names = [f"{r['mode']} ({r['status']})" for r in rows]
    series = [("samples_needed", "needed", "#bbbbbb"), ("samples_accepted", "accepted", "#2e7d32"),
              ("samples_rejected", "rejected", "#c62828"), ("samples_pending", "pending", "#f9a825")]
    height = 0.8 / len(series)
    for k, (col, label, color) in enumerate(series):
        ys = [i + k * height for i in range(len(rows))]
        bars = ax.barh(ys, [max(r[col], 0.05) for r in rows], height=height, color=color, label=label)
        ax.bar_label(bars, labels=[str(r[col]) for r in rows], padding=2, fontsize=8)
    ax.set_yticks([i + 1.5 * height for i in range(len(rows))], names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("samples")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("failure modes: accepted samples against what the failure log asks for")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def commit_coverage(lake: Lake, rows: list[dict]) -> Report:
    pub = publish_snapshot(lake, "failure_coverage", rows)
    table = Records([("mode", "string"), ("status", "string"), ("failures_logged", "int"), ("samples_needed", "int"),
                     ("samples_accepted", "int"), ("samples_rejected", "int"), ("samples_pending", "int"), ("gap", "int"),
                     ("note", "string")], rows)
    plot = Plot("failure modes", bool(pub.versions), lambda: coverage_png(rows))
    counts = collections.Counter(r["status"] for r in rows)
    return report(lake, "failure_coverage", pub, modes_closed=counts["closed"], modes_open=counts["open"],
                  modes_unplannable=counts["unplannable"], failure_modes=table, failure_modes_plot=plot)
