"""Each evaluator check on real frames: good variants pass, and each check catches the
failure it is there for."""
import cv2
import numpy as np
import pytest

from resources.evaluation.adherence import adherence
from resources.evaluation.engine import GEOMETRIC, INTEGRITY, PHYSICAL, SEMANTIC, Evaluator, verdict
from resources.evaluation.metrics import analysis_frames, depth_si_rmse, hallucination_score, misalignment_px, missing_motion, seg_miou, warp_error
from resources.media.codec import iter_frames
from resources.transfer import ClipMedia, Recipe, make_engine
from tests.calibration import _moving_mask


@pytest.fixture(scope="module")
def source(footage) -> np.ndarray:
    return np.stack([f.image for f in iter_frames(footage["vtest"], 0, 20)])


@pytest.fixture(scope="module")
def grey(source) -> np.ndarray:
    return analysis_frames(source)


def _failed(checks) -> set[str]:
    return {c.name for c in checks if not c.passed}


def _variant(source, condition):
    return make_engine("procedural").transfer(ClipMedia(source, [], 10.0), Recipe(condition, {}, 3)).frames


def test_checks_are_recorded_in_the_four_categories(source):
    checks = Evaluator().evaluate(source, source)
    assert {c.category for c in checks} == {SEMANTIC, PHYSICAL, GEOMETRIC, INTEGRITY}
    for c in checks:
        assert c.comparison in (">=", "<=") and np.isfinite(c.score) and np.isfinite(c.threshold)
    assert verdict(checks) == (True, [])


@pytest.mark.parametrize("condition", ["night", "dusk", "fog", "rain", "snow", "glare", "overcast", "sensor_noise", "motion_blur", "night+rain"])
def test_good_variants_pass_including_adherence(source, condition):
    checks = Evaluator().evaluate(source, _variant(source, condition), condition)
    assert "condition_adherence" in {c.name for c in checks}
    ok, reasons = verdict(checks)
    assert ok, reasons


def test_edge_fidelity_catches_a_mirrored_scene(source):
    assert "canny_edge_f1" in _failed(Evaluator().evaluate(source, source[:, ::-1].copy()))


def test_misalignment_catches_a_small_rotation_and_zoom(source, grey):
    h, w = source.shape[1:3]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 4.0, 1.08)
    warped = np.stack([cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REFLECT) for f in source])
    assert misalignment_px(grey[:4], analysis_frames(warped)[:4]) > 8
    assert misalignment_px(grey[:4], analysis_frames(_variant(source, "fog"))[:4]) < 2
    assert "misalignment" in _failed(Evaluator().evaluate(source, warped))


