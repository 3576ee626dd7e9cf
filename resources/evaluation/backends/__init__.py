"""The evaluator's model backends: a VLM critic (Cosmos-Reason style, a 0..1 score) and a
monocular depth estimator (Depth Anything style, for depth scale-invariant RMSE). Neither is
needed: without them the evaluator runs its weight-free checks only."""
from __future__ import annotations

from typing import Any

from resources.registry import Registry

CRITICS = Registry("critic backend", {"vlm": "resources.evaluation.backends.critics:VlmCritic"})
DEPTH_ESTIMATORS = Registry("depth estimator backend", {"transformers": "resources.evaluation.backends.critics:TransformersDepthEstimator"})


def make_critic(model: str, device: str = "cpu", backend: str = "vlm") -> Any:
    return CRITICS.create(backend, model, device=device)


def make_depth_estimator(model: str, device: str = "cpu", backend: str = "transformers") -> Any:
    return DEPTH_ESTIMATORS.create(backend, model, device=device)


def build_evaluator(settings: dict) -> Any:
    """The evaluator of EvaluatorResource's fields: thresholds, and the model backends it names."""
    from resources.evaluation.engine import EvaluationSettings, Evaluator

    thresholds = {k: v for k, v in settings.items() if k in EvaluationSettings.__dataclass_fields__}
    thresholds["block_unmeasured"] = tuple(thresholds.get("block_unmeasured", ()))  # frozen settings
    device = settings.get("device", "cpu")
    critic, depth = settings.get("critic_model"), settings.get("depth_model")
    return Evaluator(
        EvaluationSettings(**thresholds),
        critic=make_critic(critic, device) if critic else None,
        depth_estimator=make_depth_estimator(depth, device) if depth else None,
    )
