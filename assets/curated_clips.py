"""curated_clips: shots cut from raw footage, scored, filtered, captioned and deduplicated."""

import collections

import av
import dagster as dg
import pyarrow.compute as pc

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish, suite_check_spec
from resources.configurable import EXECUTOR, CaptionerResource, CuratorResource, EmbedderResource, ExecutionResource, LakeResource
from resources.coverage import length_histogram
from resources.curation import CurationEngines, KeptIndex, curate_footage, curation_engines, decode_refusal, pending_footage
from resources.execution import job_extras, launch
from resources.lake import Lake
from resources.rejects import reject_row

INPUTS = ["raw_footage", "curated_clips", "rejects"]


@dg.asset(
    group_name="factory",
    deps=["raw_footage"],
    partitions_def=DAILY,
    check_specs=[suite_check_spec("curated_clips")],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "pyscenedetect", "h264"},
    resource_defs={"executor": EXECUTOR},
    description="Shots found by PySceneDetect (or fixed windows), long shots cut into windows, frames at cuts "
    "trimmed. Each clip is scored (sharpness, exposure, motion, black and frozen frames), captioned, "
    "embedded and deduplicated. Kept clips are H.264 MP4 blobs; dropped clips stay as rows with the reason.",
)
def curated_clips(
    context: dg.AssetExecutionContext, lake: LakeResource, curator: CuratorResource, embedder: EmbedderResource, captioner: CaptionerResource,
    executor: ExecutionResource,
) -> dg.MaterializeResult:
    store = lake.lake
    if (settings := executor.settings()).on_spark:  # spark_jobs/curation.py
        engines = {"curator": curator, "embedder": embedder, "captioner": captioner}
        return launch(context, settings, "curated_clips", job_extras(store.root, engines, INPUTS, {t: store.version(t) for t in INPUTS}))
    day = context.partition_key
    engines = curation_engines(curator, embedder, captioner)
    # A fixed order, so dedup (first kept wins) decides the same way on every run and resume.
    pending = pending_footage(store, day)
    kept = KeptIndex.from_table(store, engines.embedder.embedder_id)
    commits = FootageCommits(store, day, context.log, len(pending))
    for footage in pending:
        try:
            rows = curate_footage(store, engines, footage, kept)
        except av.FFmpegError as exc:
            # Probing reads only the start of a file; damage further in shows up here. This
            # footage is refused with the decoder's words, and the rest of the batch goes on.
            commits.refuse(footage, decode_refusal(exc))
            continue
        commits.commit(footage, rows)
    return commits.result(engines)


class FootageCommits:
    """One commit per footage, in the order given, and the materialization's metadata: what
    both executors (in-process and spark_jobs/curation.py) do with each footage's rows."""

    def __init__(self, store: Lake, day: str, log, total: int):
        self.store, self.day, self.log, self.total = store, day, log, total
        self.pub = Publication("curated_clips")
        self.done = 0
        self.drops: collections.Counter[str] = collections.Counter()
        self.flags: collections.Counter[str] = collections.Counter()
        self.durations: list[float] = []

    def refuse(self, footage: dict, reason: str) -> None:
        self.done += 1
        reject = reject_row("curated_clips", footage["footage_id"], "decode_error", reason, footage["source_uri"])
        publish(self.store, "curated_clips", [], [reject], into=self.pub)
        self.log.warning(f"curation of {footage['file_name']} refused: {reason}")

    def commit(self, footage: dict, rows: list[dict]) -> None:
        # One commit per footage: a run stopped halfway keeps what it finished, and the rerun
        # resumes with the footage it had not reached.
        self.done += 1
        publish(self.store, "curated_clips", [dict(r, ingest_date=self.day) for r in rows], into=self.pub)
        self.drops.update(r["drop_reason"].split(":")[0].split(" (")[0] for r in rows if r["drop_reason"])
        self.flags.update(f for r in rows for f in r["flags"])
        self.durations += [r["duration_s"] for r in rows]
        kept = sum(r["status"] == "kept" for r in rows)
        self.log.info(f"curated footage {self.done}/{self.total} ({footage['file_name']}): {len(rows)} clips, {kept} kept")

    def result(self, engines: CurationEngines) -> dg.MaterializeResult:
        status = self.store.read("curated_clips", ["status", "duration_s"], partition=self.day)
        kept_total = pc.sum(pc.equal(status.column("status"), "kept")).as_py() or 0
        return materialization(
            self.store,
            self.pub,
            with_suite_check=True,
            partition=self.day,
            footage_curated=self.total,
            clips_kept=kept_total,
            clip_length_histogram=dg.MetadataValue.json(length_histogram(status.column("duration_s").to_pylist())),
            clip_length_histogram_this_run=dg.MetadataValue.json(length_histogram(self.durations)),
            drop_reasons=dg.MetadataValue.json(dict(self.drops)),
            filter_flags=dg.MetadataValue.json(dict(self.flags)),
            embedder=engines.embedder.embedder_id,
            captioner=engines.captioner.captioner_id,
        )
