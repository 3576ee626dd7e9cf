"""Coverage-driven planning: recipes close the gap to the spec, and none are made for
conditions already at target."""
import pytest

from resources.planning.engine import SpecError, coverage, load_spec, plan_recipes
from resources.transfer import make_engine

SPEC = """
name: small
targets:
  - scene_type: any
    conditions: {night: 0.3, fog: 0.2}
requests:
  - name: roads at night in rain
    match: {scene_type: road}
    condition: night+rain
    clips: 3
"""


def _clips() -> list[dict]:
    out = []
    for i in range(10):
        out.append({"clip_id": f"{i:064x}", "time_of_day": "night" if i < 4 else "day", "weather": "unknown",
                    "scene_type": "road" if i % 2 else "tabletop"})
    return out


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return load_spec(path, make_engine("procedural").supports)


def test_plan_closes_the_gap_and_skips_conditions_at_target(spec):
    clips = _clips()
    assert coverage(clips, [], "night") == (4, 10)  # 40 % night already: above the 30 % target
    assert coverage(clips, [], "fog") == (0, 10)
    plan = plan_recipes(spec, clips, [], "procedural")
    target_rows = [p for p in plan if p["request"] is None]
    assert {p["condition"] for p in target_rows} == {"fog"}
    fog, total = coverage(clips, plan, "fog")
    assert abs(fog / total - 0.2) <= 1 / total  # moved from 0 % to the 20 % target
    night, total = coverage(clips, plan, "night")
    assert night / total >= 0.3 - 1 / total  # still at target (the request's night+rain counts too)
    assert all("fog:" in p["reason"] and "target 20%" in p["reason"] for p in target_rows)
    assert len({p["clip_id"] for p in target_rows}) == len(target_rows)  # spread over clips, not piled on one
    assert all(not c["time_of_day"] == "fog" for c in clips)


def test_requests_from_failure_logs_are_planned_on_matching_clips(spec):
    plan = plan_recipes(spec, _clips(), [], "procedural")
    requested = [p for p in plan if p["request"] == "roads at night in rain"]
    assert len(requested) == 3 and all(p["condition"] == "night+rain" for p in requested)
    assert all(int(p["clip_id"], 16) % 2 == 1 for p in requested)  # road clips only
    assert requested[0]["reason"].startswith("request 'roads at night in rain': 1 of 3")


def test_planning_again_adds_nothing(spec):
    clips = _clips()
    plan = plan_recipes(spec, clips, [], "procedural")
    assert plan_recipes(spec, clips, plan, "procedural") == []
    more = clips + [{"clip_id": "f" * 64, "time_of_day": "day", "weather": "unknown", "scene_type": "road"}]
    extra = plan_recipes(spec, more, plan, "procedural")
    assert len(extra) <= 1  # new footage needs at most a little more


def test_bad_specs_are_refused(tmp_path):
    supports = make_engine("procedural").supports
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntargets:\n  - scene_type: any\n    conditions: {night: 0.7, fog: 0.5}\n")
    with pytest.raises(SpecError, match="sum below 1"):
        load_spec(bad, supports)
    bad.write_text("name: x\ntargets:\n  - scene_type: any\n    conditions: {lava: 0.2}\n")
    with pytest.raises(SpecError, match="cannot render"):
        load_spec(bad, supports)
