"""evaluated_samples: every variant and original clip, scored check by check against its source."""
import collections

import dagster as dg

from assets.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from assets.publish import Publication, materialization, publish, suite_check_spec
from resources.configurable import EXECUTOR, EvaluatorResource, ExecutionResource, LakeResource
from resources.evaluation import evaluate_clip, kept_clips, variants_by_clip
from resources.execution import job_extras, launch
from resources.lake import Lake

INPUTS = ["curated_clips", "transferred_variants", "evaluated_samples"]


@dg.asset(
    group_name="factory",
    deps=["transferred_variants", "curated_clips"],
    partitions_def=DAILY,
    check_specs=[suite_check_spec("evaluated_samples")],
    automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
    kinds={"delta", "opencv"},
    resource_defs={"executor": EXECUTOR},
    description="Each sample (a variant, or an original clip) with every check as (name, category, score, "
    "threshold, passed) and a sample-level verdict with reasons. Only passing samples are tokenized.",
)
def evaluated_samples(context: dg.AssetExecutionContext, lake: LakeResource, evaluator: EvaluatorResource, executor: ExecutionResource) -> dg.MaterializeResult:
    store = lake.lake
    if (settings := executor.settings()).on_spark:  # spark_jobs/evaluation.py
        return launch(context, settings, "evaluated_samples", job_extras(store.root, {"evaluator": evaluator}, INPUTS, {t: store.version(t) for t in INPUTS}))
    day = context.partition_key
    engine = evaluator.evaluator()
    done = store.keys("evaluated_samples", partition=day)
    clips = kept_clips(store, day)
    by_clip = variants_by_clip(store, day)
    rows = []
    for i, clip in enumerate(clips, 1):
        new = evaluate_clip(store, engine, clip, by_clip[clip["clip_id"]], done)
        rows += new
        if new:
            context.log.info(f"evaluated clip {i}/{len(clips)}: {len(new)} samples, {sum(r['passed'] for r in new)} passed")
    return commit_samples(store, day, rows)


def commit_samples(store: Lake, day: str, rows: list[dict]) -> dg.MaterializeResult:
    """Gate and commit the day's new samples in one commit, and report the partition's pass
    rates: what both executors (in-process and spark_jobs/evaluation.py) do with the rows."""
    pub = publish(store, "evaluated_samples", [dict(r, ingest_date=day) for r in rows], into=Publication("evaluated_samples"))
    table = store.read("evaluated_samples", ["passed", "condition"], partition=day)
    passed = table.column("passed").to_pylist()
    by_condition = collections.defaultdict(lambda: [0, 0])
    for ok, cond in zip(passed, table.column("condition").to_pylist()):
        by_condition[cond][0] += int(ok)
        by_condition[cond][1] += 1
    return materialization(
        store,
        pub,
        with_suite_check=True,
        partition=day,
        pass_rate=round(sum(passed) / max(1, len(passed)), 4),
        pass_rate_by_condition=dg.MetadataValue.json({c: round(p / n, 4) for c, (p, n) in sorted(by_condition.items())}),
    )
