"""The factory on its own: the nightly schedule, the landing-zone sensor, and downstream
refreshes that wait for upstream blocking checks."""
import datetime
import os
import time

import dagster as dg
import pytest

from dagster_project.automation import landing_zone_sensor, nightly_refresh
from dagster_project.configurable import LandingZoneResource
from dagster_project.definitions import defs
from dagster_project.partitions import REFRESH_WHEN_UPSTREAM_PASSES

UTC = datetime.timezone.utc


def test_nightly_schedule_refreshes_the_day_that_just_ended():
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.job_name == "factory_job"
    context = dg.build_schedule_context(scheduled_execution_time=datetime.datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    request = nightly_refresh(context)
    assert request.partition_key == "2026-11-21"
    # Across a month boundary, too.
    context = dg.build_schedule_context(scheduled_execution_time=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    assert nightly_refresh(context).partition_key == "2026-11-30"


def _land(path, seconds_ago: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(64))
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def _tick(landing, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": LandingZoneResource(path=str(landing), settle_s=30)})
    return landing_zone_sensor(context)


def test_sensor_requests_each_day_with_new_files_once(tmp_path):
    landing = tmp_path / "landing"
    _land(landing / "2026-11-20" / "a.mp4", 3600)
    _land(landing / "2026-11-20" / "b.mp4", 3600)
    _land(landing / "2026-11-21" / "c.mp4", 600)
    first = _tick(landing)
    assert sorted(r.partition_key for r in first.run_requests) == ["2026-11-20", "2026-11-21"]
    assert {r.partition_key: r.tags["factory/new_files"] for r in first.run_requests} == {"2026-11-20": "2", "2026-11-21": "1"}
    # Nothing new: no runs, and the cursor stays.
    again = _tick(landing, first.cursor)
    assert again.run_requests == [] and again.cursor == first.cursor
    # One more file on an old day: only that day, for that file.
    _land(landing / "2026-11-20" / "d.mp4", 60)
    third = _tick(landing, again.cursor)
    assert [(r.partition_key, r.tags["factory/new_files"]) for r in third.run_requests] == [("2026-11-20", "1")]
    assert len({r.run_key for r in first.run_requests + third.run_requests}) == 3


def test_sensor_waits_for_a_file_still_being_written(tmp_path):
    landing = tmp_path / "landing"
    _land(landing / "2026-11-21" / "growing.mp4", 1)  # touched a second ago
    first = _tick(landing)
    assert first.run_requests == []
    stamp = time.time() - 120  # the copy finished two minutes ago
    os.utime(landing / "2026-11-21" / "growing.mp4", (stamp, stamp))
    assert [r.partition_key for r in _tick(landing, first.cursor).run_requests] == ["2026-11-21"]


def test_sensor_skips_days_outside_the_partitions(tmp_path):
    landing = tmp_path / "landing"
    _land(landing / "1999-01-01" / "old.mp4", 3600)
    result = _tick(landing)
    assert result.run_requests == []


def _evaluate(instance, asset: str, cursor=None):
    return dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=dg.AssetSelection.assets(asset),
        evaluation_time=datetime.datetime(2026, 11, 20, 12, tzinfo=UTC), cursor=cursor,
    )


def _upstream_materialized(check_passed: bool) -> set[str]:
    instance = dg.DagsterInstance.ephemeral()
    start = _evaluate(instance, "curated_clips")
    instance.report_runless_asset_event(dg.AssetMaterialization("raw_footage", partition="2026-11-20"))
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(asset_key=dg.AssetKey("raw_footage"), check_name="raw_footage_blobs_exist", passed=check_passed, severity=dg.AssetCheckSeverity.ERROR)
    )
    return _evaluate(instance, "curated_clips", start.cursor).get_requested_partitions(dg.AssetKey("curated_clips"))


def test_downstream_refreshes_only_after_upstream_blocking_checks_pass():
    assert _upstream_materialized(check_passed=True) == {"2026-11-20"}
    assert _upstream_materialized(check_passed=False) == set()


def test_every_derived_table_carries_the_automation_condition():
    graph = defs.resolve_asset_graph()
    for name in ["curated_clips", "coverage_report", "transfer_plan", "transferred_variants", "evaluated_samples", "evaluation_summary", "tokenized_shards",
                 "episodes", "lerobot_export"]:
        assert graph.get(dg.AssetKey(name)).automation_condition == REFRESH_WHEN_UPSTREAM_PASSES, name
    # Footage enters by the schedule and the sensor, never by itself.
    assert graph.get(dg.AssetKey("raw_footage")).automation_condition is None


def _rejected_fog(lake, day: str, seed: int, retry_of=None) -> None:
    """A kept clip's seed-``seed`` fog recipe, its variant, and the evaluator's rejection of it."""
    from tests.conftest import table_rows

    plan_id, variant = f"plan-{seed}", f"variant-{seed}"
    lake.merge("transfer_plan", table_rows("transfer_plan", [plan_id], day=day, clip_id="c1", condition="fog", seed=seed,
                                            backend="procedural", reason="test", retry_of=retry_of))
    lake.merge("transferred_variants", table_rows("transferred_variants", [variant], day=day, clip_id="c1", condition="fog", seed=seed, backend="procedural"))
    lake.merge("evaluated_samples", table_rows("evaluated_samples", [f"s-{seed}"], day=day, variant_id=variant, clip_id="c1", sample_kind="variant",
                                               passed=False, fail_reasons=["condition_adherence (semantic_alignment): 0.4 not >= 0.5"]))


def test_retry_sensor_runs_a_round_while_rejected_recipes_have_budget_and_then_stops(tmp_path):
    """The sensor on real Delta tables (rows written directly, no pipeline run) and a real
    instance's event log: each materialization of evaluated_samples is judged once."""
    from dagster_project.automation import retry_rejected_sensor
    from dagster_project.configurable import LakeResource, ScenarioResource, TransferResource
    from dagster_project.settings import DEFAULT_SCENARIO
    from resources.lake import Lake
    from tests.conftest import table_rows

    day = "2026-11-20"
    lake = Lake(str(tmp_path / "lake"))
    lake.merge("curated_clips", table_rows("curated_clips", ["c1"], day=day, status="kept", scene_type="road", time_of_day="day", weather="clear"))
    _rejected_fog(lake, day, 0)
    resources = {"lake": LakeResource(root=lake.root), "scenario": ScenarioResource(path=str(DEFAULT_SCENARIO), retry_budget=1), "transfer": TransferResource()}
    with dg.instance_for_test() as instance:
        def tick(cursor=None):
            instance.report_runless_asset_event(dg.AssetMaterialization("evaluated_samples", partition=day))
            context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources, definitions=defs)
            return retry_rejected_sensor.evaluate_tick(context)

        first = tick()
        assert [(r.partition_key, r.tags["factory/retries"]) for r in first.run_requests] == [("2026-11-20", "1")]
        assert first.run_requests[0].run_config["ops"]["transfer_plan"]["config"] == {"retry_rejected": True}
        again = tick(first.cursor)  # another materialization before the round ran: the same run, which Dagster runs once
        assert [r.run_key for r in again.run_requests] == [r.run_key for r in first.run_requests]
        _rejected_fog(lake, day, 1, retry_of="plan-0")  # the retry ran and was rejected too: the budget of 1 is spent
        spent = tick(again.cursor)
        assert spent.run_requests == [] and "no rejected variant has retries left" in spent.skip_message


