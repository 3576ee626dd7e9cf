"""tokenized_shards: accepted samples as tokens, in bounded shards."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TableSpec

TOKENIZED_SHARDS = TableSpec(
    "tokenized_shards",
    "token_id",
    pa.schema(
        [
            ("token_id", pa.string()),
            ("shard_id", pa.string()),
            ("split", pa.string()),  # train | val
            ("sample_id", pa.string()),
            ("clip_id", pa.string()),
            ("footage_id", pa.string()),
            ("variant_id", pa.string()),
            ("condition", pa.string()),
            ("caption", pa.string()),
            ("tokenizer_id", pa.string()),
            ("tokenizer_version", pa.string()),
            ("token_shape", pa.list_(pa.int32())),
            ("token_dtype", pa.string()),
            ("tokens", pa.large_binary()),
            ("num_frames", pa.int32()),
            ("recon_psnr", pa.float64()),
            ("compression_ratio", pa.float64()),
            ("episode_id", pa.string()),  # a robot episode's view: the episode (null for other samples)
            ("camera", pa.string()),
            ("action", pa.list_(pa.list_(pa.float32()))),  # the episode's actions over the clip's frames, one per frame
            ("state", pa.list_(pa.list_(pa.float32()))),  # and its observation state
            ("ingest_date", pa.string()),  # YYYY-MM-DD, the daily partition
        ]
    ),
    "Accepted samples as tokens, in shards of bounded size, split train/val by clip hash (by episode for a robot's "
    "views); a robot episode's view carries its actions and states, frame by frame.",
    partition_by="ingest_date",
)
