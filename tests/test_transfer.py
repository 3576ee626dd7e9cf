"""The procedural transfer backend on real frames: each condition does what it says and keeps geometry."""
import cv2
import numpy as np
import pytest

from resources.evaluation.metrics import analysis_frames, canny_edge_f1
from resources.media.codec import iter_frames
from resources.transfer import ClipMedia, Recipe, make_engine


@pytest.fixture(scope="module")
def walkway(footage) -> ClipMedia:
    frames = np.stack([f.image for f in iter_frames(footage["vtest"], 0, 12)])
    return ClipMedia(frames, [i / 10 for i in range(12)], 10.0)


def _luma(frames: np.ndarray) -> float:
    return float(np.mean([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY).mean() for f in frames]))


def _contrast(frames: np.ndarray) -> float:
    return float(np.mean([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY).std() for f in frames]))


def test_backend_offers_nine_conditions_and_composites():
    engine = make_engine("procedural")
    assert {"night", "dusk", "fog", "rain", "snow", "glare", "overcast", "sensor_noise", "motion_blur"} <= set(engine.conditions())
    assert engine.supports("night+rain") and not engine.supports("lava") and not engine.supports("night+lava")
    with pytest.raises(ValueError, match="no condition"):
        engine.transfer(ClipMedia(np.zeros((2, 8, 8, 3), np.uint8), [], 10.0), Recipe("lava"))
    with pytest.raises(ValueError, match="unknown transfer backend"):
        make_engine("cosmos-nonexistent")


@pytest.mark.parametrize("condition", ["night", "dusk", "fog", "rain", "snow"])
def test_condition_keeps_shape_and_geometry(walkway, condition):
    out = make_engine("procedural").transfer(walkway, Recipe(condition, {}, seed=3)).frames
    assert out.shape == walkway.frames.shape and out.dtype == np.uint8
    assert not np.array_equal(out, walkway.frames)
    # The scene's edges stay where they were: the labels of the source remain valid.
    assert canny_edge_f1(analysis_frames(walkway.frames), analysis_frames(out)) > 0.4


def test_conditions_change_the_image_the_way_they_are_named(walkway):
    engine = make_engine("procedural")
    src_luma, src_contrast = _luma(walkway.frames), _contrast(walkway.frames)
    night = engine.transfer(walkway, Recipe("night")).frames
    fog = engine.transfer(walkway, Recipe("fog")).frames
    snow = engine.transfer(walkway, Recipe("snow")).frames
    assert _luma(night) < 0.5 * src_luma
    assert night[..., 0].mean() > night[..., 2].mean()  # blue cast
    assert _contrast(fog) < 0.8 * src_contrast and _luma(fog) > src_luma
    assert np.abs(snow.astype(int)[..., 0] - snow.astype(int)[..., 2]).mean() < np.abs(
        walkway.frames.astype(int)[..., 0] - walkway.frames.astype(int)[..., 2]
    ).mean()  # desaturated


def test_recipes_are_seeded(walkway):
    engine = make_engine("procedural")
    a = engine.transfer(walkway, Recipe("rain", {}, seed=1)).frames
    b = engine.transfer(walkway, Recipe("rain", {}, seed=1)).frames
    c = engine.transfer(walkway, Recipe("rain", {}, seed=2)).frames
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert Recipe("rain", {}, 1).recipe_id != Recipe("rain", {}, 2).recipe_id
    assert Recipe("rain", {"alpha": 0.5}, 1).recipe_id != Recipe("rain", {}, 1).recipe_id


def test_fog_follows_depth_when_the_clip_has_it(walkway):
    t, h, w = walkway.frames.shape[:3]
    near_left = np.where(np.arange(w) < w // 2, 2.0, 25.0).astype(np.float32)
    depth = np.broadcast_to(near_left, (t, h, w)).copy()
    with_depth = ClipMedia(walkway.frames, walkway.times, 10.0, depth=depth)
    out = make_engine("procedural").transfer(with_depth, Recipe("fog"))
    assert out.used_depth
    left, right = out.frames[:, :, : w // 2], out.frames[:, :, w // 2 :]
    src_left, src_right = walkway.frames[:, :, : w // 2], walkway.frames[:, :, w // 2 :]
    assert np.abs(left.astype(int) - src_left).mean() < 0.5 * np.abs(right.astype(int) - src_right).mean()
    assert not make_engine("procedural").transfer(walkway, Recipe("fog")).used_depth


def test_planned_parameters_are_drawn_from_the_documented_ranges_per_clip_and_seed():
    from resources.transfer.backends.procedural import RANGES

    engine = make_engine("procedural")
    for condition, ranges in RANGES.items():
        draws = [engine.plan_params(clip, condition, seed) for clip in ("a", "b") for seed in range(4)]
        assert all(set(d) == set(ranges) for d in draws)
        assert all(lo <= d[name] <= hi for d in draws for name, (lo, hi) in ranges.items())
        assert len({tuple(sorted(d.items())) for d in draws}) == len(draws)  # every clip and seed draws its own
        assert engine.plan_params("a", condition, 1) == engine.plan_params("a", condition, 1)  # the same row, the same draw
    composite = engine.plan_params("a", "night+rain", 0)
    assert set(composite) == {"night", "rain"} and isinstance(composite["rain"]["drops"], int)
    assert engine.resolved_params(Recipe("night+rain", composite, 0))["rain"]["drops"] == composite["rain"]["drops"]


def test_two_recipes_of_one_condition_on_one_clip_never_render_the_same_frames(walkway):
    engine = make_engine("procedural")
    for condition in ("dusk", "overcast", "fog", "motion_blur"):  # the conditions with no random overlay of their own
        a, b = (engine.transfer(walkway, Recipe(condition, engine.plan_params("clip", condition, s), s)).frames for s in (0, 1))
        assert not np.array_equal(a, b), condition



def test_docs_list_every_range_the_backend_draws_from():
    from pathlib import Path

    from resources.transfer.backends.procedural import RANGES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "transfer.md").read_text()
    for condition, ranges in RANGES.items():
        line = next(row for row in doc.splitlines() if row.startswith(f"| `{condition}` |"))
        assert all(f"`{name}` {lo} to {hi}" in line for name, (lo, hi) in ranges.items()), condition
