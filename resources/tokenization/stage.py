"""Accepted evaluated_samples rows -> tokenized_shards rows, in shards of bounded size."""
from __future__ import annotations

from resources.engines import Engines
from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import row_key
from resources.media.codec import FootageError, iter_frames
from resources.stage_spec import Log, StageSpec
from resources.tokenization.commit import ShardCommits
from resources.tokenization.engine import EmptyClipError, Tokenizer


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
        try:
            measured = tokenizer.encode_measured(f.image for f in iter_frames(path))
        except EmptyClipError:
            raise FootageError("undecodable", f"no frame of sample {sample['sample_id'][:12]}'s video could be decoded") from None
    tokenized = measured.tokenized
    payload = tokenized.token_bytes
    return {
        "token_id": token_id(tokenizer, sample["sample_id"]),
        "shard_id": None,
        # An episode's views and windows share one split: a camera in train and another in val would leak.
        "split": split_of(clip.get("episode_id") or sample["clip_id"], val_fraction),
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
        "recon_psnr": measured.psnr,
        "compression_ratio": measured.raw_bytes / len(payload),
        "episode_id": clip.get("episode_id"),
        "camera": clip.get("camera"),
    }


CLIP_COLUMNS = ["clip_id", "caption", "episode_id", "camera", "start_frame", "end_frame"]


def episode_windows(lake: Lake, day: str, clips_version: int | None = None, episodes_version: int | None = None) -> dict[str, dict]:
    """clip_id -> the actions and states of its episode over the clip's frames, for the day's
    clips that are views of a robot episode (both tables read at the versions given)."""
    clips = [c for c in lake.read("curated_clips", CLIP_COLUMNS, version=clips_version, partition=day).to_pylist() if c["episode_id"]]
    if not clips:
        return {}
    episodes = {e["episode_id"]: e for e in lake.read("episodes", ["episode_id", "action", "state"], version=episodes_version, partition=day).to_pylist()}
    return {c["clip_id"]: {"action": episodes[c["episode_id"]]["action"][c["start_frame"]:c["end_frame"]],
                           "state": episodes[c["episode_id"]]["state"][c["start_frame"]:c["end_frame"]]}
            for c in clips if c["episode_id"] in episodes}


def with_episode(row: dict, windows: dict[str, dict]) -> dict:
    """A token row with its episode's actions and states (None for a sample of no episode)."""
    return {**row, **windows.get(row["clip_id"], {"action": None, "state": None})}


SAMPLE_COLUMNS = ["sample_id", "sample_kind", "variant_id", "clip_id", "footage_id", "condition", "blob_key", "passed"]


def pending_samples(lake: Lake, tokenizer: Tokenizer, day: str, samples_version: int | None = None, tokens_version: int | None = None) -> list[dict]:
    """The day's accepted samples that this tokenizer has not tokenized yet, in sample-id
    order: the order shards are packed in."""
    import pyarrow.compute as pc

    done = set(lake.read("tokenized_shards", ["token_id"], version=tokens_version, partition=day).column("token_id").to_pylist())
    samples = lake.read("evaluated_samples", SAMPLE_COLUMNS, version=samples_version, partition=day)
    samples = samples.filter(pc.equal(samples.column("passed"), True)).to_pylist()
    return sorted((s for s in samples if token_id(tokenizer, s["sample_id"]) not in done), key=lambda s: s["sample_id"])


def shard_commits(lake: Lake, engines: Engines, day: str) -> ShardCommits:
    """Where the day's token rows go: shards bounded by the tokenizer settings' row and byte limits."""
    settings = engines.settings["tokenizer"]
    return ShardCommits(lake, day, engines["tokenizer"], settings["shard_max_rows"], settings["shard_max_bytes"])


def run(lake: Lake, engines: Engines, day: str, log: Log) -> Report:
    """The day's accepted samples tokenized in process, each sealed shard committed at once."""
    tok = engines["tokenizer"]
    samples = pending_samples(lake, tok, day)
    clips = {c["clip_id"]: c for c in lake.read("curated_clips", CLIP_COLUMNS, partition=day).to_pylist()}
    windows = episode_windows(lake, day)
    shards = shard_commits(lake, engines, day)
    val_fraction = engines.settings["tokenizer"]["val_fraction"]
    for i, sample in enumerate(samples, 1):
        shards.add(with_episode(tokenize_sample(lake, tok, sample, clips[sample["clip_id"]], val_fraction), windows))
        if i % 10 == 0 or i == len(samples):
            log.info(f"tokenized {i}/{len(samples)} samples")
    return shards.result()


STAGE = StageSpec(
    table="tokenized_shards",
    inputs=("evaluated_samples", "curated_clips", "episodes", "tokenized_shards"),
    engines=("tokenizer",),
    job="tokenization",
    run=run,
)
