"""A clip and its variants -> evaluated_samples rows: every sample scored against its source."""
from __future__ import annotations

import av

from resources.engines import Engines
from resources.evaluation.commit import commit_samples
from resources.evaluation.engine import (
    EVALUATOR_VERSION,
    INTEGRITY,
    CheckResult,
    Evaluator,
    verdict,
)
from resources.evaluation.failures import clip_line
from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import row_key
from resources.media.codec import FootageError, read_clip
from resources.sources.simulator import load_npz
from resources.stage_spec import Log, StageSpec


def sample_id(subject_id: str) -> str:
    return row_key("sample", subject_id, EVALUATOR_VERSION)


def _frames(lake: Lake, key: str):
    """A sample's frames and the times its file gives them."""
    with lake.blobs.local_path(key) as path:
        return read_clip(path)


def _truth(lake: Lake, key: str | None, shape: tuple[int, int]):
    if not key:
        return None
    return load_npz(lake.blobs.read_bytes(key))[:, : shape[0], : shape[1]]


def evaluate_clip(lake: Lake, evaluator: Evaluator, clip: dict, variants: list[dict], done: set[str]) -> list[dict]:
    """Score the original clip (on its own merits) and each of its variants not yet evaluated
    (against the original, decoded once)."""
    subjects = [("original", None, clip["blob_key"], None, "source")] + [
        ("variant", v["variant_id"], v["blob_key"], v["condition"], v["backend"]) for v in variants
    ]
    todo = [s for s in subjects if sample_id(s[1] or clip["clip_id"]) not in done]
    if not todo:
        return []
    source, source_times = _frames(lake, clip["blob_key"])
    seg = _truth(lake, clip.get("seg_blob_key"), source.shape[1:3])
    depth = _truth(lake, clip.get("depth_blob_key"), source.shape[1:3])
    rows = []
    for kind, vid, blob_key, condition, backend in todo:
        try:
            if kind == "original":  # judged on its own merits, never against itself
                checks = evaluator.evaluate_original(source) + evaluator.timing(source_times, clip)
            else:
                frames, times = _frames(lake, blob_key)
                checks = evaluator.evaluate(source, frames, condition, seg, depth) + evaluator.timing(times, clip)
        except (av.FFmpegError, FootageError):
            # A variant that cannot be decoded fails visual integrity; it does not stop the run.
            # Only a decode failure: any other error is a bug, and fails the step loudly.
            checks = [CheckResult("decodable", INTEGRITY, 0.0, 1.0, ">=", True, False)]
        passed, reasons = verdict(checks)
        rows.append(
            {
                "sample_id": sample_id(vid or clip["clip_id"]),
                "sample_kind": kind,
                "variant_id": vid,
                "clip_id": clip["clip_id"],
                "footage_id": clip["footage_id"],
                "condition": condition or "original",
                "backend": backend,
                "blob_key": blob_key,
                "checks": [c.as_row() for c in checks],
                "passed": passed,
                "fail_reasons": reasons,
                "evaluator_version": EVALUATOR_VERSION,
            }
        )
    return rows


VARIANT_COLUMNS = ["variant_id", "clip_id", "blob_key", "condition", "backend"]


def kept_clips(lake: Lake, day: str, version: int | None = None) -> list[dict]:
    """The day's kept clips: the sources every sample is scored against."""
    import pyarrow.compute as pc

    clips = lake.read("curated_clips", version=version, partition=day)
    return clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()


def variants_by_clip(lake: Lake, day: str, version: int | None = None) -> dict[str, list[dict]]:
    """The day's variants, grouped by the clip they were rendered from (in table order)."""
    import collections

    by_clip: dict[str, list[dict]] = collections.defaultdict(list)
    for v in lake.read("transferred_variants", VARIANT_COLUMNS, version=version, partition=day).to_pylist():
        by_clip[v["clip_id"]].append(v)
    return by_clip


def run(lake: Lake, engines: Engines, day: str, log: Log) -> Report:
    """The day's kept clips and their variants scored in process, committed in one commit."""
    evaluator = engines["evaluator"]
    done = lake.keys("evaluated_samples", partition=day)
    clips = kept_clips(lake, day)
    by_clip = variants_by_clip(lake, day)
    rows = []
    for i, clip in enumerate(clips, 1):
        new = evaluate_clip(lake, evaluator, clip, by_clip[clip["clip_id"]], done)
        rows += new
        if new:
            log.info(clip_line(i, len(clips), new))
    return commit_samples(lake, day, rows)


STAGE = StageSpec(
    table="evaluated_samples",
    inputs=("curated_clips", "transferred_variants", "evaluated_samples"),
    engines=("evaluator",),
    job="evaluation",
    run=run,
)
