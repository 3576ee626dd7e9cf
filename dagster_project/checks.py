"""Blocking checks that need the committed tables: cross-table integrity after each write.

The GX suites already gated every batch before its commit; these checks catch what only
the committed tables show (a clip whose footage is gone, a token row from a failed sample).

A check of a partitioned table reads the run's day only, in every table it joins: a row and
the rows behind it share the day their footage landed (``ingest_date``), so a day's rows can
only break against that day's, and the other days were checked when they ran. A nightly check
costs what the night's rows cost, not what the lake holds. A check run with no partition (on its
own, from the UI) reads every day.
"""
import dagster as dg
import pyarrow.compute as pc

from dagster_project.configurable import LakeResource, TokenizerResource


def _day(context: dg.AssetCheckExecutionContext) -> str | None:
    """The day this run materialized, or None (every day) when the run has no partition."""
    return context.run.tags.get("dagster/partition")


def _result(missing: list, what: str, checked: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not missing,
        metadata={"rows_checked": checked, "violations": len(missing), "examples": dg.MetadataValue.json([str(m)[:80] for m in missing[:5]])},
        description=f"{len(missing)} {what}" if missing else None,
    )


@dg.asset_check(asset="raw_footage", blocking=True, description="Every blob a raw_footage row of the run's day names exists in the blob store.")
def raw_footage_blobs_exist(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    store = lake.lake()
    # One request per blob of the run's day, not of the whole lake.
    day = _day(context)
    table = store.read("raw_footage", ["blob_key", "depth_blob_key", "seg_blob_key", "episode_blob_key"], partition=day)
    keys = [k for col in table.columns for k in col.drop_null().to_pylist()]
    return _result([k for k in keys if not store.blobs.exists(k)], "blobs missing", len(keys))


@dg.asset_check(asset="curated_clips", blocking=True, description="Every clip's footage exists in raw_footage and its frame range lies inside it.")
def curated_clips_trace_to_footage(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    store, day = lake.lake(), _day(context)
    frames = dict(zip(*store.read("raw_footage", ["footage_id", "frame_count"], partition=day).to_pydict().values()))
    clips = store.read("curated_clips", ["clip_id", "footage_id", "start_frame", "end_frame"], partition=day).to_pylist()
    bad = [c["clip_id"] for c in clips if c["footage_id"] not in frames or not (0 <= c["start_frame"] < c["end_frame"] <= frames[c["footage_id"]])]
    return _result(bad, "clips without footage or outside its frames", len(clips))


@dg.asset_check(asset="transferred_variants", blocking=True, description="Every variant comes from a kept clip and has that clip's frame count and size.")
def variants_match_their_clips(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    store, day = lake.lake(), _day(context)
    clips = store.read("curated_clips", ["clip_id", "status", "num_frames", "width", "height"], partition=day)
    kept = {c["clip_id"]: c for c in clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()}
    variants = store.read("transferred_variants", ["variant_id", "clip_id", "num_frames", "width", "height"], partition=day).to_pylist()
    bad = [
        v["variant_id"] for v in variants
        if v["clip_id"] not in kept or any(v[k] != kept[v["clip_id"]][k] for k in ("num_frames", "width", "height"))
    ]
    return _result(bad, "variants without a kept clip or with another shape", len(variants))


@dg.asset_check(asset="evaluated_samples", blocking=True, description="Every sample's subject exists, and its verdict agrees with its required checks.")
def samples_are_consistent(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    store, day = lake.lake(), _day(context)
    variants = store.keys("transferred_variants", partition=day)
    clips = store.keys("curated_clips", partition=day)
    bad = []
    rows = 0
    for batch in store.iter_batches("evaluated_samples", ["sample_id", "variant_id", "clip_id", "checks", "passed"], batch_size=1024, partition=day):
        for s in batch.to_pylist():
            rows += 1
            subject_ok = s["clip_id"] in clips and (s["variant_id"] is None or s["variant_id"] in variants)
            verdict_ok = s["passed"] == all(c["passed"] for c in s["checks"] if c["required"])
            if not (subject_ok and verdict_ok):
                bad.append(s["sample_id"])
    return _result(bad, "samples without a subject or with a verdict that contradicts their checks", rows)


@dg.asset_check(asset="tokenized_shards", blocking=True, description="Every token row comes from a sample that passed, and no shard is over its row bound.")
def shards_hold_only_accepted_samples(context: dg.AssetCheckExecutionContext, lake: LakeResource, tokenizer: TokenizerResource) -> dg.AssetCheckResult:
    store, day = lake.lake(), _day(context)
    samples = store.read("evaluated_samples", ["sample_id", "passed"], partition=day)
    accepted = set(samples.filter(pc.equal(samples.column("passed"), True)).column("sample_id").to_pylist())
    tokens = store.read("tokenized_shards", ["sample_id", "shard_id"], partition=day)
    bad = [s for s in tokens.column("sample_id").to_pylist() if s not in accepted]
    counts = pc.value_counts(tokens.column("shard_id")).to_pylist()
    bad += [f"shard {c['values']} holds {c['counts']} rows" for c in counts if c["counts"] > tokenizer.shard_max_rows]
    return _result(bad, "token rows from unaccepted samples or oversized shards", tokens.num_rows)


@dg.asset_check(asset="coverage_report", blocking=True, description="Each dimension of the coverage report accounts for every kept clip once.")
def coverage_adds_up(lake: LakeResource) -> dg.AssetCheckResult:
    store = lake.lake()
    clips = store.read("curated_clips", ["status"])
    kept = pc.sum(pc.equal(clips.column("status"), "kept")).as_py() or 0
    report = store.read("coverage_report", ["dimension", "clips"]).to_pylist()
    totals: dict[str, int] = {}
    for r in report:
        totals[r["dimension"]] = totals.get(r["dimension"], 0) + r["clips"]
    bad = [f"{dim}: {n} clips, {kept} kept" for dim, n in totals.items() if n != kept]
    return _result(bad, "dimensions that do not add up to the kept clips", len(report))


@dg.asset_check(asset="transfer_plan", blocking=True, description="Every planned recipe is on a kept clip and says why it was chosen.")
def plan_is_on_kept_clips(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    store, day = lake.lake(), _day(context)
    clips = store.read("curated_clips", ["clip_id", "status"], partition=day)
    kept = set(clips.filter(pc.equal(clips.column("status"), "kept")).column("clip_id").to_pylist())
    plan = store.read("transfer_plan", ["plan_id", "clip_id", "reason"], partition=day).to_pylist()
    bad = [p["plan_id"] for p in plan if p["clip_id"] not in kept or not p["reason"]]
    return _result(bad, "recipes on clips that are not kept, or without a reason", len(plan))


@dg.asset_check(asset="evaluation_summary", blocking=True, description="The summary counts every evaluated sample exactly once.")
def summary_counts_every_sample(lake: LakeResource) -> dg.AssetCheckResult:
    store = lake.lake()
    samples = store.row_count("evaluated_samples")
    counted = sum(store.read("evaluation_summary", ["samples"]).column("samples").to_pylist())
    return _result([] if counted == samples else [f"{counted} counted, {samples} evaluated"], "mismatches", samples)


@dg.asset_check(asset="episodes", blocking=True, description="Every episode's cameras are raw_footage rows of that episode, "
                "each with one frame per action.")
def episodes_match_their_footage(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    store = lake.lake()
    day = context.run.tags.get("dagster/partition")
    footage = {r["footage_id"]: r for r in store.read("raw_footage", ["footage_id", "episode_id", "frame_count"], partition=day).to_pylist()}
    episodes = store.read("episodes", ["episode_id", "footage_ids", "frame_count", "action"], partition=day).to_pylist()
    bad = [
        e["episode_id"] for e in episodes
        if len(e["action"]) != e["frame_count"] or any(
            f not in footage or footage[f]["episode_id"] != e["episode_id"] or footage[f]["frame_count"] != e["frame_count"] for f in e["footage_ids"])
    ]
    return _result(bad, "episodes whose cameras or actions do not line up", len(episodes))


@dg.asset_check(asset="lerobot_export", blocking=True, description="Every export of the day is where its row says, with the "
                "episodes and frames it records.")
def lerobot_exports_are_complete(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    import json

    import pyarrow.fs as pafs

    day = context.run.tags.get("dagster/partition")
    exports = lake.lake().read("lerobot_exports", ["export_id", "uri", "episodes", "frames"], partition=day).to_pylist()
    bad = []
    for e in exports:
        fs, base = pafs.FileSystem.from_uri(e["uri"]) if "://" in e["uri"] else (pafs.LocalFileSystem(), e["uri"])
        try:
            with fs.open_input_stream(f"{base}/meta/info.json") as fh:
                info = json.loads(fh.read())
        except (OSError, ValueError):
            bad.append(f"{e['uri']}: no readable meta/info.json")
            continue
        if (info.get("total_episodes"), info.get("total_frames")) != (e["episodes"], e["frames"]):
            bad.append(f"{e['uri']}: {info.get('total_episodes')} episodes, {info.get('total_frames')} frames")
    return _result(bad, "exports missing or not as recorded", len(exports))


@dg.asset_check(asset="failure_log", blocking=True, description="Every logged failure of the day belongs to the failure mode its "
                "scene type or task, conditions and failure name, and its condition is its conditions joined.")
def failure_log_modes_are_consistent(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    from resources.sources.failure_log import mode_id

    rows = lake.lake().read("failure_log", ["failure_id", "scene_type", "task", "conditions", "condition", "failure", "mode_id"],
                            partition=context.run.tags.get("dagster/partition")).to_pylist()
    bad = [r["failure_id"] for r in rows if r["condition"] != "+".join(r["conditions"])
           or r["mode_id"] != mode_id(r["scene_type"], r["task"], r["condition"], r["failure"])]
    return _result(bad, "failures whose mode or condition does not match their fields", len(rows))


@dg.asset_check(asset="failure_coverage", blocking=True, description="Every failure mode counts exactly the plan rows that name it "
                "(a robot window once), and its accepted, rejected and pending samples add up to them.")
def failure_coverage_accounts_for_the_plan(lake: LakeResource) -> dg.AssetCheckResult:
    store = lake.lake()
    plan = store.read("transfer_plan", ["failure_mode", "view_of"]).to_pylist()
    counts: dict[str, int] = {}
    for p in plan:
        if p["failure_mode"] and not p["view_of"]:
            counts[p["failure_mode"]] = counts.get(p["failure_mode"], 0) + 1
    modes = store.read("failure_coverage").to_pylist()
    bad = [m["mode"] for m in modes if m["samples_planned"] != counts.get(m["mode_id"], 0)
           or m["samples_accepted"] + m["samples_rejected"] + m["samples_pending"] != m["samples_planned"]]
    bad += [f"plan rows name mode {k[:12]}, which the coverage does not hold" for k in set(counts) - {m["mode_id"] for m in modes}]
    return _result(bad, "failure modes that do not account for their plan rows", len(modes))
