"""evaluation_summary: per condition and backend, samples, passes, pass rate and the check
that failed most, as a table and a bar chart."""
from __future__ import annotations

import collections
import io
import json

from resources.lake import Lake
from resources.lake.publish import publish_snapshot
from resources.lake.report import Plot, Records, Report, report
from resources.lake.tables import row_key


def summary_rows(lake: Lake) -> list[dict]:
    groups: dict[tuple, list] = collections.defaultdict(lambda: [0, 0, collections.Counter(), collections.Counter()])
    for batch in lake.iter_batches("evaluated_samples", ["condition", "backend", "passed", "checks"], batch_size=512):
        for s in batch.to_pylist():
            g = groups[(s["condition"], s["backend"])]
            g[0] += 1
            g[1] += int(s["passed"])
            g[2].update(c["name"] for c in s["checks"] if c["required"] and not c["passed"])
            # Rows of an older evaluator have no "measured": they measured every check they hold.
            g[3].update(c["name"] for c in s["checks"] if c.get("measured") is False)
    return [
        {"group_id": row_key("summary", cond, backend), "condition": cond, "backend": backend, "samples": n, "passed": ok,
         "pass_rate": ok / n, "top_failure": fails.most_common(1)[0][0] if fails else None,
         "not_measured": sum(unmeasured.values()), "not_measured_by_check": json.dumps(dict(sorted(unmeasured.items())))}
        for (cond, backend), (n, ok, fails, unmeasured) in sorted(groups.items())
    ]


def pass_rate_png(rows: list[dict]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(4, 0.7 * len(rows)), 3.2), constrained_layout=True)
    labels = [f"{r['condition']}\n{r['backend']}" for r in rows]
    ax.bar(labels, [r["pass_rate"] for r in rows], color="#2e9d6b")
    ax.set_ylim(0, 1)
    ax.set_ylabel("pass rate")
    ax.tick_params(axis="x", rotation=30, labelsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def evaluation_summary(lake: Lake) -> Report:
    """The summary recomputed over every evaluated sample (streamed in batches)."""
    rows = summary_rows(lake)
    pub = publish_snapshot(lake, "evaluation_summary", rows)
    columns = [("condition", "string"), ("backend", "string"), ("samples", "int"), ("pass_rate", "float"), ("not_measured", "int")]
    extra = {"pass_rates": Records(columns, rows), "checks_not_measured": sum(r["not_measured"] for r in rows)}
    if rows:
        extra["pass_rate_plot"] = Plot("pass rate per condition and backend", bool(pub.versions), lambda: pass_rate_png(rows))
    return report(lake, "evaluation_summary", pub, **extra)
