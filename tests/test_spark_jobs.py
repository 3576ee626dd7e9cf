"""The Spark executor for real: each heavy stage's Spark job runs on a local[2] SparkSession,
and again on a standalone cluster of two workers on 127.0.0.1, launched through Dagster Pipes,
and commits the same table, key for key and value for value, as the in-process asset on the
same footage.

Two lakes start with the same raw_footage: one gets every stage in process, the other every
heavy stage (curation, transfer, evaluation, tokenization) on Spark; the small planning
assets run in process on both."""
import os
import shutil
import subprocess
import sys

import dagster as dg
import pytest

from dagster_project.catalog import assets_named
from dagster_project.configurable import LakeResource
from dagster_project.resources import resources_for
from resources.curation.stage import STAGE as CURATION
from resources.evaluation.stage import STAGE as EVALUATION
from resources.lake.tables import TABLES
from resources.tokenization.stage import STAGE as TOKENIZATION
from resources.transfer.stage import STAGE as TRANSFER
from tests.conftest import DAY, copy_into
from tests.spark_cluster import standalone_cluster

pytestmark = pytest.mark.usefixtures("java_runtime")

# `make spark35-check` runs this module with the jobs' driver on another interpreter: one whose
# pyspark is 3.5, the Spark of EMR 7.x (scripts/spark35_check.sh). By default, this one.
SPARK_PYTHON = os.environ.get("FACTORY_TEST_SPARK_PYTHON", "") or sys.executable
SPARK = {"resources": {"executor": {"config": {"mode": "local_spark", "spark_master": "local[2]", "python": SPARK_PYTHON}}}}
raw_footage, curated_clips, coverage_report, scenario_spec, transfer_plan, transferred_variants, evaluated_samples, tokenized_shards = assets_named(
    "raw_footage", "curated_clips", "coverage_report", "scenario_spec", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards"
)
HEAVY = [curated_clips, transferred_variants, evaluated_samples, tokenized_shards]
SPEC = """
name: spark-test
targets:
  - scene_type: any
    conditions: {night: 0.3, fog: 0.3, rain: 0.2}
"""


def _resources(lake_root: str, landing: str, spec: str) -> dict:
    return resources_for(
        "local",
        lake={"root": lake_root},
        landing={"path": landing},
        simulator={"episodes": 0, "scenes": 2, "width": 160, "height": 120, "num_frames": 20},
        scenario={"path": spec},
        tokenizer={"shard_max_rows": 3},  # several shards from a few samples
    )


