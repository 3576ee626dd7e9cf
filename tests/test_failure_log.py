"""Failure logs in: entries read from JSONL, CSV and Parquet (bad ones refused with the line and
why), grouped into failure modes the planner answers, and a coverage table that shows each mode
closing as accepted samples land. The log kept in tests/data/footage/failure_logs is also the
demo's."""
import json
import shutil
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.catalog import assets_named, checks_on
from dagster_project.jobs import RETRY_RUN_CONFIG
from dagster_project.resources import resources_for
from resources.lake import Lake
from resources.planning.engine import Outcome, load_spec, plan_recipes
from resources.planning.failure_modes import coverage_rows, failure_requests, modes
from resources.planning.stage import retries_due
from resources.sources.failure_log import failure_log_day
from resources.sources.landing import LandingZone
from resources.transfer import make_engine

LOG = Path(__file__).parent / "data" / "footage" / "failure_logs" / "field_failures.jsonl"
DAY, DAY2, DAY3 = "2026-11-20", "2026-11-21", "2026-11-22"
SPEC = """
name: failure-test
failure_logs:
  samples_per_failure: {low: 1, medium: 1, high: 1, critical: 2}
  max_samples_per_mode: 3
"""


class _Log:
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...


@pytest.fixture
def spec(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC)
    return load_spec(tmp_path / "spec.yaml", make_engine("procedural").supports)


def test_jsonl_csv_and_parquet_logs_are_read_and_bad_entries_refused_with_the_line(tmp_path):
    folder = tmp_path / "zone" / DAY / "failure_logs"
    folder.mkdir(parents=True)
    shutil.copy(LOG, folder)
    (folder / "shift.csv").write_text(
        "logged_at,location,scene_type,task,conditions,failure,severity\n"
        "2026-11-19T21:00:00+01:00,route 4,road,,night+fog,missed_cyclist,low\n"
        "2026-11-19T21:30:00,route 4,,,night,missed_cyclist,low\n")
    pq.write_table(pa.Table.from_pylist([{"logged_at": "2026-11-19T08:00:00Z", "location": "cell 1", "task": "push",
                                          "conditions": ["glare"], "failure": "missed_push", "severity": "critical"}]), folder / "arm.parquet")
    (folder / "notes.txt").write_text("not a log")
    lake = Lake(str(tmp_path / "lake"))
    report = failure_log_day(lake, LandingZone(str(tmp_path / "zone")), DAY, _Log())
    rows = lake.read("failure_log").to_pylist()
    assert report.metadata["log_files"] == 4 and len(rows) == 7
    by_source = {r["source_uri"].split("#")[0].rsplit("/", 1)[-1] for r in rows}
    assert by_source == {"field_failures.jsonl", "shift.csv", "arm.parquet"}
    csv_row = next(r for r in rows if r["failure"] == "missed_cyclist")
    assert csv_row["conditions"] == ["night", "fog"] and csv_row["condition"] == "night+fog"
    assert csv_row["logged_at"].isoformat() == "2026-11-19T20:00:00+00:00"  # the offset is honoured
    # The two entries of one mode (the same failure on road scenes at night in rain) share its id.
    vehicle = [r for r in rows if r["failure"] == "missed_vehicle"]
    assert len(vehicle) == 2 and len({r["mode_id"] for r in vehicle}) == 1
    reasons = sorted(r["reason"] for r in lake.read("rejects").to_pylist())
    assert reasons == [
        "line 3: no scene_type and no task: a failure must say in which scene type or robot task it happened",
        "line 6: severity 'urgent' is not one of low, medium, high, critical",
        "line 7: logged_at 'yesterday evening' is not an ISO 8601 time",
        "notes.txt is in failure_logs/ but is not .jsonl, .csv, .parquet: failure logs are JSONL, CSV or Parquet",
    ]
    # Idempotent: the same logs read again add nothing.
    failure_log_day(lake, LandingZone(str(tmp_path / "zone")), DAY, _Log())
    assert lake.row_count("failure_log") == 7 and lake.row_count("rejects") == 4


def _entries() -> list[dict]:
    from resources.sources.failure_log import entry_row

    out = []
    for i, line in enumerate(LOG.read_text().splitlines(), 1):
        row, _ = entry_row(json.loads(line), f"log#line={i}")
        if row:
            out.append(dict(row, ingest_date=DAY))
    return out


def _clips() -> list[dict]:
    kinds = ["road", "road", "tabletop", "robot_arm"]
    return [{"clip_id": f"{i:064x}", "scene_type": kind, "time_of_day": "day", "weather": "clear",
             "task": ["pick_place", "pick up the red cube"] if kind == "robot_arm" else None} for i, kind in enumerate(kinds)]


