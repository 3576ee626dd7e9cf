"""raw_footage row -> curated_clips rows: the curator, embedder and captioner over one footage."""
from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import av
import numpy as np
import pyarrow.compute as pc

from resources.curation.backends.captioners import conditions
from resources.curation.candidate import ClipCandidate
from resources.curation.commit import FootageCommits
from resources.curation.dedup import KeptIndex, apply_decision, decide
from resources.curation.engine import CURATOR_VERSION, CurationEngines
from resources.engines import Engines
from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import row_key
from resources.media.codec import FootageError
from resources.sources.simulator import load_npz
from resources.stage_spec import Log, StageSpec


def finished_footage(lake: Lake, day: str, clips_version: int | None = None, rejects_version: int | None = None) -> set[str]:
    """Footage of ``day`` that curation has finished: it has clips, or curation refused it.
    A rerun (or a resume after a crash) skips it."""
    done = set(lake.read("curated_clips", ["footage_id"], version=clips_version, partition=day).column("footage_id").to_pylist())
    refused = lake.read("rejects", ["stage", "subject_id"], version=rejects_version)
    done |= set(refused.filter(pc.equal(refused.column("stage"), "curated_clips")).column("subject_id").to_pylist())
    return done


def pending_footage(lake: Lake, day: str) -> list[dict]:
    """The day's footage not yet curated, in footage-id order: the one order dedup decides in."""
    done = finished_footage(lake, day)
    return sorted((r for r in lake.read("raw_footage", partition=day).to_pylist() if r["footage_id"] not in done), key=lambda r: r["footage_id"])


def _ground_truth_slice(lake: Lake, key: str | None, start: int, end: int, cache: dict) -> str | None:
    if key is None:
        return None
    if key not in cache:
        cache[key] = load_npz(lake.blobs.read_bytes(key))
    buf = io.BytesIO()
    np.savez_compressed(buf, data=cache[key][start:end])
    return lake.blobs.put_bytes(buf.getvalue(), "npz").key


def decode_refusal(exc: Exception) -> str:
    """The reason a footage that breaks during decoding is refused, in the decoder's words
    (or, for footage whose frame times go back, the curator's)."""
    if isinstance(exc, FootageError):
        return f"video cannot be curated: {exc.reason}"
    return f"video breaks during decoding: {getattr(exc, 'strerror', None) or exc}"


def _scans(lake: Lake, engines: CurationEngines, footage: dict) -> Iterator[tuple[dict, ClipCandidate, np.ndarray]]:
    """Every clip of one footage, split, scored, filtered, embedded and captioned: everything
    but dedup, which needs the clips kept before it. Yields (row, candidate, embedding); the
    row's status and drop reason are the filters' verdict, and it refers to no media yet."""
    curator = engines.curator
    with tempfile.TemporaryDirectory(prefix="curate-") as work, lake.blobs.local_path(footage["blob_key"]) as src:
        aligned = footage.get("episode_id") is not None
        # Which models decided, as each row records it (a robot episode's windows are not cut by a model).
        models = {"shot_detector": "stride (aligned cameras)" if aligned else curator.shot_detector_id, "text_detector": curator.text_detector_id}
        for cand in curator.split(Path(src), footage["fps"], Path(work), vfr=bool(footage.get("is_vfr")), aligned=aligned):
            cand.encoded.result()  # the encode of this clip has finished (or raises)
            flags, reason = curator.assess(cand)
            # float32, as the table stores it: this run's dedup compares the vectors a resumed run
            # (or the driver of a parallel run) reads back.
            embedding = np.asarray(engines.embedder.embed(cand.thumbs, cand.keyframes), np.float32)
            row = _clip_row(footage, cand, row_key("clip", footage["footage_id"], cand.start_frame, cand.end_frame), flags, reason, models)
            row.update(embedding=embedding.tolist(), embedder=engines.embedder.embedder_id)
            row.update(conditions(row))
            # The caption describes the clip's content; it is written before dedup decides, so
            # it is the same whichever executor (and whichever order of footage) made the row.
            row.update(caption=engines.captioner.caption(row, cand.keyframes), captioner=engines.captioner.captioner_id)
            yield row, cand, embedding
            Path(cand.video_path).unlink(missing_ok=True)


