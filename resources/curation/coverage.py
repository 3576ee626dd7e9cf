"""Coverage of the kept clips over conditions: the table and the plot of the coverage report."""
from __future__ import annotations

import collections
import io

import pyarrow.compute as pc

from resources.lake import Lake
from resources.lake.publish import publish_snapshot
from resources.lake.report import Plot, Records, Report, report
from resources.lake.tables import row_key

DIMENSIONS = ("time_of_day", "weather", "motion_level", "source_kind", "scene_type")


def coverage_rows(clips: list[dict]) -> list[dict]:
    """One row per (dimension, value): how many kept clips, their share and total duration."""
    rows = []
    total = len(clips)
    for dim in DIMENSIONS:
        counts: collections.Counter[str] = collections.Counter()
        seconds: collections.Counter[str] = collections.Counter()
        for c in clips:
            value = c.get(dim) or "unknown"
            counts[value] += 1
            seconds[value] += c["duration_s"]
        for value in sorted(counts):
            rows.append(
                {
                    "bucket_id": row_key("coverage", dim, value),
                    "dimension": dim,
                    "value": value,
                    "clips": counts[value],
                    "share": round(counts[value] / total, 4) if total else 0.0,
                    "duration_s": round(seconds[value], 3),
                }
            )
    return rows


def coverage_png(rows: list[dict]) -> bytes:
    """One panel per dimension, horizontal bars (labels never rotated) with "k/n" on each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    dims = [d for d in DIMENSIONS if any(r["dimension"] == d for r in rows)]
    tallest = max(sum(r["dimension"] == d for r in rows) for d in dims)
    fig, axes = plt.subplots(1, len(dims), figsize=(2.6 * len(dims), 1.3 + 0.42 * tallest), constrained_layout=True, squeeze=False)
    for ax, dim in zip(axes[0], dims):
        part = [r for r in rows if r["dimension"] == dim]
        total = sum(r["clips"] for r in part)
        bars = ax.barh([r["value"] for r in part], [r["clips"] for r in part], color="#4f43dd")
        ax.bar_label(bars, labels=[f"{r['clips']}/{total}" for r in part], padding=3, fontsize=9)
        ax.set_xlim(0, max(r["clips"] for r in part) * 1.45)
        ax.invert_yaxis()
        ax.set_title(dim.replace("_", " "))
        ax.set_xlabel("kept clips")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def length_histogram(durations: list[float], edges: tuple[float, ...] = (0, 1, 2, 5, 10, 30, 60)) -> Records:
    """Clip lengths in seconds, bucketed, as a table in bin order (a JSON object's keys would
    be shown sorted as text: "[10, 30) s" before "[2, 5) s")."""
    rows = [{"length": f"[{lo:g}, {hi:g}) s", "clips": sum(lo <= d < hi for d in durations)} for lo, hi in zip(edges, edges[1:])]
    rows.append({"length": f">= {edges[-1]:g} s", "clips": sum(d >= edges[-1] for d in durations)})
    return Records([("length", "string"), ("clips", "int")], rows)


def coverage_report(lake: Lake) -> Report:
    """The coverage report recomputed over every kept clip, as a table and a bar chart."""
    clips = lake.read("curated_clips", ["status", "duration_s", *DIMENSIONS])
    kept = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    rows = coverage_rows(kept)
    pub = publish_snapshot(lake, "coverage_report", rows)
    table = Records([("dimension", "string"), ("value", "string"), ("clips", "int"), ("share", "float")], rows)
    plot = Plot("coverage of kept clips", bool(pub.versions), lambda: coverage_png(rows))
    return report(lake, "coverage_report", pub, kept_clips=len(kept), coverage=table, coverage_plot=plot)
