"""tokenized_shards: accepted samples as tokens, in bounded shards, split train/val.

Made by the tokenization stage (resources/tokenization/), in process or as spark_jobs/tokenization.py.
"""
import datetime

import dagster as dg

from dagster_project.stage_assets import stage_asset
from resources.tokenization.stage import STAGE

tokenized_shards = stage_asset(
    STAGE,
    deps=["evaluated_samples", "curated_clips", "episodes"],
    pool="gpu",
    kinds={"delta"},
    # The nightly refresh starts at 02:00 UTC (dagster_project/automation.py): the shards a
    # training job streams are stale when that run has not landed them by 06:00.
    freshness_policy=dg.FreshnessPolicy.cron(deadline_cron="0 6 * * *", lower_bound_delta=datetime.timedelta(hours=4), timezone="UTC"),
    description="Every sample that passed evaluation as a token tensor, with its caption and lineage, packed "
    "into shards of bounded size and split train/val by clip hash (by episode for a robot's views, which also "
    "carry their actions and states). Each row names its tokenizer and version.",
)
