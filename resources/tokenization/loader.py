"""A training loader over tokenized_shards: a torch IterableDataset that streams shard by shard.

Each sealed shard is committed on its own, so the table's data files line up with shards.
Files are dealt out round-robin over (distributed rank x DataLoader worker), so every row is
read by exactly one reader, and only one file's rows are in memory per reader.

With DataLoader workers, use ``multiprocessing_context="spawn"``: a process that has already
touched the lake runs delta-rs's async runtime, which does not survive ``fork``.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch.utils.data import IterableDataset, get_worker_info

from resources.lake import Lake
from resources.lake.tables import TOKENIZED_SHARDS

_META = ["token_id", "shard_id", "split", "sample_id", "clip_id", "footage_id", "variant_id", "condition", "caption", "tokenizer_id", "tokenizer_version", "num_frames",
         "episode_id", "camera"]


class TokenShardDataset(IterableDataset):
    """Yields {"tokens": tensor, "caption": str, "meta": {...}} for one split of the shards; a robot
    episode's view also has "action" and "state" (num_frames x dim), aligned with its frames.

    ``version`` pins the Delta version read (a dataset release); ``rank``/``world_size``
    default to torch.distributed's when it is initialised.
    """

    def __init__(self, lake_root: str, split: str = "train", version: int | None = None, rank: int | None = None, world_size: int | None = None):
        self.lake_root, self.split, self.version = lake_root, split, version
        dist = torch.distributed.is_available() and torch.distributed.is_initialized()
        self.rank = rank if rank is not None else (torch.distributed.get_rank() if dist else 0)
        self.world_size = world_size if world_size is not None else (torch.distributed.get_world_size() if dist else 1)

    @classmethod
    def for_release(cls, lake_root: str, release: str, split: str = "train", rank: int | None = None, world_size: int | None = None) -> "TokenShardDataset":
        """The shards exactly as the named dataset release pinned them."""
        from resources.lake.releases import load_release

        version = load_release(Lake(lake_root), release).table_versions["tokenized_shards"]
        return cls(lake_root, split, version=version, rank=rank, world_size=world_size)

    def _files(self, lake: Lake) -> list:
        dt = lake.delta_table("tokenized_shards", self.version)
        if dt is None:
            return []
        return sorted(lake.dataset(dt, "tokenized_shards").get_fragments(), key=lambda f: f.path)

    def __iter__(self) -> Iterator[dict]:
        lake = Lake(self.lake_root)
        worker = get_worker_info()
        workers, worker_id = (worker.num_workers, worker.id) if worker else (1, 0)
        readers, reader = self.world_size * workers, self.rank * workers + worker_id
        for fragment in self._files(lake)[reader::readers]:
            columns = [*_META, "tokens", "token_shape", "token_dtype", "action", "state"]
            have = set(fragment.physical_schema.names)  # files written before episodes carry no actions
            table = fragment.to_table(columns=[c for c in columns if c in have])
            for c in (c for c in columns if c not in have):
                table = table.append_column(c, pa.nulls(table.num_rows, TOKENIZED_SHARDS.schema.field(c).type))
            # Files delta-rs merged may hold strings as string_view: read them as the table declares.
            table = table.select(columns).cast(pa.schema([TOKENIZED_SHARDS.schema.field(c) for c in columns]))
            table = table.filter(pc.equal(table.column("split"), self.split))
            for row in table.to_pylist():
                tokens = np.frombuffer(row["tokens"], dtype=row["token_dtype"]).reshape(row["token_shape"])
                item = {"tokens": torch.from_numpy(tokens.copy()), "caption": row["caption"], "meta": {k: row[k] for k in _META}}
                if row["action"] is not None:  # a robot episode's view: one action and one state per frame of the clip
                    item["action"] = torch.tensor(row["action"], dtype=torch.float32)
                    item["state"] = torch.tensor(row["state"], dtype=torch.float32)
                yield item
