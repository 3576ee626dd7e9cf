"""Jobs: the main job materializes one day of the five tables in lineage order, with their checks."""
import dagster as dg

factory_job = dg.define_asset_job(
    "factory_job",
    selection=dg.AssetSelection.groups("factory"),
    description="Raw footage -> curated clips -> transferred variants -> evaluated samples -> tokenized shards.",
)
