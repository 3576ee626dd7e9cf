"""coverage_report: how the kept clips spread over time of day, weather, motion, source and scene."""
import dagster as dg
import pyarrow.compute as pc

from assets.partitions import REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import materialization, plot, publish_snapshot
from resources.configurable import LakeResource
from resources.coverage import DIMENSIONS, coverage_png, coverage_rows, png_markdown


@dg.asset(
    group_name="factory",
    deps=["curated_clips"],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "matplotlib"},
    description="One row per (dimension, value) over the kept clips: time of day, weather, motion level, "
    "source kind and scene type. The materialization shows it as a bar chart and a table.",
)
def coverage_report(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    store = lake.lake
    clips = store.read("curated_clips", ["status", "duration_s", *DIMENSIONS])
    kept = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    rows = coverage_rows(kept)
    pub = publish_snapshot(store, "coverage_report", rows)
    table = dg.MetadataValue.table(
        records=[dg.TableRecord({k: r[k] for k in ("dimension", "value", "clips", "share")}) for r in rows],
        schema=dg.TableSchema(columns=[dg.TableColumn("dimension"), dg.TableColumn("value"), dg.TableColumn("clips", "int"), dg.TableColumn("share", "float")]),
    )
    return materialization(
        store, pub, kept_clips=len(kept), coverage=table, coverage_plot=plot(
            context, "coverage_plot", bool(pub.versions), lambda: dg.MetadataValue.md(png_markdown(coverage_png(rows), "coverage of kept clips"))
        ),
    )
