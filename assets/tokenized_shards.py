"""tokenized_shards: accepted samples as tokens, in bounded shards, split train/val.

Made by the tokenization stage (resources/tokenization/), in process or as spark_jobs/tokenization.py.
"""
from dagster_project.stage_assets import stage_asset
from resources.tokenization.stage import STAGE

tokenized_shards = stage_asset(
    STAGE,
    deps=["evaluated_samples", "curated_clips", "episodes"],
    pool="gpu",
    kinds={"delta"},
    description="Every sample that passed evaluation as a token tensor, with its caption and lineage, packed "
    "into shards of bounded size and split train/val by clip hash (by episode for a robot's views, which also "
    "carry their actions and states). Each row names its tokenizer and version.",
)
