"""evaluated_samples: every variant and original clip, scored check by check against its source.

Made by the evaluation stage (resources/evaluation/), in process or as spark_jobs/evaluation.py.
"""
from dagster_project.stage_assets import stage_asset
from resources.evaluation.stage import STAGE

evaluated_samples = stage_asset(
    STAGE,
    deps=["transferred_variants", "curated_clips"],
    kinds={"delta", "opencv"},
    description="Each sample (a variant, or an original clip) with every check as (name, category, score, "
    "threshold, passed) and a sample-level verdict with reasons. Only passing samples are tokenized.",
)
