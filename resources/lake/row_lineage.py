"""Row lineage: from any token row, sample, variant or clip back to the footage it came from."""
from __future__ import annotations

import pyarrow.compute as pc

from resources.lake import Lake
from resources.lake.tables import TABLES

# Every table on the chain is partitioned by the day its footage landed.
DAY = TABLES["tokenized_shards"].partition_by
# What the chain keeps of a token row: every column but the token arrays.
_TOKEN_COLUMNS = [c for c in TABLES["tokenized_shards"].schema.names if c != "tokens"]
_VARIANT_COLUMNS = ["variant_id", "clip_id", "condition", "recipe_id", "recipe_params", "seed", "backend", "backend_version", "model_id", "blob_key"]

_KEYS = [
    ("tokenized_shards", "token_id"),
    ("evaluated_samples", "sample_id"),
    ("transferred_variants", "variant_id"),
    ("curated_clips", "clip_id"),
    ("raw_footage", "footage_id"),
]


def _find(lake: Lake, table: str, column: str, value: str | None, columns: list[str] | None = None, day: str | None = None) -> dict | None:
    """The row of ``table`` whose ``column`` is ``value`` (in partition ``day`` only, when
    given: the rows behind a row landed on its day, so the other days' files are never opened)."""
    if value is None:
        return None
    cols = None if columns is None else list(dict.fromkeys([column, *columns]))
    row = lake.lookup(table, column, value, cols, partition=day)
    return row if row is None or columns is None else {k: row[k] for k in columns}


def trace(lake: Lake, row_id: str) -> dict:
    """The chain of rows behind ``row_id``: shard row -> sample -> variant and its recipe and
    plan reason -> clip and its frame range -> raw footage. Raises KeyError if no table has it.

    Finding the row reads only its table's key column, of the files whose key statistics allow
    it; every row behind it is looked up the same way in that day's partition alone."""
    # A token row is read whole (but its tokens) when found: it is the first link of the chain.
    found = next(((t, hit) for t, k in _KEYS if (hit := _find(lake, t, k, row_id, _TOKEN_COLUMNS if t == "tokenized_shards" else [k, DAY]))), None)
    if found is None:
        raise KeyError(f"{row_id} is not a token, sample, variant, clip or footage id in {lake.root}")
    chain: dict = {}
    table, hit = found
    day = hit[DAY]
    token = hit if table == "tokenized_shards" else None
    if token:
        chain["token"] = {k: token[k] for k in ("token_id", "shard_id", "split", "tokenizer_id", "tokenizer_version", "token_shape", "caption")}
    sample_id = token["sample_id"] if token else (row_id if table == "evaluated_samples" else None)
    sample = _find(lake, "evaluated_samples", "sample_id", sample_id, ["sample_id", "sample_kind", "variant_id", "clip_id", "passed", "fail_reasons", "evaluator_version"], day)
    if sample:
        chain["sample"] = sample
    variant_id = sample["variant_id"] if sample else (row_id if table == "transferred_variants" else None)
    variant = _find(lake, "transferred_variants", "variant_id", variant_id, _VARIANT_COLUMNS, day)
    if variant:
        chain["variant"] = {k: variant[k] for k in _VARIANT_COLUMNS if k != "clip_id"}
        plan = lake.read("transfer_plan", ["plan_id", "spec_name", "request", "reason", "clip_id", "condition", "seed"], partition=day)
        mask = pc.and_(pc.equal(plan.column("clip_id"), variant["clip_id"]), pc.and_(pc.equal(plan.column("condition"), variant["condition"]), pc.equal(plan.column("seed"), variant["seed"])))
        planned = plan.filter(mask).to_pylist()
        if planned:
            chain["plan"] = {k: planned[0][k] for k in ("plan_id", "spec_name", "request", "reason")}
    clip_id = (variant or sample or {}).get("clip_id") or (row_id if table == "curated_clips" else None)
    clip = _find(lake, "curated_clips", "clip_id", clip_id, ["clip_id", "footage_id", "start_frame", "end_frame", "start_s", "duration_s", "status", "caption", "blob_key"], day)
    if clip:
        chain["clip"] = clip
    footage_id = clip["footage_id"] if clip else (row_id if table == "raw_footage" else None)
    footage = _find(lake, "raw_footage", "footage_id", footage_id, ["footage_id", "source_kind", "source_uri", "file_name", "sim_scene_id", "fps", "frame_count", "blob_key"], day)
    if footage:
        chain["footage"] = footage
    return chain
