"""The evaluator's model backends from tiny random weights through ``from_pretrained``."""
import numpy as np
import pytest

from dagster_project.configurable import EvaluatorResource
from resources.evaluation.backends import make_critic, make_depth_estimator
from tests.tiny_models import save_tiny_blip, save_tiny_depth_anything


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("critic-models")
    return {"vlm": save_tiny_blip(root / "blip"), "depth": save_tiny_depth_anything(root / "depth")}


def test_vlm_critic_scores_in_unit_interval(models):
    critic = make_critic(str(models["vlm"]))
    frames = np.random.default_rng(0).integers(0, 255, (4, 48, 64, 3), dtype=np.uint8)
    s1, s2 = critic.score(frames, "night"), critic.score(frames, "night")
    assert 0.0 <= s1 <= 1.0 and s1 == s2


def test_depth_estimator_predicts_depth_per_frame(models):
    depth = make_depth_estimator(str(models["depth"])).estimate(np.zeros((3, 48, 64, 3), np.uint8))
    assert depth.shape[0] == 3 and np.isfinite(depth).all() and (depth > 0).all()


def test_evaluator_resource_adds_critic_and_depth_checks(models, sim_scene):
    from resources.media.codec import read_frames
    from resources.sources.simulator import load_npz

    evaluator = EvaluatorResource(critic_model=str(models["vlm"]), depth_model=str(models["depth"])).engine()
    frames = read_frames(sim_scene.video_path)
    checks = {c.name: c for c in evaluator.evaluate(frames, frames, "night", load_npz(sim_scene.seg_npz), load_npz(sim_scene.depth_npz))}
    assert 0.0 <= checks["critic"].score <= 1.0 and checks["critic"].category == "semantic_alignment"
    assert checks["depth_si_rmse"].category == "geometric_reasoning" and checks["depth_si_rmse"].comparison == "<="
