"""The whole DAG materialized for real: five Delta tables from real and simulated footage,
bad inputs rejected with reasons, and a rerun that adds nothing anywhere."""
import dagster as dg
import pytest

from dagster_project.catalog import CHECKS, assets_named
from dagster_project.resources import resources_for
from tests.conftest import DAY, copy_into, make_bad_inputs

TABLES = [
    "raw_footage", "curated_clips", "coverage_report", "scenario_spec", "transfer_plan",
    "transferred_variants", "evaluated_samples", "evaluation_summary", "tokenized_shards",
]
SPEC = """
name: pipeline-test
targets:
  - scene_type: any
    conditions: {night: 0.3, fog: 0.2, rain: 0.1}
requests:
  - name: road at night in rain
    match: {scene_type: road}
    condition: night+rain
    clips: 1
"""


@pytest.fixture(scope="module")
def factory(tmp_path_factory, footage):
    root = tmp_path_factory.mktemp("factory")
    landing = root / "landing" / DAY
    copy_into(landing, footage["megamind"], footage["tree"])
    # The same bytes under another name and folder: ingested once.
    copy_into(landing / "dup", footage["tree"])
    from resources.media.codec import iter_frames
    from resources.media.encoder import H264Writer

    good = landing / "walkway_3s.mp4"
    with H264Writer(good, 768, 576, 10.0) as w:
        for f in iter_frames(footage["vtest"], 0, 30):
            w.write(f.decoded, f.time_s)
    bad = make_bad_inputs(landing / "bad", good)
    spec = root / "spec.yaml"
    spec.write_text(SPEC)
    resources = resources_for(
        "local",
        lake={"root": str(root / "lake")},
        landing={"path": str(landing.parent)},
        simulator={"episodes": 0, "scenes": 2, "width": 160, "height": 120, "num_frames": 20},
        scenario={"path": str(spec)},
        tokenizer={"shard_max_rows": 8},
    )
    assets = assets_named(*TABLES)
    first = dg.materialize(assets + CHECKS, resources=resources, partition_key=DAY)
    lake = resources["lake"].lake()
    counts = {t: lake.row_count(t) for t in TABLES + ["rejects"]}
    versions = {t: lake.version(t) for t in TABLES + ["rejects"]}
    files = data_files(lake)
    second = dg.materialize(assets + CHECKS, resources=resources, partition_key=DAY)
    return {
        "lake": lake, "first": first, "second": second, "counts": counts, "versions": versions, "bad": bad, "files_before_second": files,
        "resources": resources, "assets": assets, "landing": landing.parent,
    }


def data_files(lake) -> set[str]:
    """Every Parquet data file in the lake's tables."""
    import pyarrow.fs as pafs

    selector = pafs.FileSelector(f"{lake.root}/tables", recursive=True)
    return {i.path for i in pafs.LocalFileSystem().get_file_info(selector) if i.path.endswith(".parquet")}