def test_failure_modes_become_requests_whose_rows_name_the_failures(spec):
    found = modes(_entries(), spec)
    by_failure = {m["failure"]: m for m in found}
    assert set(by_failure) == {"missed_vehicle", "missed_object", "missed_grasp", "missed_pedestrian"}
    assert by_failure["missed_vehicle"]["needed"] == 2  # a high and a medium failure, 1 sample each
    assert by_failure["missed_pedestrian"]["needed"] == 2  # one critical failure
    supports = make_engine("procedural").supports
    asked = failure_requests(found, supports)
    assert {r["condition"] for r in asked} == {"night+rain", "fog", "dusk"}  # occlusion cannot be rendered
    plan = plan_recipes(spec, _clips(), [], "procedural", requests=asked)
    by_mode = {m["mode_id"]: [p for p in plan if p["failure_mode"] == m["mode_id"]] for m in found}
    assert len(by_mode[by_failure["missed_vehicle"]["mode_id"]]) == 2
    assert {p["clip_id"] for p in by_mode[by_failure["missed_vehicle"]["mode_id"]]} == {f"{0:064x}", f"{1:064x}"}
    assert [p["clip_id"] for p in by_mode[by_failure["missed_grasp"]["mode_id"]]] == [f"{3:064x}"]  # the pick_place episode
    for m in found:
        assert all(p["failure_ids"] == m["entries"] and p["condition"] == m["condition"] for p in by_mode[m["mode_id"]])
    assert all(p["reason"].startswith("failure mode '") for p in plan)
    # Planned again with the same log: nothing new. One more failure of a mode: its one more sample.
    assert plan_recipes(spec, _clips(), plan, "procedural", requests=asked) == []
    more = _entries() + [dict(_entries()[2], failure_id="f" * 64)]
    again = plan_recipes(spec, _clips(), plan, "procedural", requests=failure_requests(modes(more, spec), supports))
    assert len(again) == 1 and again[0]["failure_mode"] == by_failure["missed_object"]["mode_id"] and len(again[0]["failure_ids"]) == 2


def test_coverage_counts_accepted_rejected_and_pending_per_mode(spec):
    found = modes(_entries(), spec)
    supports = make_engine("procedural").supports
    plan = plan_recipes(spec, _clips(), [], "procedural", requests=failure_requests(found, supports))
    vehicle = next(m for m in found if m["failure"] == "missed_vehicle")
    rows_v = [p for p in plan if p["failure_mode"] == vehicle["mode_id"]]
    judged = {rows_v[0]["plan_id"]: Outcome(True), rows_v[1]["plan_id"]: Outcome(False, "fog_present: 0.1 not >= 0.2")}
    table = {r["failure"]: r for r in coverage_rows(found, plan, judged, _clips(), supports)}
    v = table["missed_vehicle"]
    assert (v["samples_needed"], v["samples_planned"], v["samples_accepted"], v["samples_rejected"], v["samples_pending"], v["gap"]) == (2, 2, 1, 1, 0, 1)
    assert v["status"] == "open" and v["failures_logged"] == 2 and v["worst_severity"] == "high"
    assert table["missed_object"]["status"] == "open" and table["missed_object"]["samples_pending"] == 1
    assert table["missed_pedestrian"]["status"] == "unplannable" and "cannot render occlusion" in table["missed_pedestrian"]["note"]
    judged[next(p for p in plan if p["failure_mode"] == table["missed_object"]["mode_id"])["plan_id"]] = Outcome(True)
    closed = {r["failure"]: r for r in coverage_rows(found, plan, judged, _clips(), supports)}["missed_object"]
    assert closed["status"] == "closed" and closed["gap"] == 0
    # A mode with no clip of its scene type says so.
    none = {r["failure"]: r for r in coverage_rows(found, [], {}, [c for c in _clips() if c["scene_type"] != "tabletop"], supports)}
    assert none["missed_object"]["note"] == "no kept clip of tabletop scenes yet"


