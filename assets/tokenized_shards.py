"""tokenized_shards: accepted samples as tokens, in bounded shards, split train/val."""
import dagster as dg
import numpy as np

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish, suite_check_spec
from resources.configurable import EXECUTOR, ExecutionResource, LakeResource, TokenizerResource
from resources.execution import job_extras, launch
from resources.lake import Lake
from resources.tokenization import ShardPacker, pending_samples, tokenize_sample

INPUTS = ["evaluated_samples", "curated_clips", "tokenized_shards"]


@dg.asset(
    group_name="factory",
    deps=["evaluated_samples", "curated_clips"],
    partitions_def=DAILY,
    check_specs=[suite_check_spec("tokenized_shards")],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    pool="gpu",
    kinds={"delta"},
    resource_defs={"executor": EXECUTOR},
    description="Every sample that passed evaluation as a token tensor, with its caption and lineage, packed "
    "into shards of bounded size and split train/val by clip hash. Each row names its tokenizer and version.",
)
def tokenized_shards(context: dg.AssetExecutionContext, lake: LakeResource, tokenizer: TokenizerResource, executor: ExecutionResource) -> dg.MaterializeResult:
    store = lake.lake
    if (settings := executor.settings()).on_spark:  # spark_jobs/tokenization.py
        return launch(context, settings, "tokenized_shards", job_extras(store.root, {"tokenizer": tokenizer}, INPUTS, {t: store.version(t) for t in INPUTS}))
    day = context.partition_key
    tok = tokenizer.tokenizer
    samples = pending_samples(store, tok, day)
    clips = {c["clip_id"]: c for c in store.read("curated_clips", ["clip_id", "caption"], partition=day).to_pylist()}
    shards = ShardCommits(store, day, tokenizer)
    for i, sample in enumerate(samples, 1):
        shards.add(tokenize_sample(store, tok, sample, clips[sample["clip_id"]], tokenizer.val_fraction))
        if i % 10 == 0 or i == len(samples):
            context.log.info(f"tokenized {i}/{len(samples)} samples")
    return shards.result()


class ShardCommits:
    """Token rows, arriving in sample-id order, packed into shards; each sealed shard is
    committed at once (memory holds one open shard per split, not the table). What both
    executors (in-process and spark_jobs/tokenization.py) do with the rows."""

    def __init__(self, store: Lake, day: str, tokenizer: TokenizerResource):
        self.store, self.day, self.tok = store, day, tokenizer.tokenizer
        self.packer = ShardPacker(tokenizer.shard_max_rows, tokenizer.shard_max_bytes)
        self.pub = Publication("tokenized_shards")
        self.psnrs: list[float] = []
        self.ratios: list[float] = []
        self.shards = 0

    def add(self, row: dict) -> None:
        row = dict(row, ingest_date=self.day)
        self.psnrs.append(row["recon_psnr"])
        self.ratios.append(row["compression_ratio"])
        for shard in self.packer.add(row):
            self._commit(shard)

    def _commit(self, shard: list[dict]) -> None:
        publish(self.store, "tokenized_shards", shard, into=self.pub)
        self.shards += 1

    def result(self) -> dg.MaterializeResult:
        for shard in self.packer.flush():
            self._commit(shard)
        return materialization(
            self.store,
            self.pub,
            with_suite_check=True,
            partition=self.day,
            tokenizer=f"{self.tok.tokenizer_id} {self.tok.version}",
            tokenizer_description=self.tok.description,
            shards_written=self.shards,
            mean_recon_psnr_db=round(float(np.mean(self.psnrs)), 2) if self.psnrs else None,
            mean_compression_ratio=round(float(np.mean(self.ratios)), 1) if self.ratios else None,
        )