def test_layout_fidelity_catches_another_scene(source):
    shifted = np.roll(source, source.shape[2] // 2, axis=2)
    assert "blur_ssim" in _failed(Evaluator().evaluate(source, shifted))


def test_blur_ssim_catches_inverted_colours(source):
    assert "blur_ssim" in _failed(Evaluator().evaluate(source, 255 - source))


def test_flicker_catches_alternating_brightness(source):
    flicker = source.astype(np.int16)
    flicker[::2] = np.clip(flicker[::2] * 0.6, 0, 255)
    assert "flicker" in _failed(Evaluator().evaluate(source, flicker.astype(np.uint8)))


def test_hallucination_catches_an_invented_moving_object(source, grey):
    added = source.copy()
    for i in range(len(added)):
        cv2.ellipse(added[i], (60 + 30 * i, 80 + 12 * i), (60, 30), 0, 0, 360, (30, 200, 240), -1)
    assert hallucination_score(grey, analysis_frames(added)) < 0.682
    assert hallucination_score(grey, analysis_frames(_variant(source, "rain"))) > 0.9  # weather is not an object
    assert "hallucination" in _failed(Evaluator().evaluate(source, added))


def test_missing_motion_catches_removed_pedestrians(source, grey):
    mask = _moving_mask(source)
    removed = np.stack([cv2.inpaint(f, mask, 5, cv2.INPAINT_TELEA) for f in source])
    assert missing_motion(grey, analysis_frames(removed)) > 0.6
    assert missing_motion(grey, grey) == 0.0


def test_warp_error_catches_shuffled_frames(source, grey):
    order = np.random.default_rng(0).permutation(len(source))
    assert warp_error(grey[:6], grey[order][:6]) > warp_error(grey[:6], analysis_frames(_variant(source, "night"))[:6]) + 0.01
    assert "hallucination" in _failed(Evaluator().evaluate(source, source[order]))


def test_frozen_frames_are_caught(source):
    assert "frozen_frames" in _failed(Evaluator().evaluate(source, np.repeat(source[:1], len(source), axis=0)))


def test_black_frames_and_dropped_frames_fail_integrity(source):
    blacked = source.copy()
    blacked[5:15] = 0
    assert "black_frames" in _failed(Evaluator().evaluate(source, blacked))
    ok, reasons = verdict(Evaluator().evaluate(source, source[:10]))
    assert not ok and any(r.startswith("frame_count_match") for r in reasons)


def test_blown_out_variant_fails_clipping(source):
    blown = np.clip(source.astype(np.int16) * 4, 0, 255).astype(np.uint8)
    assert "clipped_pixels" in _failed(Evaluator().evaluate(source, blown))


def test_a_variant_of_another_frame_size_fails_integrity(source):
    # Decoded frames are uint8, which cannot be non-finite; what a backend can get wrong is the size.
    smaller = np.stack([cv2.resize(f, (source.shape[2] // 2, source.shape[1] // 2)) for f in source])
    assert "frame_size_match" in _failed(Evaluator().evaluate(source, smaller))
    assert "frame_size_match" not in _failed(Evaluator().evaluate(source, _variant(source, "fog"), "fog"))
    assert "finite_pixels" not in {c.name for c in Evaluator().evaluate(source, source)}


COMPARISONS = {"frame_count_match", "frame_size_match", "canny_edge_f1", "misalignment", "blur_ssim", "flicker", "hallucination",
               "missing_motion", "warp_error", "condition_adherence", "seg_miou_ratio", "depth_si_rmse"}


def test_an_original_is_judged_on_its_own_merits(source):
    checks = Evaluator().evaluate_original(source)
    assert not {c.name for c in checks} & COMPARISONS
    assert {"black_frames", "clipped_pixels", "underexposure", "overexposure", "sharpness", "frozen_frames", "motion"} <= {c.name for c in checks}
    assert verdict(checks) == (True, [])
    # Each of its own failures is caught without a source to compare with.
    assert "underexposure" in _failed(Evaluator().evaluate_original((source * 0.03).astype(np.uint8)))
    assert {"frozen_frames", "motion"} <= _failed(Evaluator().evaluate_original(np.repeat(source[:1], len(source), axis=0)))
    assert "sharpness" in _failed(Evaluator().evaluate_original(np.stack([cv2.GaussianBlur(f, (0, 0), 8) for f in source])))
    assert "black_frames" in _failed(Evaluator().evaluate_original(np.concatenate([source[:10], np.zeros_like(source[:10])])))


@pytest.mark.parametrize("asked,rendered", [("night", "fog"), ("fog", "night"), ("rain", "snow"), ("snow", "dusk"), ("sensor_noise", "motion_blur"), ("glare", "overcast")])
def test_adherence_catches_the_wrong_condition(source, asked, rendered):
    small_s = np.stack([cv2.resize(f, (512, 384)) for f in source[::3]])
    right = np.stack([cv2.resize(f, (512, 384)) for f in _variant(source, asked)[::3]])
    wrong = np.stack([cv2.resize(f, (512, 384)) for f in _variant(source, rendered)[::3]])
    assert adherence(asked, small_s, right) >= 0.5
    assert adherence(asked, small_s, wrong) < 0.5


def test_seg_miou_catches_removed_objects(sim_scene):
    from resources.media.codec import read_frames
    from resources.sources.simulator import load_npz

    frames, seg = read_frames(sim_scene.video_path), load_npz(sim_scene.seg_npz)
    painted = frames.copy()
    for i in range(len(frames)):
        painted[i][seg[i] >= 1] = np.median(frames[i][seg[i] == 0], axis=0)
    base = seg_miou(frames[::4], seg[::4])
    assert base > 0.3
    assert seg_miou(painted[::4], seg[::4]) < 0.75 * base
    checks = Evaluator().evaluate(frames, painted, None, seg)
    assert "seg_miou_ratio" in _failed(checks)


def test_depth_si_rmse_is_scale_invariant_and_catches_wrong_depth(sim_scene):
    from resources.sources.simulator import load_npz

    depth = load_npz(sim_scene.depth_npz).astype(np.float32)
    assert depth_si_rmse(depth * 3.7, depth) < 1e-5
    flipped = depth[:, ::-1]
    assert depth_si_rmse(flipped, depth) > 0.3


def test_a_check_that_cannot_measure_says_so_instead_of_passing(source):
    still = np.repeat(source[:1], len(source), axis=0)  # nothing moves: no motion to judge or lose
    checks = {c.name: c for c in Evaluator().evaluate(still, still, "fog")}
    for name in ("hallucination", "missing_motion"):
        assert not checks[name].measured and np.isnan(checks[name].score) and "move" in checks[name].reason
        assert checks[name].passed  # not blocking by default: recorded, and counted in evaluation_summary
    featureless = np.full_like(source, 128)
    checks = {c.name: c for c in Evaluator().evaluate(featureless, featureless)}
    assert not checks["misalignment"].measured and "keypoints" in checks["misalignment"].reason
    assert checks["canny_edge_f1"].measured  # what could measure still did


def test_the_verdict_policy_says_which_unmeasured_checks_block(source):
    from resources.evaluation.engine import EvaluationSettings

    still = np.repeat(source[:1], len(source), axis=0)
    strict = Evaluator(EvaluationSettings(block_unmeasured=("hallucination",)))
    ok, reasons = verdict(strict.evaluate(still, still, "fog"))
    assert not ok and any(r.startswith("hallucination (physical_laws): not measured (") for r in reasons)
    assert not any(r.startswith("missing_motion") for r in reasons)


def test_measurable_motion_is_measured(source):
    checks = {c.name: c for c in Evaluator().evaluate(source, _variant(source, "fog"), "fog")}
    assert all(checks[n].measured and np.isfinite(checks[n].score) for n in ("hallucination", "missing_motion", "misalignment"))


@pytest.fixture(scope="module")
def small_sim(tmp_path_factory) -> ClipMedia:
    """A 160x120 simulated tabletop: the frame size at which flakes and streaks are 3 px."""
    from resources.sources.simulator import render_scene, scene_params
    from tests.calibration import sim_clip

    return sim_clip(render_scene(scene_params(0, 11, 160, 120, 10, 24), tmp_path_factory.mktemp("small-sim")))


@pytest.fixture(scope="module")
def tree(footage) -> np.ndarray:
    return np.stack([f.image for f in iter_frames(footage["tree"], 0, 24)])  # 320x240, leaves in the wind


def test_snow_is_seen_on_a_small_frame(small_sim):
    """Flakes of a 160x120 frame are plus-shaped once thresholded; a 2x2 opening erased them all."""
    snow = make_engine("procedural").transfer(small_sim, Recipe("snow", {}, 3)).frames
    assert adherence("snow", small_sim.frames, snow) >= 0.5


def test_snow_is_not_taken_for_rain(tree):
    """On a 320x240 frame a flake is as tall as the streak filter; rain must also darken the scene."""
    engine = make_engine("procedural")
    assert adherence("rain", tree, engine.transfer(ClipMedia(tree, [], 10.0), Recipe("snow", {}, 1)).frames) < 0.5
    assert adherence("rain", tree, engine.transfer(ClipMedia(tree, [], 10.0), Recipe("rain", {}, 1)).frames) >= 0.5


def test_motion_blur_of_a_moving_camera_is_not_taken_for_sensor_noise(small_sim):
    engine = make_engine("procedural")
    blur = engine.transfer(small_sim, Recipe("motion_blur", {}, 1)).frames
    noise = engine.transfer(small_sim, Recipe("sensor_noise", {}, 1)).frames
    assert adherence("sensor_noise", small_sim.frames, blur) < 0.5 <= adherence("sensor_noise", small_sim.frames, noise)
