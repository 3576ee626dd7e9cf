"""The training loader streams every token row once, across DataLoader workers and ranks."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from resources.lake.publish import publish
from resources.tokenization.commit import ShardPacker
from resources.tokenization.loader import TokenShardDataset


def _rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        tokens = (np.arange(24, dtype=np.int16) + i).reshape(1, 2, 3, 4)
        rows.append({
            "token_id": f"{i:064x}", "shard_id": None, "split": "val" if i % 5 == 0 else "train", "sample_id": f"s{i}", "clip_id": f"c{i}",
            "footage_id": "f", "variant_id": None, "condition": "night", "caption": f"clip {i}", "tokenizer_id": "t", "tokenizer_version": "1",
            "token_shape": list(tokens.shape), "token_dtype": "int16", "tokens": tokens.tobytes(), "num_frames": 8, "recon_psnr": 30.0,
            "compression_ratio": 50.0, "ingest_date": "2026-11-20",
        })
    return rows


@pytest.fixture
def shards(lake):
    packer = ShardPacker(max_rows=4, max_bytes=1 << 20)
    for row in _rows(30):
        for shard in packer.add(row):
            publish(lake, "tokenized_shards", shard)
    for shard in packer.flush():
        publish(lake, "tokenized_shards", shard)
    return lake


def test_streams_every_row_of_a_split_once_with_tokens_and_captions(shards):
    items = list(TokenShardDataset(shards.root, "train"))
    assert sorted(i["meta"]["token_id"] for i in items) == sorted(r["token_id"] for r in _rows(30) if r["split"] == "train")
    first = next(i for i in items if i["meta"]["sample_id"] == "s1")
    assert first["tokens"].dtype == torch.int16 and tuple(first["tokens"].shape) == (1, 2, 3, 4)
    assert int(first["tokens"].flatten()[0]) == 1 and first["caption"] == "clip 1"


def test_dataloader_workers_and_ranks_split_the_work(shards):
    seen = []
    for rank in range(2):
        # spawn, not fork: the parent already runs delta-rs (a Rust async runtime), which does not survive fork.
        loader = DataLoader(TokenShardDataset(shards.root, "train", rank=rank, world_size=2), batch_size=None, num_workers=2, multiprocessing_context="spawn")
        seen.append([i["meta"]["token_id"] for i in loader])
    assert set(seen[0]).isdisjoint(seen[1]) and seen[0] and seen[1]
    assert len(seen[0]) + len(seen[1]) == sum(r["split"] == "train" for r in _rows(30))


def test_a_pinned_version_reads_the_rows_it_had(shards):
    pinned = shards.version("tokenized_shards")
    before = sorted(i["meta"]["token_id"] for i in TokenShardDataset(shards.root, "train", version=pinned))
    extra = _rows(34)[30:]
    for r in extra:
        r["shard_id"] = "train-extra"
    publish(shards, "tokenized_shards", [dict(r, split="train") for r in extra])
    assert sorted(i["meta"]["token_id"] for i in TokenShardDataset(shards.root, "train", version=pinned)) == before
    assert len(list(TokenShardDataset(shards.root, "train"))) == len(before) + 4
