"""Tokenization's commits: token rows, arriving in sample-id order, packed into shards, each
sealed shard committed at once (memory holds one open shard per split, not the table), and
what the materialization reports. Both executors (in process, spark_jobs/tokenization.py)
commit through it."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from resources.lake import Lake
from resources.lake.publish import Publication, publish
from resources.lake.report import Report, report
from resources.lake.tables import row_key
from resources.tokenization.engine import Tokenizer

TABLE = "tokenized_shards"


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


class ShardCommits:
    def __init__(self, store: Lake, day: str, tokenizer: Tokenizer, shard_max_rows: int, shard_max_bytes: int):
        self.store, self.day, self.tok = store, day, tokenizer
        self.packer = ShardPacker(shard_max_rows, shard_max_bytes)
        self.pub = Publication(TABLE)
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
        publish(self.store, TABLE, shard, into=self.pub)
        self.shards += 1

    def result(self) -> Report:
        for shard in self.packer.flush():
            self._commit(shard)
        return report(
            self.store,
            TABLE,
            self.pub,
            with_suite_check=True,
            partition=self.day,
            tokenizer=f"{self.tok.tokenizer_id} {self.tok.version}",
            tokenizer_description=self.tok.description,
            shards_written=self.shards,
            mean_recon_psnr_db=round(float(np.mean(self.psnrs)), 2) if self.psnrs else None,
            mean_compression_ratio=round(float(np.mean(self.ratios)), 1) if self.ratios else None,
        )
