"""curated_clips: shots cut from raw footage, scored, filtered, captioned and deduplicated."""
import collections

import av
import dagster as dg
import pyarrow.compute as pc

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish
from resources.configurable import CaptionerResource, CuratorResource, EmbedderResource, LakeResource
from resources.coverage import length_histogram
from resources.curation import CurationEngines, KeptIndex, curate_footage
from resources.rejects import reject_row


@dg.asset(
    group_name="factory",
    deps=["raw_footage"],
    partitions_def=DAILY,
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "pyscenedetect", "h264"},
    description="Shots found by PySceneDetect (or fixed windows), long shots cut into windows, frames at cuts "
    "trimmed. Each clip is scored (sharpness, exposure, motion, black and frozen frames), captioned, "
    "embedded and deduplicated. Kept clips are H.264 MP4 blobs; dropped clips stay as rows with the reason.",
)
def curated_clips(
    context: dg.AssetExecutionContext, lake: LakeResource, curator: CuratorResource, embedder: EmbedderResource, captioner: CaptionerResource
) -> dg.MaterializeResult:
    store = lake.lake
    day = context.partition_key
    engines = CurationEngines(curator.curator(), embedder.embedder, captioner.captioner, embedder.max_similarity)
    done = store.keys("curated_clips", "footage_id", partition=day)
    refused = store.read("rejects", ["stage", "subject_id"])
    done |= set(refused.filter(pc.equal(refused.column("stage"), "curated_clips")).column("subject_id").to_pylist())
    kept = KeptIndex.from_table(store, engines.embedder.embedder_id)
    # A fixed order, so dedup (first kept wins) decides the same way on every run and resume.
    pending = sorted((r for r in store.read("raw_footage", partition=day).to_pylist() if r["footage_id"] not in done), key=lambda r: r["footage_id"])
    pub = Publication("curated_clips")
    drops: collections.Counter[str] = collections.Counter()
    flags: collections.Counter[str] = collections.Counter()
    durations: list[float] = []
    for i, footage in enumerate(pending, 1):
        try:
            rows = curate_footage(store, engines, footage, kept)
        except av.FFmpegError as exc:
            # Probing reads only the start of a file; damage further in shows up here. This
            # footage is refused with the decoder's words, and the rest of the batch goes on.
            reason = f"video breaks during decoding: {exc.strerror or exc}"
            publish(store, "curated_clips", [], [reject_row("curated_clips", footage["footage_id"], "decode_error", reason, footage["source_uri"])], into=pub)
            context.log.warning(f"curation of {footage['file_name']} refused: {reason}")
            continue
        # One commit per footage: a run stopped halfway keeps what it finished, and the rerun
        # resumes with the footage it had not reached.
        publish(store, "curated_clips", [dict(r, ingest_date=day) for r in rows], into=pub)
        drops.update(r["drop_reason"].split(":")[0].split(" (")[0] for r in rows if r["drop_reason"])
        flags.update(f for r in rows for f in r["flags"])
        durations += [r["duration_s"] for r in rows]
        context.log.info(f"curated footage {i}/{len(pending)} ({footage['file_name']}): {len(rows)} clips, {sum(r['status'] == 'kept' for r in rows)} kept")
    status = store.read("curated_clips", ["status", "duration_s"], partition=day)
    kept_total = pc.sum(pc.equal(status.column("status"), "kept")).as_py() or 0
    return materialization(
        store,
        pub,
        partition=day,
        footage_curated=len(pending),
        clips_kept=kept_total,
        clip_length_histogram=dg.MetadataValue.json(length_histogram(status.column("duration_s").to_pylist())),
        clip_length_histogram_this_run=dg.MetadataValue.json(length_histogram(durations)),
        drop_reasons=dg.MetadataValue.json(dict(drops)),
        filter_flags=dg.MetadataValue.json(dict(flags)),
        embedder=engines.embedder.embedder_id,
        captioner=engines.captioner.captioner_id,
    )
