"""transferred_variants: kept clips re-rendered under the recipes of the transfer plan.

Made by the transfer stage (resources/transfer/), in process or as spark_jobs/transfer.py.
"""
from dagster_project.stage_assets import stage_asset
from resources.transfer.stage import STAGE

transferred_variants = stage_asset(
    STAGE,
    deps=["transfer_plan", "curated_clips"],
    pool="gpu",
    kinds={"delta", "opencv"},
    description="Each planned recipe (condition, parameters, seed) rendered on its clip by the transfer backend; "
    "every row records the backend, its version and model, and the recipe. Geometry is kept so labels stay valid.",
)