def _materialize(asset, resources: dict, run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    kwargs = {"partition_key": DAY} if asset.partitions_def else {}
    result = dg.materialize([asset], resources=resources, run_config=run_config, **kwargs)
    assert result.success
    return result


@pytest.fixture(scope="module")
def lakes(tmp_path_factory, footage):
    from resources.media.codec import iter_frames
    from resources.media.encoder import H264Writer

    root = tmp_path_factory.mktemp("spark")
    landing = root / "landing" / DAY
    landing.mkdir(parents=True)
    walkway = landing / "walkway_3s.mp4"
    with H264Writer(walkway, 768, 576, 10.0) as w:
        for f in iter_frames(footage["vtest"], 0, 30):
            w.write(f.decoded, f.time_s)
    # The same shot re-encoded: a near-duplicate in another footage, which only the
    # cross-footage dedup (decided on the driver, in footage-id order) catches.
    with H264Writer(landing / "walkway_3s_reencoded.mp4", 768, 576, 10.0, crf=30) as w:
        for f in iter_frames(walkway):
            w.write(f.decoded, f.time_s)
    copy_into(landing, footage["tree"])
    spec = root / "spec.yaml"
    spec.write_text(SPEC)
    inproc = _resources(str(root / "inprocess"), str(landing.parent), str(spec))
    _materialize(raw_footage, inproc)
    shutil.copytree(root / "inprocess", root / "spark")  # the same raw_footage for both
    shutil.copytree(root / "inprocess", root / "standalone")  # and for the standalone cluster's run
    spark = dict(inproc, lake=LakeResource(root=str(root / "spark")))
    results = {}
    for asset in HEAVY:
        if asset is transferred_variants:
            for planning in (coverage_report, scenario_spec, transfer_plan):
                _materialize(planning, inproc)
                _materialize(planning, spark)
        name = asset.key.to_user_string()
        results[name] = {"inprocess": _materialize(asset, inproc), "spark": _materialize(asset, spark, SPARK)}
    return {"inprocess": inproc["lake"].lake(), "spark": spark["lake"].lake(), "results": results, "resources": spark, "root": root}


@pytest.fixture(scope="module")
def standalone(lakes):
    """Every heavy stage on a real standalone cluster - a master and two 1-core workers, each its
    own JVM on 127.0.0.1 - through the same Pipes launch, on a third copy of raw_footage."""
    root = lakes["root"]
    resources = dict(lakes["resources"], lake=LakeResource(root=str(root / "standalone")))
    results = {}
    with standalone_cluster(root / "cluster", workers=2, cores=1, python=SPARK_PYTHON) as (master, apps):
        config = {"resources": {"executor": {"config": {"mode": "local_spark", "spark_master": master, "python": SPARK_PYTHON}}}}
        for asset in HEAVY:
            if asset is transferred_variants:
                for planning in (coverage_report, scenario_spec, transfer_plan):
                    _materialize(planning, resources)
            results[asset.key.to_user_string()] = _materialize(asset, resources, config)
        finished = apps()
    return {"lake": resources["lake"].lake(), "results": results, "master": master, "apps": finished}


def _pyspark_version(python: str) -> str:
    out = subprocess.run([python, "-c", "import pyspark; print(pyspark.__version__)"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


@pytest.mark.parametrize("table", ["curated_clips", "transferred_variants", "evaluated_samples", "tokenized_shards"])
def test_the_spark_job_commits_the_in_process_table(lakes, table):
    key = TABLES[table].key
    ours = lakes["spark"].read(table)
    ref = lakes["inprocess"].read(table)
    assert ours.num_rows == ref.num_rows > 0
    assert ours.schema == ref.schema
    ours = ours.sort_by(key)
    ref = ref.sort_by(key)
    assert ours.column(key).to_pylist() == ref.column(key).to_pylist()
    for column in ref.schema.names:
        # Compared as text: a check that could not measure scores NaN, and NaN != NaN.
        assert repr(ours.column(column).to_pylist()) == repr(ref.column(column).to_pylist()), f"{table}.{column} differs"


@pytest.mark.parametrize("table", ["curated_clips", "transferred_variants", "evaluated_samples", "tokenized_shards"])
def test_a_standalone_cluster_commits_the_in_process_table(lakes, standalone, table):
    key = TABLES[table].key
    ours, ref = standalone["lake"].read(table).sort_by(key), lakes["inprocess"].read(table).sort_by(key)
    assert ours.num_rows == ref.num_rows > 0 and ours.schema == ref.schema
    for column in ref.schema.names:
        assert repr(ours.column(column).to_pylist()) == repr(ref.column(column).to_pylist()), f"{table}.{column} differs"


def test_each_stage_ran_as_an_application_of_the_standalone_cluster(standalone):
    for table, result in standalone["results"].items():
        md = _metadata(result)
        # Two workers of one core each: the executors' cores, not this machine's.
        assert md["spark_master"] == standalone["master"] and md["spark_cores"] == 2, table
    # The master itself saw one finished application per stage, each run on both workers.
    apps = standalone["apps"]
    assert sorted(a["name"].split("-")[1] for a in apps) == sorted(s.job for s in (CURATION, EVALUATION, TOKENIZATION, TRANSFER))
    assert all(a["state"] == "FINISHED" and a["cores"] == 2 for a in apps), apps


def test_each_stage_ran_on_local_spark_through_pipes(lakes):
    for table, runs in lakes["results"].items():
        md = _metadata(runs["spark"])
        assert md["executor"] == "local_spark" and md["spark_master"] == "local[2]" and md["spark_cores"] == 2, table
        assert md["spark_version"] == _pyspark_version(SPARK_PYTHON)
        # Inputs were read by Spark from the Parquet files of a pinned snapshot (no Delta jars here).
        assert "parquet" in md["input_reads"], (table, md["input_reads"])
        assert "spark_job_s" in md and "spark_session_start_s" in md
        assert "executor" not in _metadata(runs["inprocess"])


def test_the_spark_materialization_reports_what_in_process_reports(lakes):
    for table, runs in lakes["results"].items():
        ours, ref = _metadata(runs["spark"]), _metadata(runs["inprocess"])
        assert set(ref) <= set(ours), (table, set(ref) - set(ours))
        assert ours["delta_version"] == lakes["spark"].version(table)
        assert ours["dagster/row_count"] == ref["dagster/row_count"] == lakes["spark"].row_count(table, DAY)
        assert [c.name for c in ours["dagster/column_schema"].columns] == TABLES[table].schema.names
        assert ours["dagster/column_lineage"] == ref["dagster/column_lineage"]
        assert ours["rows_inserted"] == ref["rows_inserted"] > 0
        # The GX suite's check comes back through Pipes with the in-process figures.
        ((ours_check,), (ref_check,)) = (r.get_asset_check_evaluations() for r in (runs["spark"], runs["inprocess"]))
        assert ours_check.check_name == ref_check.check_name == "gx_suite" and ours_check.passed == ref_check.passed
        assert {k: v.value for k, v in ours_check.metadata.items()} == {k: v.value for k, v in ref_check.metadata.items()}, table
        assert ref_check.metadata["rows_validated"].value > 0
    curated = lakes["results"]["curated_clips"]
    assert _metadata(curated["spark"])["drop_reasons"] == _metadata(curated["inprocess"])["drop_reasons"]
    # What the clips and variants look like (resources/media/contact_sheet.py) comes back through Pipes too.
    assert _metadata(curated["spark"])["clip_thumbnails"] == _metadata(curated["inprocess"])["clip_thumbnails"]
    variants = lakes["results"]["transferred_variants"]
    assert _metadata(variants["spark"])["variant_contact_sheet"] == _metadata(variants["inprocess"])["variant_contact_sheet"]
    shards = lakes["results"]["tokenized_shards"]
    assert _metadata(shards["spark"])["shards_written"] == _metadata(shards["inprocess"])["shards_written"] > 1


def test_cross_footage_dedup_is_decided_as_in_process(lakes):
    raw = {r["footage_id"]: r["file_name"] for r in lakes["spark"].read("raw_footage").to_pylist()}
    clips = lakes["spark"].read("curated_clips").to_pylist()
    walkway = sorted((c for c in clips if raw[c["footage_id"]].startswith("walkway")), key=lambda c: c["footage_id"])
    first, second = walkway  # footage-id order: the first one is kept, the second repeats it
    assert first["status"] == "kept" and first["blob_key"]
    assert second["status"] == "dropped" and second["duplicate_of"] == first["clip_id"] and "near-duplicate" in second["drop_reason"]
    # Its blob was stored by the executor before the driver decided; the row does not refer to it.
    assert second["blob_key"] is None and second["depth_blob_key"] is None


def test_a_spark_rerun_commits_nothing(lakes):
    lake = lakes["spark"]
    before = {t: lake.version(t) for t in ("curated_clips", "rejects")}
    result = _materialize(curated_clips, lakes["resources"], SPARK)
    md = _metadata(result)
    assert md["rows_inserted"] == 0 and md["footage_curated"] == 0
    assert {t: lake.version(t) for t in before} == before
