"""dataset_release: a name pinned to the current Delta version of each of the five tables.

Made by the lake's releases (resources/lake/releases.py); the table is dataset_releases.
"""
import dagster as dg
from pydantic import Field

from dagster_project.configurable import (
    CaptionerResource,
    CuratorResource,
    EmbedderResource,
    EvaluatorResource,
    LakeResource,
    ScenarioResource,
    TokenizerResource,
    TransferResource,
)
from dagster_project.metadata import to_result
from dagster_project.stage_assets import refused_batches_fail_the_step
from resources.lake.releases import RELEASED_TABLES, ReleaseError, release


class ReleaseConfig(dg.Config):
    name: str = Field(description="Release name, e.g. 2026-11-v1. Releases are immutable: a name is pinned once.")
    description: str = Field(default="", description="What this release is for.")


@dg.asset(
    group_name="releases",
    deps=list(RELEASED_TABLES),
    kinds={"delta"},
    description="Named dataset releases: each pins the Delta version of raw_footage, curated_clips, "
    "transferred_variants, evaluated_samples and tokenized_shards, with the settings and code version that made "
    "them. Loaders read a release by time travel, so it does not move when the tables do.",
)
def dataset_release(
    context: dg.AssetExecutionContext, config: ReleaseConfig, lake: LakeResource, curator: CuratorResource, embedder: EmbedderResource,
    captioner: CaptionerResource, scenario: ScenarioResource, transfer: TransferResource, evaluator: EvaluatorResource,
    tokenizer: TokenizerResource,
) -> dg.MaterializeResult:
    settings = {
        "curator": dict(curator), "embedder": dict(embedder), "captioner": dict(captioner), "scenario": dict(scenario),
        "transfer": dict(transfer), "evaluator": dict(evaluator), "tokenizer": dict(tokenizer),
    }
    try:
        with refused_batches_fail_the_step():
            return to_result(release(lake.lake(), config.name, settings, config.description, context.log))
    except ReleaseError as err:
        raise dg.Failure(description=str(err)) from err
