"""tokenized_shards on Spark: accepted samples tokenized in parallel, shards packed on the driver.

Each task runs ``resources.tokenization.stage.tokenize_sample`` - the in-process tokenizer - over a
range of sample ids, in ``mapInArrow``. Shard membership depends on the order rows arrive in
(a shard seals when it is full), so the inputs are range-partitioned and sorted by sample id,
the tokens are computed once for all partitions (persisted), and the driver then streams them
partition by partition - in sample-id order - into the same ``ShardCommits`` the in-process
asset uses: the same shards, each committed as it seals, memory bounded by one partition.

    python -m spark_jobs.tokenization      # launched by the tokenized_shards asset through Dagster Pipes
"""
from __future__ import annotations

import pyarrow as pa

from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import TOKENIZED_SHARDS
from resources.tokenization.stage import SAMPLE_COLUMNS, STAGE, episode_windows, pending_samples, shard_commits, tokenize_sample, with_episode
from spark_jobs.job import Job, batches, engine, map_schema, run

# The driver adds the episode's actions and states (from tables pinned at launch), not the workers.
TOKENS = pa.schema([f for f in TOKENIZED_SHARDS.schema if f.name not in ("ingest_date", "action", "state")])


def tokenizer_task(lake_root: str, settings: dict, out: pa.Schema):
    """The mapInArrow function: accepted samples (each with its clip's caption) in, token rows out."""
    val_fraction = settings["tokenizer"]["val_fraction"]

    def tokenize(batches_in):
        lake = Lake(lake_root)
        tok = engine("tokenizer", settings)
        for batch in batches_in:
            for sample in batch.to_pylist():
                clip = {"clip_id": sample["clip_id"], "caption": sample.pop("caption"), "episode_id": sample.pop("episode_id"),
                        "camera": sample.pop("camera")}
                yield from batches([tokenize_sample(lake, tok, sample, clip, val_fraction)], out)

    return tokenize


def tokenize(job: Job) -> Report:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    store, day = job.lake, job.day
    pending = [s["sample_id"] for s in pending_samples(store, job.engines["tokenizer"], day, job.version("evaluated_samples"), job.version("tokenized_shards"))]
    shards = shard_commits(store, job.engines, day)
    if pending:
        samples = job.read("evaluated_samples", SAMPLE_COLUMNS).join(F.broadcast(job.keys_frame("sample_id", pending)), "sample_id", "left_semi")
        captions = job.read("curated_clips", ["clip_id", "caption", "episode_id", "camera"])
        windows = episode_windows(store, day, job.version("curated_clips"), job.version("episodes"))
        inputs = samples.join(captions, "clip_id", "left").repartitionByRange(job.tasks(len(pending)), "sample_id").sortWithinPartitions("sample_id")
        struct, out = map_schema(TOKENS)
        tokens = inputs.mapInArrow(tokenizer_task(store.root, job.extras["engines"], out), struct).persist(StorageLevel.MEMORY_AND_DISK)
        job.log.info(f"tokenizing {len(pending)} samples in {job.tasks(len(pending))} tasks")
        tokens.count()  # every partition tokenized, in parallel
        last = ""
        for i, row in enumerate(tokens.toLocalIterator(), 1):
            row = row.asDict(recursive=True)
            if row["sample_id"] < last:  # shards depend on the order: never pack out of order
                raise RuntimeError(f"token rows arrived out of sample-id order ({row['sample_id']} after {last})")
            last = row["sample_id"]
            shards.add(with_episode(dict(row, tokens=bytes(row["tokens"])), windows))
            if i % 10 == 0 or i == len(pending):
                job.log.info(f"committed tokens of {i}/{len(pending)} samples")
        tokens.unpersist()
    return shards.result()


def main() -> None:
    run(STAGE, tokenize)


if __name__ == "__main__":
    main()
