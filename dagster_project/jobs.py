"""Jobs: the main job materializes one day of the five tables in lineage order, with their checks;
the retry job re-plans a day's rejected recipes and carries the new variants through."""
import dagster as dg

factory_job = dg.define_asset_job(
    "factory_job",
    selection=dg.AssetSelection.groups("factory"),
    description="Raw footage -> curated clips -> transferred variants -> evaluated samples -> tokenized shards.",
)

# What makes a run a retry round (docs/operations.md); the sensor and the demo pass it too.
RETRY_RUN_CONFIG = {"ops": {"transfer_plan": {"config": {"retry_rejected": True}}}}

retry_job = dg.define_asset_job(
    "retry_job",
    selection=dg.AssetSelection.assets("transfer_plan").downstream() & dg.AssetSelection.groups("factory"),
    config=RETRY_RUN_CONFIG,
    description="A retry round for one day: transfer_plan re-plans the recipes whose variants were rejected "
    "(new seed, new parameters, within the retry budget), and the tables below it take the new variants.",
)
