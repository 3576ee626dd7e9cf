"""evaluated_samples: every variant and original clip, scored check by check against its source."""
import collections

import dagster as dg
import pyarrow.compute as pc

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish
from resources.configurable import EvaluatorResource, LakeResource
from resources.evaluation import evaluate_clip


@dg.asset(
    group_name="factory",
    deps=["transferred_variants", "curated_clips"],
    partitions_def=DAILY,
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "opencv"},
    description="Each sample (a variant, or an original clip) with every check as (name, category, score, "
    "threshold, passed) and a sample-level verdict with reasons. Only passing samples are tokenized.",
)
def evaluated_samples(context: dg.AssetExecutionContext, lake: LakeResource, evaluator: EvaluatorResource) -> dg.MaterializeResult:
    store = lake.lake
    day = context.partition_key
    engine = evaluator.evaluator()
    done = store.keys("evaluated_samples", partition=day)
    clips = store.read("curated_clips", partition=day)
    clips = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    by_clip = collections.defaultdict(list)
    for v in store.read("transferred_variants", ["variant_id", "clip_id", "blob_key", "condition", "backend"], partition=day).to_pylist():
        by_clip[v["clip_id"]].append(v)
    rows = []
    for i, clip in enumerate(clips, 1):
        new = evaluate_clip(store, engine, clip, by_clip[clip["clip_id"]], done)
        rows += [dict(r, ingest_date=day) for r in new]
        if new:
            context.log.info(f"evaluated clip {i}/{len(clips)}: {len(new)} samples, {sum(r['passed'] for r in new)} passed")
    pub = publish(store, "evaluated_samples", rows, into=Publication("evaluated_samples"))
    table = store.read("evaluated_samples", ["passed", "condition"], partition=day)
    passed = table.column("passed").to_pylist()
    by_condition = collections.defaultdict(lambda: [0, 0])
    for ok, cond in zip(passed, table.column("condition").to_pylist()):
        by_condition[cond][0] += int(ok)
        by_condition[cond][1] += 1
    return materialization(
        store,
        pub,
        partition=day,
        pass_rate=round(sum(passed) / max(1, len(passed)), 4),
        pass_rate_by_condition=dg.MetadataValue.json({c: round(p / n, 4) for c, (p, n) in sorted(by_condition.items())}),
    )
