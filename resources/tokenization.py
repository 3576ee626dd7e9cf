"""Accepted evaluated_samples rows -> tokenized_shards rows, in shards of bounded size."""
from __future__ import annotations

from collections.abc import Iterator

from resources.lake import Lake
from resources.tables import row_key
from resources.tokenizer.base import Tokenizer, psnr
from resources.video import read_frames


def split_of(clip_id: str, val_fraction: float) -> str:
    """train/val by a hash of the clip: every variant of a clip lands on the same side."""
    return "val" if int(clip_id[:8], 16) % 10_000 < val_fraction * 10_000 else "train"


def token_id(tokenizer: Tokenizer, sample_id: str) -> str:
    return row_key("tokens", sample_id, tokenizer.tokenizer_id, tokenizer.version)


def caption(sample: dict, clip: dict) -> str:
    """The clip's caption, with the condition the sample was re-rendered under."""
    if sample["sample_kind"] == "original":
        return clip["caption"]
    return f"{clip['caption']} Re-rendered as {sample['condition']}."


def tokenize_sample(lake: Lake, tokenizer: Tokenizer, sample: dict, clip: dict, val_fraction: float) -> dict:
    with lake.blobs.local_path(sample["blob_key"]) as path:
        frames = read_frames(path)
    tokenized = tokenizer.encode(frames)
    payload = tokenized.token_bytes
    return {
        "token_id": token_id(tokenizer, sample["sample_id"]),
        "shard_id": None,
        "split": split_of(sample["clip_id"], val_fraction),
        "sample_id": sample["sample_id"],
        "clip_id": sample["clip_id"],
        "footage_id": sample["footage_id"],
        "variant_id": sample["variant_id"],
        "condition": sample["condition"],
        "caption": caption(sample, clip),
        "tokenizer_id": tokenizer.tokenizer_id,
        "tokenizer_version": tokenizer.version,
        "token_shape": list(tokenized.tokens.shape),
        "token_dtype": str(tokenized.tokens.dtype),
        "tokens": payload,
        "num_frames": tokenized.num_frames,
        "recon_psnr": psnr(frames, tokenizer.decode(tokenized)),
        "compression_ratio": frames.nbytes / len(payload),
    }


class ShardPacker:
    """Packs token rows into shards of at most ``max_rows`` rows and ``max_bytes`` token bytes,
    one open shard per split. A shard's id is a hash of its members, so a rerun over the
    same samples rebuilds the same shards."""

    def __init__(self, max_rows: int, max_bytes: int):
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self._open: dict[str, list[dict]] = {}

    def add(self, row: dict) -> Iterator[list[dict]]:
        shard = self._open.setdefault(row["split"], [])
        size = sum(len(r["tokens"]) for r in shard)
        if shard and (len(shard) >= self.max_rows or size + len(row["tokens"]) > self.max_bytes):
            yield self._seal(row["split"])
            shard = self._open.setdefault(row["split"], [])
        shard.append(row)

    def flush(self) -> Iterator[list[dict]]:
        for split in sorted(self._open):
            if self._open[split]:
                yield self._seal(split)

    def _seal(self, split: str) -> list[dict]:
        rows = self._open.pop(split)
        shard_id = f"{split}-{row_key('shard', *sorted(r['token_id'] for r in rows))[:16]}"
        for r in rows:
            r["shard_id"] = shard_id
        return rows


SAMPLE_COLUMNS = ["sample_id", "sample_kind", "variant_id", "clip_id", "footage_id", "condition", "blob_key", "passed"]


def pending_samples(lake: Lake, tokenizer: Tokenizer, day: str, samples_version: int | None = None, tokens_version: int | None = None) -> list[dict]:
    """The day's accepted samples that this tokenizer has not tokenized yet, in sample-id
    order: the order shards are packed in."""
    import pyarrow.compute as pc

    done = set(lake.read("tokenized_shards", ["token_id"], version=tokens_version, partition=day).column("token_id").to_pylist())
    samples = lake.read("evaluated_samples", SAMPLE_COLUMNS, version=samples_version, partition=day)
    samples = samples.filter(pc.equal(samples.column("passed"), True)).to_pylist()
    return sorted((s for s in samples if token_id(tokenizer, s["sample_id"]) not in done), key=lambda s: s["sample_id"])