def test_the_automation_sensor_runs_by_default_and_refreshes_downstream_of_a_passing_upstream():
    """The eager conditions fire only under an automation-condition sensor, and Dagster's own
    starts stopped: the factory declares one that starts running, over every asset."""
    sensor = defs.resolve_sensor_def("refresh_when_upstream_passes")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    graph = defs.resolve_asset_graph()
    selected = sensor.asset_selection.resolve(graph)
    assert {dg.AssetKey(n) for n in ("curated_clips", "evaluated_samples", "tokenized_shards", "rejects")} <= selected
    # Under the sensor's own selection: an upstream materialized with its blocking check passed
    # requests the downstream partition; the footage itself is never requested.
    instance = dg.DagsterInstance.ephemeral()
    when = datetime.datetime(2026, 11, 20, 12, tzinfo=UTC)
    start = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=sensor.asset_selection, evaluation_time=when)
    instance.report_runless_asset_event(dg.AssetMaterialization("raw_footage", partition="2026-11-20"))
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(asset_key=dg.AssetKey("raw_footage"), check_name="raw_footage_blobs_exist", passed=True, severity=dg.AssetCheckSeverity.ERROR)
    )
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=sensor.asset_selection, evaluation_time=when, cursor=start.cursor)
    assert after.get_requested_partitions(dg.AssetKey("curated_clips")) == {"2026-11-20"}
    assert after.get_requested_partitions(dg.AssetKey("raw_footage")) == set()
    # Only the landing-zone sensor waits to be turned on (every file already there would become a run).
    status = {s.name: s.default_status for s in defs.sensors}
    assert status == {"landing_zone_sensor": dg.DefaultSensorStatus.STOPPED, "retry_rejected_sensor": dg.DefaultSensorStatus.RUNNING,
                      "refresh_when_upstream_passes": dg.DefaultSensorStatus.RUNNING}


def test_partitions_start_at_the_first_footage_not_years_before(tmp_path, monkeypatch):
    from dagster_project.partitions import first_day

    monkeypatch.delenv("FACTORY_FIRST_DAY", raising=False)
    landing = tmp_path / "landing"
    _land(landing / "2026-11-20" / "a.mp4", 3600)
    _land(landing / "2026-11-18" / "b.mp4", 3600)
    assert first_day(str(landing)) == "2026-11-18"
    keys = dg.DailyPartitionsDefinition(start_date=first_day(str(landing)), timezone="UTC", end_offset=1).get_partition_keys()
    today = datetime.datetime.now(UTC).strftime("%Y-%m-%d")
    assert keys[0] == "2026-11-18" and keys[-1] == today
    # An empty zone starts today: nothing to backfill.
    (tmp_path / "empty").mkdir()
    assert first_day(str(tmp_path / "empty")) == today
    # A deployment pins it; a typo fails the code location's load, not a run.
    monkeypatch.setenv("FACTORY_FIRST_DAY", "2025-03-01")
    assert first_day(str(landing)) == "2025-03-01"
    monkeypatch.setenv("FACTORY_FIRST_DAY", "2025-13-01")
    with pytest.raises(ValueError):
        first_day(str(landing))
