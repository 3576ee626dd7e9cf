"""dataset_release: a name pinned to the current Delta version of each of the five tables."""
import dagster as dg
from pydantic import Field

from assets.publish import Publication, materialization, publish
from resources.configurable import (
    CaptionerResource,
    CuratorResource,
    EmbedderResource,
    EvaluatorResource,
    LakeResource,
    ScenarioResource,
    TokenizerResource,
    TransferResource,
)
from resources.releases import RELEASED_TABLES, ReleaseError, load_release, pin_release


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
    store = lake.lake
    settings = {
        "curator": dict(curator), "embedder": dict(embedder), "captioner": dict(captioner), "scenario": dict(scenario),
        "transfer": dict(transfer), "evaluator": dict(evaluator), "tokenizer": dict(tokenizer),
    }
    try:
        release = pin_release(store, config.name, settings, config.description)
        existing = load_release(store, config.name) if config.name in store.keys("dataset_releases") else None
    except ReleaseError as err:
        raise dg.Failure(description=str(err)) from err
    pub = Publication("dataset_releases")
    if existing is not None:
        if existing.table_versions != release.table_versions:
            raise dg.Failure(
                description=f"release '{config.name}' already exists and pins other versions ({existing.table_versions}); "
                "releases are immutable - choose a new name"
            )
        release = existing
        context.log.info(f"release '{config.name}' already pins these versions; nothing to do")
    else:
        pub = publish(store, "dataset_releases", [release.row()], into=pub)
        context.log.info(f"released '{config.name}': {release.table_versions}")
    return materialization(
        store,
        pub,
        release=release.name,
        code_version=release.code_version,
        table_versions=dg.MetadataValue.json(release.table_versions),
        row_counts=dg.MetadataValue.json(release.row_counts),
    )
