"""Coverage-driven planning: recipes close the gap to the spec in accepted samples, none are
made for conditions already at target, and a rejected recipe is retried within a budget."""
import json

import pytest

from resources.planning.engine import Outcome, SpecError, coverage, load_spec, plan_recipes
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


def _draw(clip_id: str, condition: str, seed: int) -> dict:
    return make_engine("procedural").plan_params(clip_id, condition, seed)


def _reject(plan: list[dict], *rows: dict, reason: str = "clipped_pixels (visual_integrity): 0.3 not <= 0.25") -> dict:
    """Outcomes: every given row rejected, every other row of ``plan`` accepted."""
    rejected = {r["plan_id"] for r in rows}
    return {p["plan_id"]: Outcome(p["plan_id"] not in rejected, reason if p["plan_id"] in rejected else "") for p in plan}


def test_coverage_counts_accepted_and_pending_samples_not_rejected_ones(spec):
    clips = _clips()
    plan = plan_recipes(spec, clips, [], "procedural")
    fog = [p for p in plan if p["condition"] == "fog"]
    planned, total = coverage(clips, plan, "fog")
    assert planned == len(fog) >= 2
    after, total_after = coverage(clips, plan, "fog", _reject(plan, fog[0]))
    assert (after, total_after) == (planned - 1, total - 1)  # the rejected variant is no sample at all


def test_a_rejected_recipe_is_retried_with_a_new_seed_and_parameters_within_the_budget(spec):
    clips = _clips()
    plan = plan_recipes(spec, clips, [], "procedural", draw=_draw)
    failed = next(p for p in plan if p["condition"] == "fog")
    retries = plan_recipes(spec, clips, plan, "procedural", outcomes=_reject(plan, failed), draw=_draw, retry_budget=2)
    assert len(retries) == 1
    retry = retries[0]
    assert (retry["clip_id"], retry["condition"], retry["seed"], retry["retry_of"]) == (failed["clip_id"], "fog", failed["seed"] + 1, failed["plan_id"])
    assert retry["recipe_params"] != failed["recipe_params"] and json.loads(retry["recipe_params"]).keys() == {"density", "airlight"}
    assert retry["reason"].startswith("retry 1 of 2 on this clip: the seed-0 fog variant was rejected (clipped_pixels")
    # The retry is rejected too: one more, naming the latest attempt; then the budget is spent.
    plan += retries
    second = plan_recipes(spec, clips, plan, "procedural", outcomes=_reject(plan, failed, retry), draw=_draw, retry_budget=2)
    assert [(r["seed"], r["retry_of"]) for r in second] == [(2, retry["plan_id"])] and "the seed-1 fog variant" in second[0]["reason"]
    plan += second
    spent = plan_recipes(spec, clips, plan, "procedural", outcomes=_reject(plan, failed, retry, second[0]), draw=_draw, retry_budget=2)
    # No third retry on that clip, and no fresh fog recipe on it either; the gap may go to another clip.
    assert all(r["clip_id"] != failed["clip_id"] for r in spent)
    assert all(r["retry_of"] is None for r in spent)


def test_no_retries_without_a_budget_and_pending_recipes_are_not_retried(spec):
    clips = _clips()
    plan = plan_recipes(spec, clips, [], "procedural")
    failed = plan[0]
    assert all(r["retry_of"] is None for r in plan_recipes(spec, clips, plan, "procedural", outcomes=_reject(plan, failed), retry_budget=0))
    pending = {p["plan_id"]: o for p, o in zip(plan, _reject(plan, failed).values()) if p is not failed}  # the failed one not yet evaluated
    assert plan_recipes(spec, clips, plan, "procedural", outcomes=pending, retry_budget=2) == []


def test_each_plan_row_records_the_parameters_drawn_for_it(spec):
    plan = plan_recipes(spec, _clips(), [], "procedural", draw=_draw)
    params = [json.loads(p["recipe_params"]) for p in plan]
    assert all(params)
    night_rain = [json.loads(p["recipe_params"]) for p in plan if p["condition"] == "night+rain"]
    assert all(set(x) == {"night", "rain"} for x in night_rain)
    assert len({json.dumps(x, sort_keys=True) for x in params}) == len(params)  # no two rows render the same recipe


def test_a_window_is_planned_once_and_every_view_gets_its_recipe(spec):
    """Three cameras of one robot-episode window: one recipe on the lead view, the same on the
    others; a rejected side view rejects the window, and its retry goes to every view again."""
    from resources.planning.views import fan_out, split_views, window_outcomes

    windows = [[{"clip_id": f"{e}{c}{'0' * 62}", "time_of_day": "day", "weather": "unknown", "scene_type": "robot_arm", "episode_id": f"e{e}",
                 "camera": cam, "start_frame": 0, "end_frame": 48} for c, cam in (("a", "wrist"), ("b", "front"), ("c", "side"))] for e in range(4)]
    planned, others = split_views([v for w in windows for v in w])
    assert [c["camera"] for c in planned] == ["front"] * 4 and all([c["camera"] for c in o] == ["side", "wrist"] for o in others.values())
    plan = plan_recipes(spec, planned, [], "procedural", draw=_draw)
    views = next(w for w in windows if any(p["clip_id"] == w[1]["clip_id"] for p in plan))  # a window the shares put a recipe on
    lead_rows = [p for p in plan if p["clip_id"] == views[1]["clip_id"]]
    fanned = fan_out(lead_rows, others, lead_rows)
    assert len(fanned) == 2 * len(lead_rows)
    for row in fanned:
        lead = next(p for p in lead_rows if p["plan_id"] == row["view_of"])
        assert (row["condition"], row["seed"], row["recipe_params"]) == (lead["condition"], lead["seed"], lead["recipe_params"])
    side = next(r for r in fanned if r["clip_id"] == views[2]["clip_id"])
    judged = window_outcomes(lead_rows + fanned, {side["plan_id"]: Outcome(False, "condition_adherence: 0.1 not >= 0.5")})
    assert not judged[side["view_of"]].accepted and "another view of the window" in judged[side["view_of"]].reason
    retries = plan_recipes(spec, planned, plan, "procedural", outcomes=judged, draw=_draw, retry_budget=1)
    plan = plan + fan_out(plan, others, plan)
    again = [r for r in retries if r["retry_of"] == side["view_of"]]
    assert len(again) == 1 and {r["clip_id"] for r in fan_out(again, others, plan)} == {views[0]["clip_id"], views[2]["clip_id"]}