TABLES = ["raw_footage", "episodes", "failure_log", "curated_clips", "scenario_spec", "transfer_plan", "transferred_variants",
          "evaluated_samples", "failure_coverage"]


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """Three nights through the factory: the failure log lands with the first; the second
    brings new footage and no new failures; the third one more failure of a closed mode."""
    root = tmp_path_factory.mktemp("failures")
    (root / "landing" / DAY / "failure_logs").mkdir(parents=True)
    shutil.copy(LOG, root / "landing" / DAY / "failure_logs")
    (root / "spec.yaml").write_text(SPEC)

    def run(day: str, scenes: int, names: list[str] = TABLES, config: dict | None = None) -> Lake:
        resources = resources_for(
            "local", lake={"root": str(root / "lake")}, landing={"path": str(root / "landing"), "settle_s": 0},
            simulator={"scenes": scenes, "width": 320, "height": 240, "num_frames": 20, "episodes": 2, "failure_every": 0,
                       "episode_width": 96, "episode_height": 72, "episode_frames": 20},
            scenario={"path": str(root / "spec.yaml")},
        )
        result = dg.materialize(assets_named(*names) + checks_on(*names), resources=resources, partition_key=day, run_config=config)
        assert result.success
        return resources["lake"].lake()

    out = {}
    lake = run(DAY, 2, TABLES[:6] + ["failure_coverage"])  # planned, nothing rendered yet
    out["planned"] = lake.read("failure_coverage").to_pylist()
    run(DAY, 2, TABLES[6:])
    out["evaluated"] = lake.read("failure_coverage").to_pylist()
    spec = load_spec(root / "spec.yaml", make_engine("procedural").supports)
    for _ in range(2):  # retry rounds, as the retry sensor runs them
        if not retries_due(lake, spec, "procedural", DAY, 2):
            break
        run(DAY, 2, TABLES[5:], RETRY_RUN_CONFIG)
    out["day1"] = lake.read("failure_coverage").to_pylist()
    out["plan_day1"] = lake.read("transfer_plan").to_pylist()
    run(DAY2, 4)
    out["day2"] = lake.read("failure_coverage").to_pylist()
    out["plan_day2"] = lake.read("transfer_plan", partition=DAY2).to_pylist()
    (root / "landing" / DAY3 / "failure_logs").mkdir(parents=True)
    (root / "landing" / DAY3 / "failure_logs" / "more.jsonl").write_text(json.dumps(
        {"log_id": "fl-0100", "logged_at": "2026-11-22T01:00:00Z", "location": "warehouse B", "scene_type": "tabletop",
         "conditions": ["fog"], "failure": "missed_object", "severity": "high"}) + "\n")
    run(DAY3, 6)
    out["day3"] = lake.read("failure_coverage").to_pylist()
    out["plan_day3"] = lake.read("transfer_plan", partition=DAY3).to_pylist()
    out["lake"] = lake
    return out


def test_a_failure_log_drives_the_plan_and_each_mode_closes_as_accepted_samples_land(nights):
    planned = {r["failure"]: r for r in nights["planned"]}
    assert set(planned) == {"missed_vehicle", "missed_object", "missed_grasp", "missed_pedestrian"}
    for failure in ("missed_vehicle", "missed_object", "missed_grasp"):
        r = planned[failure]
        assert r["status"] == "open" and r["samples_accepted"] == 0 and r["samples_pending"] == r["samples_planned"] == r["samples_needed"] > 0
    assert planned["missed_pedestrian"]["status"] == "unplannable" and planned["missed_pedestrian"]["samples_planned"] == 0
    rows = [p for p in nights["plan_day1"] if p["failure_mode"]]
    log = {r["failure_id"] for r in nights["lake"].read("failure_log").to_pylist()}
    assert rows and all(set(p["failure_ids"]) <= log for p in rows)
    grasp = [p for p in rows if p["failure_mode"] == planned["missed_grasp"]["mode_id"]]
    assert len({p["clip_id"] for p in grasp}) == 3  # the pick_place window, on each of its three cameras
    evaluated = {r["failure"]: r for r in nights["evaluated"]}
    assert sum(r["samples_accepted"] for r in evaluated.values()) > 0  # accepted samples landed and were counted
    for r in [*evaluated.values(), *nights["day1"]]:
        assert r["samples_accepted"] + r["samples_rejected"] + r["samples_pending"] == r["samples_planned"]
        assert r["gap"] == max(0, r["samples_needed"] - r["samples_accepted"])
        assert (r["status"] == "closed") == (r["gap"] == 0 and r["status"] != "unplannable")
    day1 = {r["failure"]: r for r in nights["day1"]}
    assert all(day1[f]["status"] == "closed" for f in ("missed_vehicle", "missed_object", "missed_grasp")), {f: r["note"] for f, r in day1.items()}


def test_a_night_with_no_new_failures_plans_nothing_for_closed_modes_and_a_new_failure_plans_more(nights):
    assert not any(p["failure_mode"] for p in nights["plan_day2"])  # new clips came, the modes were closed
    assert {r["mode_id"]: r["samples_planned"] for r in nights["day2"]} == {r["mode_id"]: r["samples_planned"] for r in nights["day1"]}
    object_mode = next(r for r in nights["day1"] if r["failure"] == "missed_object")
    new = [p for p in nights["plan_day3"] if p["failure_mode"]]
    assert new and {p["failure_mode"] for p in new} == {object_mode["mode_id"]}
    after = next(r for r in nights["day3"] if r["mode_id"] == object_mode["mode_id"])
    assert after["failures_logged"] == 2 and after["samples_needed"] == object_mode["samples_needed"] + 1
