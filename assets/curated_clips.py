"""curated_clips: shots cut from raw footage, scored, filtered and deduplicated."""
import collections

import av
import dagster as dg
import pyarrow.compute as pc

from assets.publish import Publication, materialization, publish
from resources.configurable import CuratorResource, LakeResource
from resources.curation import curate_footage
from resources.rejects import reject_row


@dg.asset(
    group_name="factory",
    deps=["raw_footage"],
    kinds={"delta", "pyscenedetect", "h264"},
    description="Shots found by PySceneDetect (long shots cut into windows), each scored for sharpness, "
    "exposure and motion and deduplicated by perceptual hash. Kept clips are H.264 MP4 blobs; dropped "
    "clips stay as rows with the reason.",
)
def curated_clips(context: dg.AssetExecutionContext, lake: LakeResource, curator: CuratorResource) -> dg.MaterializeResult:
    store = lake.lake
    engine = curator.curator()
    done = set(store.read("curated_clips", ["footage_id"]).column("footage_id").to_pylist())
    refused = store.read("rejects", ["stage", "subject_id"])
    done |= set(refused.filter(pc.equal(refused.column("stage"), "curated_clips")).column("subject_id").to_pylist())
    kept = store.read("curated_clips", ["clip_id", "phash", "status"])
    kept = kept.filter(pc.equal(kept.column("status"), "kept"))
    kept_hashes = dict(zip(kept.column("clip_id").to_pylist(), kept.column("phash").to_pylist()))
    pending = [r for r in store.read("raw_footage").to_pylist() if r["footage_id"] not in done]
    pub = Publication("curated_clips")
    drops: collections.Counter[str] = collections.Counter()
    for i, footage in enumerate(pending, 1):
        # One commit per footage: a run stopped halfway keeps what it finished, and the
        # rerun resumes with the footage it had not reached.
        try:
            rows = curate_footage(store, engine, footage, kept_hashes)
        except av.FFmpegError as exc:
            # Probing reads only the start of a file; damage further in shows up here. This
            # footage is refused with the decoder's words, and the rest of the batch goes on.
            reason = f"video breaks during decoding: {exc.strerror or exc}"
            publish(store, "curated_clips", [], [reject_row("curated_clips", footage["footage_id"], "decode_error", reason, footage["source_uri"])], into=pub)
            context.log.warning(f"curation of {footage['file_name']} refused: {reason}")
            continue
        publish(store, "curated_clips", rows, into=pub)
        drops.update(r["drop_reason"].split(":")[0] for r in rows if r["drop_reason"])
        context.log.info(f"curated footage {i}/{len(pending)} ({footage['file_name']}): {len(rows)} clips, {sum(r['status'] == 'kept' for r in rows)} kept")
    table = store.read("curated_clips", ["status"])
    kept_total = pc.sum(pc.equal(table.column("status"), "kept")).as_py() or 0
    return materialization(
        store, pub, footage_curated=len(pending), clips_kept=kept_total, drop_reasons=dg.MetadataValue.json(dict(drops))
    )
