"""The whole DAG materialized for real: five Delta tables from real and simulated footage,
bad inputs rejected with reasons, and a rerun that adds nothing anywhere."""
import dagster as dg
import pyarrow.compute as pc
import pytest

from assets.coverage_report import coverage_report
from assets.curated_clips import curated_clips
from assets.evaluated_samples import evaluated_samples
from assets.raw_footage import raw_footage
from assets.tokenized_shards import tokenized_shards
from assets.transferred_variants import transferred_variants
from dagster_project.checks import CHECKS
from resources.configurable import (
    CaptionerResource,
    CuratorResource,
    EmbedderResource,
    EvaluatorResource,
    LakeResource,
    LandingZoneResource,
    SimulatorResource,
    TokenizerResource,
    TransferResource,
)
from tests.conftest import copy_into, make_bad_inputs

TABLES = ["raw_footage", "curated_clips", "coverage_report", "transferred_variants", "evaluated_samples", "tokenized_shards"]


@pytest.fixture(scope="module")
def factory(tmp_path_factory, footage):
    root = tmp_path_factory.mktemp("factory")
    landing = root / "landing"
    copy_into(landing, footage["megamind"], footage["tree"])
    # The same bytes under another name and folder: ingested once.
    copy_into(landing / "dup", footage["tree"])
    from resources.video import H264Writer, iter_frames

    good = landing / "walkway_3s.mp4"
    with H264Writer(good, 768, 576, 10.0) as w:
        for f in iter_frames(footage["vtest"], 0, 30):
            w.write(f.decoded, f.time_s)
    bad = make_bad_inputs(landing / "bad", good)
    resources = {
        "lake": LakeResource(root=str(root / "lake")),
        "landing": LandingZoneResource(path=str(landing)),
        "simulator": SimulatorResource(scenes=1, width=160, height=120, num_frames=20),
        "curator": CuratorResource(),
        "embedder": EmbedderResource(),
        "captioner": CaptionerResource(),
        "transfer": TransferResource(conditions=["night", "fog", "rain", "snow"]),
        "evaluator": EvaluatorResource(),
        "tokenizer": TokenizerResource(shard_max_rows=8),
    }
    assets = [raw_footage, curated_clips, coverage_report, transferred_variants, evaluated_samples, tokenized_shards]
    first = dg.materialize(assets + CHECKS, resources=resources)
    lake = resources["lake"].lake
    counts = {t: lake.row_count(t) for t in TABLES + ["rejects"]}
    versions = {t: lake.version(t) for t in TABLES + ["rejects"]}
    second = dg.materialize(assets + CHECKS, resources=resources)
    return {"lake": lake, "first": first, "second": second, "counts": counts, "versions": versions, "bad": bad}


def test_every_table_is_materialized_with_its_checks_passing(factory):
    result = factory["first"]
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 6 and all(e.passed for e in evaluations)
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


def test_raw_footage_holds_real_and_sim_and_dedups_by_bytes(factory):
    raw = factory["lake"].read("raw_footage").to_pylist()
    kinds = sorted(r["source_kind"] for r in raw)
    assert kinds == ["real", "real", "real", "sim"]  # Megamind, tree (once), walkway, one scene
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
    assert all(uri.startswith("bad/") for uri in raw_rejects)


def test_curated_clips_keep_lineage_and_drop_reasons(factory):
    clips = factory["lake"].read("curated_clips").to_pylist()
    footage = {r["footage_id"]: r for r in factory["lake"].read("raw_footage").to_pylist()}
    for c in clips:
        assert c["footage_id"] in footage and 0 <= c["start_frame"] < c["end_frame"] <= footage[c["footage_id"]]["frame_count"]
        assert (c["status"] == "kept") == (c["drop_reason"] is None) == (c["blob_key"] is not None)
    mega = [c for c in clips if footage[c["footage_id"]]["file_name"] == "Megamind.avi"]
    assert len(mega) == 4


def test_variants_record_backend_recipe_and_seed(factory):
    variants = factory["lake"].read("transferred_variants").to_pylist()
    kept = factory["lake"].read("curated_clips")
    kept_ids = set(kept.filter(pc.equal(kept.column("status"), "kept")).column("clip_id").to_pylist())
    assert len(variants) == 4 * len(kept_ids)
    assert {v["condition"] for v in variants} == {"night", "fog", "rain", "snow"}
    assert all(v["backend"] == "procedural" and v["backend_version"] and v["recipe_id"] and v["seed"] == 0 for v in variants)
    assert any(v["used_depth"] for v in variants if v["condition"] == "fog")  # the sim clip's fog used its depth


def test_every_sample_is_scored_check_by_check(factory):
    samples = factory["lake"].read("evaluated_samples").to_pylist()
    n_variants = factory["counts"]["transferred_variants"]
    n_originals = sum(1 for s in samples if s["sample_kind"] == "original")
    assert len(samples) == n_variants + n_originals
    for s in samples:
        names = {c["name"] for c in s["checks"]}
        assert {"canny_edge_f1", "blur_ssim", "flicker"} <= names
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
            assert report[(dim, value)]["clips"] == n and abs(report[(dim, value)]["share"] - n / len(kept)) < 1e-9
    assert report[("source_kind", "sim")]["clips"] >= 1
    md = {e.asset_key.path[-1]: e.materialization.metadata for e in factory["first"].get_asset_materialization_events()}
    assert md["coverage_report"]["coverage_plot"].value.startswith("![coverage of kept clips](data:image/png;base64,")
    assert len(md["coverage_report"]["coverage"].value.records) == len(report)
    hist = md["curated_clips"]["clip_length_histogram"].value
    assert sum(hist.values()) == len(clips)


def test_second_run_adds_no_rows_and_no_versions(factory):
    assert factory["second"].success
    lake = factory["lake"]
    assert {t: lake.row_count(t) for t in TABLES + ["rejects"]} == factory["counts"]
    assert {t: lake.version(t) for t in TABLES + ["rejects"]} == factory["versions"]
