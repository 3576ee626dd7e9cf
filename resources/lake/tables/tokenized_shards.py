"""tokenized_shards: accepted samples as tokens, in bounded shards."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TableSpec

TOKENIZED_SHARDS = TableSpec(
    "tokenized_shards",
    "token_id",
    pa.schema(
        [
            ("token_id", pa.string()),
            ("shard_id", pa.string()),
            ("split", pa.string()),
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
            ("episode_id", pa.string()),
            ("camera", pa.string()),
            ("action", pa.list_(pa.list_(pa.float32()))),
            ("state", pa.list_(pa.list_(pa.float32()))),
            ("ingest_date", pa.string()),
        ]
    ),
    "Accepted samples as tokens, in shards of bounded size, split train/val by clip hash (by episode for a robot's "
    "views); a robot episode's view carries its actions and states, frame by frame.",
    partition_by="ingest_date",
    descriptions={
        **shared("sample_id", "clip_id", "footage_id", "variant_id", "camera", "ingest_date"),
        "token_id": "sha256 of the sample id and the tokenizer's id and version.",
        "shard_id": "<split>-<16 hex digits of a hash of the shard's token ids>: a rerun over the same samples rebuilds the same shards.",
        "split": "train or val, by a hash of the clip (of the episode for a robot's views), so all of a clip's samples land on one side.",
        "condition": "The sample's transfer condition ('+'-joined when composite); original for an original clip.",
        "caption": "The clip's caption; a variant's adds 'Re-rendered as <condition>.'",
        "tokenizer_id": "The tokenizer: classical-dct-8x8x8 (no weights) or a video VAE as <backend>:<model>.",
        "tokenizer_version": "The tokenizer's version.",
        "token_shape": "Shape of the token array that `tokens` holds.",
        "token_dtype": "NumPy dtype of the token array (e.g. int16, float16).",
        "tokens": "The token array's bytes, C order: rebuild it with `token_shape` and `token_dtype`.",
        "num_frames": "Number of video frames the tokens encode.",
        "recon_psnr": "PSNR in dB of the frames decoded back from the tokens against the sample's frames (inf when identical).",
        "compression_ratio": "Bytes of the sample's decoded frames / bytes of its tokens.",
        "episode_id": "A robot episode's view: the episode (`episodes.episode_id`); null for other samples.",
        "action": "The episode's commanded action per frame over the clip's frames (names in `episodes.action_names`); "
                  "null for samples of no episode.",
        "state": "The episode's observation state per frame over the clip's frames (names in `episodes.state_names`); "
                 "null for samples of no episode.",
    },
)
