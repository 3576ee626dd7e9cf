"""The code location: it validates, the five assets form one lineage, settings come from the env."""
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.configurable import CuratorResource, EvaluatorResource
from dagster_project.resources import resources_for
from resources.curation.engine import CurationSettings
from resources.evaluation.engine import EvaluationSettings

REPO = Path(__file__).resolve().parent.parent
CHAIN = ["raw_footage", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards"]


def test_dagster_definitions_validate(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    out = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "physical_ai_data_factory" in out.stdout + out.stderr


def test_five_assets_form_one_lineage_with_a_blocking_check_each():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == set(CHAIN) | {"coverage_report", "scenario_spec", "transfer_plan", "evaluation_summary", "dataset_release", "episodes",
                                 "lerobot_export", "failure_log", "failure_coverage", "downstream_eval", "rejects"}
    assert {"raw_footage", "curated_clips", "evaluated_samples", "failure_log"} <= {k.to_user_string() for k in graph.get(dg.AssetKey("rejects")).parent_keys}
    assert dg.AssetKey("curated_clips") in graph.get(dg.AssetKey("coverage_report")).parent_keys
    assert dg.AssetKey("failure_log") in graph.get(dg.AssetKey("transfer_plan")).parent_keys
    assert {"failure_log", "transfer_plan", "evaluated_samples"} <= {k.to_user_string() for k in graph.get(dg.AssetKey("failure_coverage")).parent_keys}
    for upstream, downstream in zip(CHAIN, CHAIN[1:]):
        assert dg.AssetKey(upstream) in graph.get(dg.AssetKey(downstream)).parent_keys
    checks = graph.asset_check_keys
    # Each table has a blocking integrity check, and reports its GX suite as a non-blocking one
    # (the suite already stopped a bad batch before its commit).
    blocking = {c.asset_key.to_user_string() for c in checks if graph.get_check_spec(c).blocking}
    suites = {c.asset_key.to_user_string() for c in checks if c.name == "gx_suite"}
    assert set(CHAIN) | {"episodes", "lerobot_export", "failure_log", "failure_coverage"} <= blocking
    assert suites == set(CHAIN) | {"episodes", "lerobot_export", "failure_log"}
    assert not any(graph.get_check_spec(c).blocking for c in checks if c.name == "gx_suite")
    assert all(graph.get_check_spec(c).blocking for c in checks if c.name != "gx_suite")
    job = defs.resolve_job_def("factory_job")
    assert job.partitions_def is not None and job.partitions_def.get_partition_keys()[0] == os.environ["FACTORY_FIRST_DAY"]
    for name in CHAIN:
        assert graph.get(dg.AssetKey(name)).partitions_def == job.partitions_def, name
    # GPU-bound stages share the "gpu" pool, whose limit the GPU deployment's instance sets.
    assert {k.to_user_string() for k in keys_in_pool(graph, "gpu")} == {"transferred_variants", "tokenized_shards"}


def test_every_asset_has_an_owner_and_the_shards_a_freshness_policy_of_the_nightly_run():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    assert all(graph.get(k).owners == ["team:data-factory"] for k in graph.get_all_asset_keys())
    policy = graph.get(dg.AssetKey("tokenized_shards")).freshness_policy
    nightly = defs.resolve_schedule_def("nightly_refresh")
    assert type(policy).__name__ == "CronFreshnessPolicy" and policy.timezone == nightly.execution_timezone == "UTC"
    # The deadline falls after the 02:00 run starts, and the window opens no earlier than it.
    deadline_hour = int(policy.deadline_cron.split()[1])
    start_hour = int(nightly.cron_schedule.split()[1])
    assert deadline_hour - policy.lower_bound_delta.total_seconds() / 3600 == start_hour < deadline_hour


def test_loading_the_code_location_prints_no_warning_from_the_project(tmp_path):
    """Dagster's BetaWarnings (e.g. for an asset-bound resource) once printed at every start."""
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PYTHONWARNINGS": "always"}
    out = subprocess.run([sys.executable, "-c", "from dagster_project.definitions import defs; defs.get_repository_def()"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    ours = [line for line in out.stderr.splitlines() if "Warning" in line and str(REPO) in line and "/.venv/" not in line]
    assert not ours, "\n".join(ours)


def keys_in_pool(graph, pool: str) -> set:
    return {k for k in graph.get_all_asset_keys() if graph.get(k).pools and pool in graph.get(k).pools}


def test_column_lineage_names_real_columns_of_real_upstreams():
    from dagster_project.definitions import defs
    from resources.lake.tables import COLUMN_LINEAGE, TABLES

    graph = defs.resolve_asset_graph()
    for table, columns in COLUMN_LINEAGE.items():
        ancestors = {k.to_user_string() for k in graph.get(dg.AssetKey(table)).parent_keys}
        for column, upstreams in columns.items():
            assert column in TABLES[table].schema.names, (table, column)
            for up_table, up_column in upstreams:
                assert up_table in ancestors, f"{table}.{column} names {up_table}, which is not an upstream of {table}"
                assert up_column in TABLES[up_table].schema.names, (up_table, up_column)


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FACTORY_LAKE_ROOT", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("FACTORY_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("FACTORY_CURATOR_MIN_SHARPNESS", "20.5")
    monkeypatch.setenv("FACTORY_SCENARIO_SPEC", str(tmp_path / "spec.yaml"))
    monkeypatch.setenv("FACTORY_SIMULATOR_SCENES", "0")
    res = resources_for("local")
    assert res["lake"].root == str(tmp_path / "elsewhere")
    assert res["landing"].path == str(tmp_path / "landing")
    assert res["curator"].min_sharpness == 20.5 and res["curator"].engine().settings.min_sharpness == 20.5
    assert res["scenario"].path == str(tmp_path / "spec.yaml")
    assert res["simulator"].scenes == 0


def test_local_defaults_and_prod_requirements(monkeypatch):
    for var in [v for v in os.environ if v.startswith("FACTORY_")]:
        monkeypatch.delenv(var)
    res = resources_for("local")
    assert res["lake"].root == "./lake" and Path(res["landing"].path).name == "footage"
    assert res["transfer"].backend == "procedural" and res["tokenizer"].backend == "dct"
    with pytest.raises(ValueError, match="FACTORY_LAKE_ROOT"):
        resources_for("prod")


def test_resource_defaults_match_engine_defaults():
    # The resources restate the engines' settings for Dagster's config system: they must not drift.
    assert CuratorResource().engine().settings == CurationSettings()
    assert EvaluatorResource().engine().settings == EvaluationSettings()
    assert {f.name for f in dataclasses.fields(CurationSettings)} == set(CuratorResource.model_fields)
    assert CuratorResource(score_only=["frozen"]).engine().settings.score_only == ("frozen",)
    model_fields = {"critic_model", "depth_model", "device"}
    assert {f.name for f in dataclasses.fields(EvaluationSettings)} - {"black_level"} == set(EvaluatorResource.model_fields) - model_fields