def curate_footage(lake: Lake, engines: CurationEngines, footage: dict, kept: KeptIndex) -> list[dict]:
    """Split, score, filter, caption, embed and dedup one footage; kept clips become H.264 blobs.

    A footage that fails part-way (it breaks during decoding) leaves ``kept`` as it found it:
    its clips are not committed, so they must not decide the dedup of the footage after it.
    """
    rows: list[dict] = []
    truth_cache: dict = {}
    added: list[str] = []
    try:
        with closing(_scans(lake, engines, footage)) as scans:
            for row, cand, embedding in scans:
                decision = decide(engines, kept, row["clip_id"], row["phash"], embedding, row["drop_reason"], exempt=row["episode_id"] is not None)
                if decision.kept:
                    added.append(row["clip_id"])
                    _store_media(lake, footage, cand, row, truth_cache)
                rows.append(apply_decision(row, decision))
    except BaseException:
        kept.forget(added)
        raise
    return rows


def scan_footage(lake: Lake, engines: CurationEngines, footage: dict) -> list[dict]:
    """``curate_footage`` without dedup, for an executor that curates footage in parallel:
    every clip the filters keep has its media stored as if kept. ``dedup_footage`` then
    decides, in the one fixed order, and a duplicate's row drops its media (blobs no row
    refers to are removed by the maintenance job)."""
    rows: list[dict] = []
    truth_cache: dict = {}
    with closing(_scans(lake, engines, footage)) as scans:
        for row, cand, _ in scans:
            if row["drop_reason"] is None:
                _store_media(lake, footage, cand, row, truth_cache)
            rows.append(row)
    return rows


def _store_media(lake: Lake, footage: dict, cand: ClipCandidate, row: dict, truth_cache: dict) -> None:
    """A kept clip's H.264 blob and its cut of the simulator's ground truth."""
    blob = lake.blobs.put_file(cand.video_path, "mp4")
    row.update(
        blob_key=blob.key,
        size_bytes=blob.size_bytes,
        depth_blob_key=_ground_truth_slice(lake, footage.get("depth_blob_key"), cand.start_frame, cand.end_frame, truth_cache),
        seg_blob_key=_ground_truth_slice(lake, footage.get("seg_blob_key"), cand.start_frame, cand.end_frame, truth_cache),
    )


def _clip_row(footage: dict, cand: ClipCandidate, clip_id: str, flags: list[str], reason: str | None, models: dict) -> dict:
    return {
        "clip_id": clip_id,
        "footage_id": footage["footage_id"],
        "source_kind": footage["source_kind"],
        "clip_index": cand.clip_index,
        "start_frame": cand.start_frame,
        "end_frame": cand.end_frame,
        "num_frames": cand.num_frames,
        "start_s": cand.start_s,
        "duration_s": cand.duration_s,
        "width": cand.width,
        "height": cand.height,
        "fps": footage["fps"],
        "is_vfr": bool(footage.get("is_vfr")),
        "status": "kept" if reason is None else "dropped",
        "drop_reason": reason,
        "flags": flags + ["retimed"] * cand.retimed,
        "duplicate_of": None,
        "similarity": None,
        "sharpness": cand.sharpness,
        "brightness": cand.brightness,
        "clipped_fraction": cand.clipped_fraction,
        "motion": cand.motion,
        "black_fraction": cand.black_fraction,
        "frozen_fraction": cand.frozen_fraction,
        "mv_global_mean": cand.mv_global_mean,
        "mv_patch_min": cand.mv_patch_min,
        "text_fraction": cand.text_fraction,
        "phash": cand.phash,
        "blob_key": None,
        "size_bytes": None,
        "depth_blob_key": None,
        "seg_blob_key": None,
        "sim_params": footage.get("sim_params"),
        "episode_id": footage.get("episode_id"),
        "camera": footage.get("camera"),
        "curator_version": CURATOR_VERSION,
        "shot_detector": models["shot_detector"],
        "text_detector": models["text_detector"],
    }


def run(lake: Lake, engines: Engines, day: str, log: Log) -> Report:
    """The day's footage curated in process, one commit per footage."""
    bundle = CurationEngines.of(engines)
    # A fixed order, so dedup (first kept wins) decides the same way on every run and resume.
    pending = pending_footage(lake, day)
    kept = KeptIndex.from_table(lake, bundle.embedder.embedder_id)
    commits = FootageCommits(lake, day, log, len(pending))
    for footage in pending:
        try:
            rows = curate_footage(lake, bundle, footage, kept)
        except (av.FFmpegError, FootageError) as exc:
            # Probing reads only the start of a file; damage further in shows up here. This
            # footage is refused with the decoder's words, and the rest of the batch goes on.
            commits.refuse(footage, decode_refusal(exc))
            continue
        commits.commit(footage, rows)
    return commits.result(bundle)


STAGE = StageSpec(
    table="curated_clips",
    inputs=("raw_footage", "curated_clips", "rejects"),
    engines=("curator", "embedder", "captioner"),
    job="curation",
    run=run,
)
