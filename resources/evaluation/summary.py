"""evaluation_summary: per condition and backend, samples, passes, pass rate and the check
that failed most, as a table and a bar chart; and the checks that failed, with how often, a
typical score against the threshold and example samples (resources/evaluation/failures.py)."""
from __future__ import annotations

import collections
import io
import json

from resources.evaluation.failures import Tally
from resources.lake import Lake
from resources.lake.publish import publish_snapshot
from resources.lake.report import Plot, Report, report
from resources.lake.tables import row_key

COLUMNS = ["sample_id", "condition", "backend", "passed", "checks"]


def tally_samples(lake: Lake) -> tuple[Tally, collections.Counter]:
    """Every sample tallied (streamed in batches), and per group how many checks could not measure."""
    tally, unmeasured = Tally(), collections.defaultdict(collections.Counter)
    for batch in lake.iter_batches("evaluated_samples", COLUMNS, batch_size=512):
        for s in batch.to_pylist():
            tally.add(s)
            # Rows of an older evaluator have no "measured": they measured every check they hold.
            unmeasured[(s["condition"], s["backend"] or "")].update(c["name"] for c in s["checks"] if c.get("measured") is False)
    return tally, unmeasured


def summary_rows(tally: Tally, unmeasured: dict) -> list[dict]:
    return [
        {"group_id": row_key("summary", r["condition"], r["backend"]), "condition": r["condition"], "backend": r["backend"],
         "samples": r["samples"], "passed": r["samples_passed"], "pass_rate": r["pass_rate"], "top_failure": r["top_failure"] or None,
         "not_measured": sum(unmeasured[(r["condition"], r["backend"])].values()),
         "not_measured_by_check": json.dumps(dict(sorted(unmeasured[(r["condition"], r["backend"])].items())))}
        for r in tally.outcome_rows()
    ]


def pass_rate_png(rows: list[dict]) -> bytes:
    """Horizontal bars (no rotated labels), each on a grey track of 100% so a zero rate still
    shows, labelled "k/n", with the overall pass rate as a reference line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 1.4 + 0.45 * len(rows)), constrained_layout=True)  # 900 px wide at 90 dpi
    labels = [f"{r['condition']} ({r['backend']})" for r in rows]
    ys = range(len(rows))
    ax.barh(ys, [1.0] * len(rows), color="#eeeeee", edgecolor="#bbbbbb")
    bars = ax.barh(ys, [r["pass_rate"] for r in rows], color="#2e9d6b")
    ax.bar_label(bars, labels=[f"{r['passed']}/{r['samples']}  ({r['pass_rate']:.0%})" for r in rows], padding=4, fontsize=10)
    overall = sum(r["passed"] for r in rows) / max(1, sum(r["samples"] for r in rows))
    ax.axvline(overall, color="#333333", linestyle="--", linewidth=1, label=f"all samples: {overall:.0%}")
    ax.set_yticks(list(ys), labels, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.15)
    ax.set_xlabel("pass rate (passed / samples)")
    ax.legend(loc="lower right", fontsize=9)
    ax.set_title("evaluation: samples passing every required check, per condition and backend")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def evaluation_summary(lake: Lake) -> Report:
    """The summary recomputed over every evaluated sample (streamed in batches)."""
    tally, unmeasured = tally_samples(lake)
    rows = summary_rows(tally, unmeasured)
    pub = publish_snapshot(lake, "evaluation_summary", rows)
    extra = {"outcomes": tally.outcomes(), "failing_checks": tally.failing_checks(), "checks_not_measured": sum(r["not_measured"] for r in rows)}
    if rows:
        extra["pass_rate_plot"] = Plot("pass rate per condition and backend", bool(pub.versions), lambda: pass_rate_png(rows))
    return report(lake, "evaluation_summary", pub, **extra)