def test_every_table_is_materialized_with_its_checks_passing(factory):
    result = factory["first"]
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 14 and all(e.passed for e in evaluations), [e for e in evaluations if not e.passed]
    # Each partitioned table reports what its GX suite validated before the commit.
    suites = {e.asset_key.path[-1]: e.metadata for e in evaluations if e.check_name == "gx_suite"}
    assert set(suites) == {"raw_footage", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards"}
    for table, md in suites.items():
        assert md["rows_validated"].value == factory["counts"][table] and md["rows_rejected"].value == 0, table
        assert md["expectations"].value > 0, table
    for t in TABLES:
        assert factory["counts"][t] > 0, t


def test_materializations_report_version_row_count_and_schema(factory):
    lake = factory["lake"]
    for event in factory["first"].get_asset_materialization_events():
        table = event.asset_key.path[-1]
        md = event.materialization.metadata
        assert md["delta_version"].value == lake.version(table)
        assert md["dagster/row_count"].value == factory["counts"][table]
        schema = md["dagster/column_schema"].value
        assert [c.name for c in schema.columns] == lake.read(table).schema.names
        if table in ("tokenized_shards", "transferred_variants", "evaluated_samples", "curated_clips"):
            lineage = md["dagster/column_lineage"].value.deps_by_column
            assert lineage["footage_id"][0].asset_key.path[-1] in ("raw_footage", "curated_clips", "evaluated_samples")
    shards = next(e for e in factory["first"].get_asset_materialization_events() if e.asset_key.path[-1] == "tokenized_shards")
    caption = shards.materialization.metadata["dagster/column_lineage"].value.deps_by_column["caption"]
    assert [(d.asset_key.path[-1], d.column_name) for d in caption] == [("curated_clips", "caption")]


def test_raw_footage_holds_real_and_sim_and_dedups_by_bytes(factory):
    raw = factory["lake"].read("raw_footage").to_pylist()
    kinds = sorted(r["source_kind"] for r in raw)
    assert kinds == ["real", "real", "real", "sim", "sim"]  # Megamind, tree (once), walkway, two scenes
    sim = next(r for r in raw if r["source_kind"] == "sim")
    assert sim["depth_blob_key"] and sim["seg_blob_key"] and '"objects"' in sim["sim_params"]
    tree = next(r for r in raw if r["file_name"] == "tree_vfr.avi")
    assert tree["is_vfr"] and tree["frame_count"] == 68


def test_bad_inputs_land_in_rejects_with_distinct_reasons(factory):
    rejects = factory["lake"].read("rejects").to_pylist()
    raw_rejects = {r["source_uri"]: r for r in rejects if r["stage"] == "raw_footage"}
    assert len(raw_rejects) == 6
    assert {r["reason_code"] for r in raw_rejects.values()} == {
        "empty_file", "unrecognised_format", "truncated_container", "text_file", "still_image", "too_few_frames",
    }
    assert len({r["reason"] for r in raw_rejects.values()}) == 6
    assert all(uri.startswith(f"{DAY}/bad/") for uri in raw_rejects)


def test_rejects_asset_counts_refusals_per_stage_and_reason(factory):
    import collections

    result = dg.materialize(assets_named("rejects"), resources=factory["resources"])
    md = result.get_asset_materialization_events()[0].materialization.metadata
    rows = factory["lake"].read("rejects").to_pylist()
    expected = collections.Counter((r["stage"], r["reason_code"]) for r in rows)
    shown = {(r.data["stage"], r.data["reason_code"]): r.data for r in md["rejected_by_reason"].value.records}
    assert {k: v["rows"] for k, v in shown.items()} == dict(expected) and expected
    assert md["dagster/row_count"].value == len(rows)
    truncated = shown[("raw_footage", "truncated_container")]
    assert truncated["example_subject"].startswith(f"{DAY}/bad/") and truncated["example_reason"]
    assert {r.data["stage"]: r.data["rows"] for r in md["rejected_by_stage"].value.records} == dict(collections.Counter(r["stage"] for r in rows))


def test_curated_clips_keep_lineage_and_drop_reasons(factory):
    clips = factory["lake"].read("curated_clips").to_pylist()
    footage = {r["footage_id"]: r for r in factory["lake"].read("raw_footage").to_pylist()}
    for c in clips:
        assert c["footage_id"] in footage and 0 <= c["start_frame"] < c["end_frame"] <= footage[c["footage_id"]]["frame_count"]
        assert (c["status"] == "kept") == (c["drop_reason"] is None) == (c["blob_key"] is not None)
    mega = [c for c in clips if footage[c["footage_id"]]["file_name"] == "Megamind.avi"]
    assert len(mega) == 4


def test_variants_follow_the_plan_and_coverage_moves_toward_the_spec(factory):
    lake = factory["lake"]
    plan = lake.read("transfer_plan").to_pylist()
    variants = lake.read("transferred_variants").to_pylist()
    refused = [r for r in lake.read("rejects").to_pylist() if r["stage"] == "transferred_variants"]
    assert len(variants) + len(refused) == len(plan) > 0
    planned = {(p["clip_id"], p["condition"], p["seed"]) for p in plan}
    assert all((v["clip_id"], v["condition"], v["seed"]) in planned for v in variants)
    assert all(v["backend"] == "procedural" and v["backend_version"] and v["recipe_id"] for v in variants)
    assert all(p["reason"] for p in plan)
    clips = lake.read("curated_clips").to_pylist()
    kept = [c for c in clips if c["status"] == "kept"]
    samples = len(kept) + len(variants)
    for condition, target in (("fog", 0.2), ("rain", 0.1)):
        before = 0.0  # no kept clip shows fog or rain by itself
        after = sum(condition in v["condition"].split("+") for v in variants) / samples
        assert abs(after - target) < abs(before - target) and abs(after - target) <= 1.5 / samples
    night_before = sum(c["time_of_day"] == "night" for c in kept) / len(kept)
    if night_before >= 0.3:  # the dark Megamind shots: night already at target
        assert not [p for p in plan if p["condition"] == "night"]
    request = [p for p in plan if p["request"] == "road at night in rain"]
    assert len(request) == 1 and request[0]["condition"] == "night+rain"
    road = {c["clip_id"] for c in kept if c["scene_type"] == "road"}
    assert request[0]["clip_id"] in road


def test_evaluation_summary_counts_every_sample(factory):
    lake = factory["lake"]
    samples = lake.read("evaluated_samples", ["condition", "backend", "passed"]).to_pylist()
    summary = {(r["condition"], r["backend"]): r for r in lake.read("evaluation_summary").to_pylist()}
    assert sum(r["samples"] for r in summary.values()) == len(samples)
    for (cond, backend), r in summary.items():
        group = [s for s in samples if s["condition"] == cond and s["backend"] == backend]
        assert r["samples"] == len(group) and r["passed"] == sum(s["passed"] for s in group)
    md = {e.asset_key.path[-1]: e.materialization.metadata for e in factory["first"].get_asset_materialization_events()}
    assert md["evaluation_summary"]["pass_rate_plot"].value.startswith("![pass rate per condition and backend](data:image/png;base64,")
    # Why samples failed: each failing check with its count, its threshold and samples that failed it.
    full = {s["sample_id"]: s for s in lake.read("evaluated_samples").to_pylist()}
    failed_by = {}
    for s in full.values():
        for c in s["checks"]:
            if c["required"] and not c["passed"]:
                failed_by.setdefault(c["name"], set()).add(s["sample_id"])
    for key in ("evaluation_summary", "evaluated_samples"):
        table = md[key]["failing_checks"].value
        shown = {r.data["check"]: r.data for r in table.records}
        assert set(shown) == set(failed_by) and failed_by, key
        for name, row in shown.items():
            assert row["failed"].startswith(f"{len(failed_by[name])}/{len(full)} ("), row
            examples = row["example_samples"].split(", ")
            assert examples and set(examples) <= failed_by[name]
            assert row["threshold"].split()[0] in (">=", "<=")
        outcomes = {(r.data["condition"], r.data["backend"]): r.data["passed"] for r in md[key]["outcomes"].value.records}
        assert outcomes == {k: f"{v['passed']}/{v['samples']}" for k, v in summary.items()}, key



def test_every_sample_is_scored_check_by_check(factory):
    samples = factory["lake"].read("evaluated_samples").to_pylist()
    n_variants = factory["counts"]["transferred_variants"]
    n_originals = sum(1 for s in samples if s["sample_kind"] == "original")
    assert len(samples) == n_variants + n_originals
    comparisons = {"canny_edge_f1", "blur_ssim", "flicker", "hallucination", "warp_error", "misalignment"}
    for s in samples:
        names = {c["name"] for c in s["checks"]}
        if s["sample_kind"] == "variant":
            assert comparisons <= names and "condition_adherence" in names
        else:  # an original is judged on its own merits, never compared with itself
            assert not names & (comparisons | {"condition_adherence"})
            assert {"black_frames", "clipped_pixels", "sharpness", "frozen_frames", "motion"} <= names
        assert s["passed"] == all(c["passed"] for c in s["checks"] if c["required"])
        assert s["passed"] == (not s["fail_reasons"])


def test_tokens_only_from_accepted_samples_in_bounded_shards(factory):
    lake = factory["lake"]
    samples = lake.read("evaluated_samples", ["sample_id", "passed"]).to_pylist()
    accepted = {s["sample_id"] for s in samples if s["passed"]}
    tokens = lake.read("tokenized_shards").to_pylist()
    assert {t["sample_id"] for t in tokens} == accepted
    shards = {}
    for t in tokens:
        shards.setdefault(t["shard_id"], []).append(t)
        assert t["tokenizer_id"] == "classical-dct-8x8x8" and t["token_dtype"] == "int16"
        assert len(t["tokens"]) == 2 * t["token_shape"][0] * t["token_shape"][1] * t["token_shape"][2] * t["token_shape"][3]
        assert t["split"] in ("train", "val") and t["caption"]
    assert all(len(rows) <= 8 for rows in shards.values())
    md = {e.asset_key.path[-1]: e.materialization.metadata for e in factory["first"].get_asset_materialization_events()}
    assert md["tokenized_shards"]["mean_recon_psnr_db"].value > 15
    assert md["tokenized_shards"]["mean_compression_ratio"].value > 10


def test_coverage_report_counts_kept_clips_per_condition(factory):
    lake = factory["lake"]
    clips = lake.read("curated_clips", ["status", "source_kind", "time_of_day"]).to_pylist()
    kept = [c for c in clips if c["status"] == "kept"]
    report = {(r["dimension"], r["value"]): r for r in lake.read("coverage_report").to_pylist()}
    for dim in ("source_kind", "time_of_day"):
        for value in {c[dim] for c in kept}:
            n = sum(c[dim] == value for c in kept)
            assert report[(dim, value)]["clips"] == n and abs(report[(dim, value)]["share"] - n / len(kept)) <= 5e-5  # rounded to 4 places
    assert report[("source_kind", "sim")]["clips"] >= 1
    md = {e.asset_key.path[-1]: e.materialization.metadata for e in factory["first"].get_asset_materialization_events()}
    assert md["coverage_report"]["coverage_plot"].value.startswith("![coverage of kept clips](data:image/png;base64,")
    assert len(md["coverage_report"]["coverage"].value.records) == len(report)
    hist = [r.data for r in md["curated_clips"]["clip_length_histogram"].value.records]
    assert sum(r["clips"] for r in hist) == len(clips)
    lows = [float(r["length"].strip("[>= ").split(",")[0].split()[0]) for r in hist]
    assert lows == sorted(lows)  # bins in order, not sorted as text


def test_second_run_adds_no_rows_and_no_versions(factory):
    assert factory["second"].success
    lake = factory["lake"]
    assert {t: lake.row_count(t) for t in TABLES + ["rejects"]} == factory["counts"]
    assert {t: lake.version(t) for t in TABLES + ["rejects"]} == factory["versions"]
    assert data_files(lake) == factory["files_before_second"]


def test_any_token_row_traces_back_to_its_footage_and_frames(factory):
    from resources.lake.row_lineage import trace

    lake = factory["lake"]
    tokens = lake.read("tokenized_shards", ["token_id", "variant_id", "clip_id"]).to_pylist()
    variant_token = next(t for t in tokens if t["variant_id"])
    chain = trace(lake, variant_token["token_id"])
    assert list(chain) == ["token", "sample", "variant", "plan", "clip", "footage"]
    assert chain["variant"]["variant_id"] == variant_token["variant_id"] and chain["plan"]["reason"]
    clip = chain["clip"]
    assert clip["clip_id"] == variant_token["clip_id"] and clip["footage_id"] == chain["footage"]["footage_id"]
    assert 0 <= clip["start_frame"] < clip["end_frame"] <= chain["footage"]["frame_count"]
    assert list(trace(lake, chain["sample"]["sample_id"])) == ["sample", "variant", "plan", "clip", "footage"]
    assert list(trace(lake, clip["clip_id"])) == ["clip", "footage"]
    with pytest.raises(KeyError, match="not a token"):
        trace(lake, "0" * 64)


def test_lineage_cli_prints_the_chain(factory):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    lake = factory["lake"]
    token_id = lake.read("tokenized_shards", ["token_id"]).column("token_id")[0].as_py()
    factory_cli = Path(sys.executable).parent / "factory"
    out = subprocess.run([str(factory_cli), "lineage", token_id], env={**os.environ, "FACTORY_LAKE_ROOT": lake.root}, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    chain = json.loads(out.stdout)
    assert chain["token"]["token_id"] == token_id and chain["footage"]["source_uri"]
    missing = subprocess.run([str(factory_cli), "lineage", "nope"], env={**os.environ, "FACTORY_LAKE_ROOT": lake.root}, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "not a token" in missing.stderr


@pytest.fixture(scope="module")
def next_day(factory, footage):
    """The day after: one new file lands in its own folder and that day's partition runs."""
    from resources.media.codec import iter_frames
    from resources.media.encoder import H264Writer

    lake = factory["lake"]
    day2 = "2026-11-21"
    new = factory["landing"] / day2 / "walkway_later.mp4"
    new.parent.mkdir(parents=True)
    with H264Writer(new, 768, 576, 10.0) as w:
        for f in iter_frames(footage["vtest"], 150, 180):
            w.write(f.decoded, f.time_s)
    before = data_files(lake)
    result = dg.materialize(factory["assets"] + CHECKS, resources=factory["resources"], partition_key=day2)
    after = data_files(lake)
    versions = {t: lake.version(t) for t in TABLES + ["rejects"]}
    noop = dg.materialize(factory["assets"] + CHECKS, resources=factory["resources"], partition_key=day2)
    return {"day": day2, "result": result, "new_files": after - before, "noop": noop, "versions": versions, "after": after}


def _metadata(result, asset: str) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_a_new_day_processes_only_its_own_footage(factory, next_day):
    lake = factory["lake"]
    assert next_day["result"].success
    raw = _metadata(next_day["result"], "raw_footage")
    assert raw["files_seen"] == 1 and raw["rows_inserted"] == 1 and raw["scenes_rendered"] == 0
    assert _metadata(next_day["result"], "curated_clips")["footage_curated"] == 1
    assert lake.partitions("raw_footage") == [DAY, next_day["day"]]
    # Every new data file of a partitioned table is in the new day's partition: the old day is untouched.
    for path in next_day["new_files"]:
        table = path.split("/tables/")[1].split("/")[0]
        if table in ("raw_footage", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards"):
            assert f"/ingest_date={next_day['day']}/" in path, path
    clips = lake.read("curated_clips", ["footage_id", "ingest_date"], partition=next_day["day"]).to_pylist()
    assert clips and {c["footage_id"] for c in clips} == set(lake.keys("raw_footage", partition=next_day["day"]))


def test_the_cross_table_checks_of_a_new_day_read_that_day_only(factory, next_day):
    lake, day = factory["lake"], next_day["day"]
    checked = {e.check_name: e.metadata["rows_checked"].value for e in next_day["result"].get_asset_check_evaluations() if "rows_checked" in e.metadata}
    for check, table in {
        "curated_clips_trace_to_footage": "curated_clips", "variants_match_their_clips": "transferred_variants",
        "samples_are_consistent": "evaluated_samples", "shards_hold_only_accepted_samples": "tokenized_shards",
        "plan_is_on_kept_clips": "transfer_plan",
    }.items():
        assert checked[check] == lake.row_count(table, day) < lake.row_count(table), (check, checked[check])


def test_a_trace_reads_only_the_day_of_its_row(factory, next_day, tmp_path):
    """Behind a row, trace opens its day's partition only: with every other day's files of the
    tables behind a token made unreadable, a token of the new day still traces to its footage,
    and one of the first day no longer does."""
    import shutil
    from pathlib import Path

    import pyarrow as pa

    from resources.lake import Lake
    from resources.lake.row_lineage import trace

    copy = tmp_path / "lake"
    shutil.copytree(Path(factory["lake"].root) / "tables", copy / "tables")
    lake = Lake(str(copy))
    for table in ("evaluated_samples", "transferred_variants", "transfer_plan", "curated_clips", "raw_footage"):
        for f in (copy / "tables" / table / f"ingest_date={DAY}").glob("*.parquet"):
            f.write_bytes(b"not parquet")
    tokens = lake.read("tokenized_shards", ["token_id", "ingest_date"]).to_pylist()
    later = next(t["token_id"] for t in tokens if t["ingest_date"] == next_day["day"])
    chain = trace(lake, later)
    assert chain["footage"]["file_name"] == "walkway_later.mp4" and list(chain)[:2] == ["token", "sample"]
    with pytest.raises(pa.ArrowException):  # the first day's files are what it now reads
        trace(lake, next(t["token_id"] for t in tokens if t["ingest_date"] == DAY))


def test_a_refresh_with_nothing_new_writes_no_data_files(factory, next_day):
    assert next_day["noop"].success
    lake = factory["lake"]
    assert {t: lake.version(t) for t in TABLES + ["rejects"]} == next_day["versions"]
    assert data_files(lake) == next_day["after"]


def test_every_video_the_factory_wrote_plays_back_in_time(factory):
    """The ffmpeg command line decodes every clip and variant with no error, and PyAV finds
    frame i at i / fps within half a frame (a VFR clip at its footage's own times, in order).
    Raw footage keeps its own bytes, damage included, so it is not judged here."""
    from tests.playback import judge_lake

    lake = factory["lake"]
    clips, errors, worst = judge_lake(lake)
    assert any(c["is_vfr"] for c in clips.values()) and any(not c["is_vfr"] for c in clips.values())
    assert errors == {}
    assert worst <= 0.5
    # The timestamp checks ran on every sample, and the Megamind clips say they were retimed.
    samples = lake.read("evaluated_samples").to_pylist()
    assert all({"timestamps_increasing", "timestamps_even", "duration_match", "frames_match_row"} <= {c["name"] for c in s["checks"]} for s in samples)
    megamind = next(r["footage_id"] for r in lake.read("raw_footage").to_pylist() if r["file_name"] == "Megamind.avi")
    assert all("retimed" in c["flags"] for c in clips.values() if c["footage_id"] == megamind)
