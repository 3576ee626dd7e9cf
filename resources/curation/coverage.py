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
                    "share": counts[value] / total if total else 0.0,
                    "duration_s": round(seconds[value], 3),
                }
            )
    return rows


def coverage_png(rows: list[dict]) -> bytes:
    """Bar charts, one per dimension, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(DIMENSIONS), figsize=(2.2 * len(DIMENSIONS), 2.8), constrained_layout=True)  # fits the UI dialog
    for ax, dim in zip(axes, DIMENSIONS):
        part = [r for r in rows if r["dimension"] == dim]
        ax.bar([r["value"] for r in part], [r["clips"] for r in part], color="#4f43dd")
        ax.set_title(dim.replace("_", " "))
        ax.set_ylabel("kept clips")
        ax.tick_params(axis="x", rotation=30)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def length_histogram(durations: list[float], edges: tuple[float, ...] = (0, 1, 2, 5, 10, 30, 60)) -> dict[str, int]:
    """Clip lengths in seconds, bucketed: {"[1, 2) s": 3, ...}."""
    hist: dict[str, int] = {}
    for lo, hi in zip(edges, edges[1:]):
        hist[f"[{lo:g}, {hi:g}) s"] = sum(lo <= d < hi for d in durations)
    hist[f">= {edges[-1]:g} s"] = sum(d >= edges[-1] for d in durations)
    return hist


def coverage_report(lake: Lake) -> Report:
    """The coverage report recomputed over every kept clip, as a table and a bar chart."""
    clips = lake.read("curated_clips", ["status", "duration_s", *DIMENSIONS])
    kept = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    rows = coverage_rows(kept)
    pub = publish_snapshot(lake, "coverage_report", rows)
    table = Records([("dimension", "string"), ("value", "string"), ("clips", "int"), ("share", "float")], rows)
    plot = Plot("coverage of kept clips", bool(pub.versions), lambda: coverage_png(rows))
    return report(lake, "coverage_report", pub, kept_clips=len(kept), coverage=table, coverage_plot=plot)
