"""evaluation_summary: pass rates per condition and backend, as a table and a plot."""
import collections

import dagster as dg

from assets.partitions import REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import materialization, plot, publish_snapshot
from resources.configurable import LakeResource
from resources.coverage import png_markdown
from resources.tables import row_key


def _plot(rows: list[dict]) -> bytes:
    import io

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


@dg.asset(
    group_name="factory",
    deps=["evaluated_samples"],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "matplotlib"},
    description="Per condition and backend: samples, passes, pass rate and the check that failed most.",
)
def evaluation_summary(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    store = lake.lake
    groups: dict[tuple, list] = collections.defaultdict(lambda: [0, 0, collections.Counter()])
    for batch in store.iter_batches("evaluated_samples", ["condition", "backend", "passed", "checks"], batch_size=512):
        for s in batch.to_pylist():
            g = groups[(s["condition"], s["backend"])]
            g[0] += 1
            g[1] += int(s["passed"])
            g[2].update(c["name"] for c in s["checks"] if c["required"] and not c["passed"])
    rows = [
        {"group_id": row_key("summary", cond, backend), "condition": cond, "backend": backend, "samples": n, "passed": ok,
         "pass_rate": ok / n, "top_failure": fails.most_common(1)[0][0] if fails else None}
        for (cond, backend), (n, ok, fails) in sorted(groups.items())
    ]
    pub = publish_snapshot(store, "evaluation_summary", rows)
    table = dg.MetadataValue.table(
        records=[dg.TableRecord({k: r[k] for k in ("condition", "backend", "samples", "pass_rate")}) for r in rows],
        schema=dg.TableSchema(columns=[dg.TableColumn("condition"), dg.TableColumn("backend"), dg.TableColumn("samples", "int"), dg.TableColumn("pass_rate", "float")]),
    )
    extra = {"pass_rates": table}
    if rows:
        extra["pass_rate_plot"] = plot(
            context, "pass_rate_plot", bool(pub.versions), lambda: dg.MetadataValue.md(png_markdown(_plot(rows), "pass rate per condition and backend"))
        )
    return materialization(store, pub, **extra)
