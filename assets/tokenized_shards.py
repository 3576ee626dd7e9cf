"""tokenized_shards: accepted samples as tokens, in bounded shards, split train/val."""
import dagster as dg
import numpy as np
import pyarrow.compute as pc

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish
from resources.configurable import LakeResource, TokenizerResource
from resources.tokenization import ShardPacker, token_id, tokenize_sample


@dg.asset(
    group_name="factory",
    deps=["evaluated_samples", "curated_clips"],
    partitions_def=DAILY,
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    pool="gpu",
    kinds={"delta"},
    description="Every sample that passed evaluation as a token tensor, with its caption and lineage, packed "
    "into shards of bounded size and split train/val by clip hash. Each row names its tokenizer and version.",
)
def tokenized_shards(context: dg.AssetExecutionContext, lake: LakeResource, tokenizer: TokenizerResource) -> dg.MaterializeResult:
    store = lake.lake
    day = context.partition_key
    tok = tokenizer.tokenizer
    done = store.keys("tokenized_shards", partition=day)
    samples = store.read("evaluated_samples", ["sample_id", "sample_kind", "variant_id", "clip_id", "footage_id", "condition", "blob_key", "passed"], partition=day)
    samples = [s for s in samples.filter(pc.equal(samples.column("passed"), True)).to_pylist() if token_id(tok, s["sample_id"]) not in done]
    clips = {c["clip_id"]: c for c in store.read("curated_clips", ["clip_id", "caption"], partition=day).to_pylist()}
    packer = ShardPacker(tokenizer.shard_max_rows, tokenizer.shard_max_bytes)
    pub = Publication("tokenized_shards")
    psnrs, ratios, shards = [], [], 0
    for i, sample in enumerate(sorted(samples, key=lambda s: s["sample_id"]), 1):
        row = dict(tokenize_sample(store, tok, sample, clips[sample["clip_id"]], tokenizer.val_fraction), ingest_date=day)
        psnrs.append(row["recon_psnr"])
        ratios.append(row["compression_ratio"])
        # Each sealed shard is committed at once: memory holds one open shard per split, not the table.
        for shard in packer.add(row):
            publish(store, "tokenized_shards", shard, into=pub)
            shards += 1
        if i % 10 == 0 or i == len(samples):
            context.log.info(f"tokenized {i}/{len(samples)} samples")
    for shard in packer.flush():
        publish(store, "tokenized_shards", shard, into=pub)
        shards += 1
    return materialization(
        store,
        pub,
        partition=day,
        tokenizer=f"{tok.tokenizer_id} {tok.version}",
        tokenizer_description=tok.description,
        shards_written=shards,
        mean_recon_psnr_db=round(float(np.mean(psnrs)), 2) if psnrs else None,
        mean_compression_ratio=round(float(np.mean(ratios)), 1) if ratios else None,
    )
