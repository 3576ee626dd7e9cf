"""An S3 lake and an S3 landing zone against a real S3 server (SeaweedFS on 127.0.0.1, started
by the s3_server fixture): the landing-zone sensor on a prefix, and the whole DAG once."""
import uuid

import dagster as dg
import pyarrow.fs as pafs
import pytest

from dagster_project.automation import landing_zone_sensor
from dagster_project.catalog import CHECKS, assets_named
from dagster_project.configurable import LandingZoneResource
from dagster_project.resources import resources_for
from resources.lake import Lake
from tests.conftest import DAY


@pytest.fixture
def prefix(s3_env):
    """A fresh prefix in the test bucket, deleted afterwards."""
    path = f"{s3_env.bucket}/test-{uuid.uuid4().hex[:8]}"
    yield path
    s3_env.filesystem().delete_dir_contents(path, missing_dir_ok=True)


def _upload(server, local, key: str) -> None:
    with server.filesystem().open_output_stream(key) as out:
        out.write(local.read_bytes())


def _tick(landing: str, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": LandingZoneResource(path=landing, settle_s=0)})
    return landing_zone_sensor(context)


def test_the_sensor_watches_an_s3_prefix(s3_env, prefix, footage):
    _upload(s3_env, footage["tree"], f"{prefix}/landing/2026-11-20/tree.avi")
    _upload(s3_env, footage["megamind"], f"{prefix}/landing/2026-11-21/megamind.avi")
    _upload(s3_env, footage["megamind"], f"{prefix}/landing/2026-11-21/.partial")  # hidden: not footage
    landing = f"s3://{prefix}/landing"
    first = _tick(landing)
    assert {r.partition_key: r.tags["factory/new_files"] for r in first.run_requests} == {"2026-11-20": "1", "2026-11-21": "1"}
    assert _tick(landing, first.cursor).run_requests == []
    _upload(s3_env, footage["vtest"], f"{prefix}/landing/2026-11-21/walkway.mp4")
    later = _tick(landing, first.cursor)
    assert [(r.partition_key, r.tags["factory/new_files"]) for r in later.run_requests] == [("2026-11-21", "1")]


def test_the_whole_dag_runs_on_an_s3_lake_from_an_s3_landing_zone(s3_env, prefix, footage, tmp_path):
    _upload(s3_env, footage["tree"], f"{prefix}/landing/{DAY}/tree.avi")
    root = f"s3://{prefix}/lake"
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: s3-test\ntargets:\n  - scene_type: any\n    conditions: {night: 0.3, fog: 0.3}\n")
    resources = resources_for(
        "local",
        lake={"root": root},
        landing={"path": f"s3://{prefix}/landing"},
        simulator={"episodes": 0, "scenes": 1, "width": 160, "height": 120, "num_frames": 20},
        scenario={"path": str(spec)},
    )
    assets = assets_named("raw_footage", "curated_clips", "coverage_report", "scenario_spec", "transfer_plan",
                          "transferred_variants", "evaluated_samples", "evaluation_summary", "tokenized_shards")
    first = dg.materialize(assets + CHECKS, resources=resources, partition_key=DAY)
    assert first.success
    assert all(e.passed for e in first.get_asset_check_evaluations())

    lake = Lake(root)
    for table in ("raw_footage", "curated_clips", "transferred_variants", "evaluated_samples", "tokenized_shards"):
        assert lake.row_count(table, DAY) > 0, table
    # Tables and blobs are both on the server, under the lake's prefix.
    files = [i.path for i in s3_env.filesystem().get_file_info(pafs.FileSelector(f"{prefix}/lake", recursive=True))]
    assert any("/tables/curated_clips/_delta_log/" in f for f in files) and any("/blobs/" in f for f in files)
    clip = next(c for c in lake.read("curated_clips").to_pylist() if c["blob_key"])
    assert lake.blobs.exists(clip["blob_key"]) and clip["footage_id"] in lake.keys("raw_footage")

    versions = {t: lake.version(t) for t in ("raw_footage", "curated_clips", "transferred_variants", "evaluated_samples", "tokenized_shards")}
    assert dg.materialize(assets + CHECKS, resources=resources, partition_key=DAY).success
    assert {t: lake.version(t) for t in versions} == versions

    # The credentials appear in no metadata and no log line of the run.
    secret = s3_env.secret_key
    for event in first.all_events:
        assert secret not in str(event.message or "") and secret not in repr(event.event_specific_data)
