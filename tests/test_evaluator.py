"""The evaluator on real frames: good variants pass, broken ones fail the check meant for them."""
import numpy as np
import pytest

from resources.evaluator import GEOMETRIC, INTEGRITY, PHYSICAL, SEMANTIC, Evaluator, verdict
from resources.transfer import ClipMedia, Recipe, make_engine
from resources.video import iter_frames


@pytest.fixture(scope="module")
def source(footage) -> np.ndarray:
    return np.stack([f.image for f in iter_frames(footage["vtest"], 0, 20)])


def _failed(checks) -> set[str]:
    return {c.name for c in checks if not c.passed}


def test_checks_are_recorded_in_the_four_categories(source):
    checks = Evaluator().evaluate(source, source)
    assert {c.category for c in checks} == {SEMANTIC, PHYSICAL, GEOMETRIC, INTEGRITY}
    for c in checks:
        assert c.comparison in (">=", "<=") and np.isfinite(c.score) and np.isfinite(c.threshold)
    assert verdict(checks) == (True, [])


@pytest.mark.parametrize("condition", ["night", "fog", "rain", "snow"])
def test_good_variants_pass(source, condition):
    variant = make_engine("procedural").transfer(ClipMedia(source, [], 10.0), Recipe(condition)).frames
    ok, reasons = verdict(Evaluator().evaluate(source, variant))
    assert ok, reasons


def test_warped_geometry_fails_edge_fidelity(source):
    flipped = source[:, ::-1].copy()
    assert "canny_edge_f1" in _failed(Evaluator().evaluate(source, flipped))


def test_other_scene_fails_layout_fidelity(source):
    shifted = np.roll(source, source.shape[2] // 2, axis=2)
    failed = _failed(Evaluator().evaluate(source, shifted))
    assert {"blur_ssim", "canny_edge_f1"} <= failed


def test_flickering_variant_fails_temporal_check(source):
    flicker = source.astype(np.int16)
    flicker[::2] = np.clip(flicker[::2] * 0.6, 0, 255)
    assert _failed(Evaluator().evaluate(source, flicker.astype(np.uint8))) == {"flicker"}


def test_black_frames_and_dropped_frames_fail_integrity(source):
    blacked = source.copy()
    blacked[5:15] = 0
    assert "black_frames" in _failed(Evaluator().evaluate(source, blacked))
    ok, reasons = verdict(Evaluator().evaluate(source, source[:10]))
    assert not ok and any(r.startswith("frame_count_match") for r in reasons)


def test_blown_out_variant_fails_clipping(source):
    blown = np.clip(source.astype(np.int16) * 4, 0, 255).astype(np.uint8)
    assert "clipped_pixels" in _failed(Evaluator().evaluate(source, blown))
