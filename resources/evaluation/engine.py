"""The evaluator: score a sample (variant or original clip) against its source clip.

Each check yields (name, category, score, threshold, comparison, passed), in the four
categories of NVIDIA's HUE framework. Control fidelity uses the Cosmos cookbook's metrics
(Canny-edge F1, blur-SSIM, and against sim ground truth segmentation mIoU and depth
scale-invariant RMSE); hallucination follows cosmos-evaluator (dynamic pixels of the
variant with no motion counterpart in the source). Everything here needs no weights; a VLM
critic and a depth estimator plug in through ``resources.evaluation.backends.critics``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from resources.evaluation.adherence import adherence
from resources.evaluation.metrics import (
    analysis_frames,
    blur_ssim,
    canny_edge_f1,
    clipped_share,
    colour_frames,
    depth_si_rmse,
    flicker,
    frozen_fraction,
    hallucination_score,
    misalignment_px,
    missing_motion,
    pairwise_warp,
    resize_like,
    seg_miou,
)

EVALUATOR_VERSION = "classical-2"
SEMANTIC, PHYSICAL, GEOMETRIC, INTEGRITY = "semantic_alignment", "physical_laws", "geometric_reasoning", "visual_integrity"


@dataclass(frozen=True)
class EvaluationSettings:
    min_edge_f1: float = 0.28  # dense fog on a dark scene keeps ~0.3 of the edges
    min_blur_ssim: float = 0.75  # unrelated layouts of the same footage score ~0.66-0.68
    max_flicker: float = 0.03
    max_black_fraction: float = 0.2
    max_extra_clipped: float = 0.25  # share of pixels clipped in the sample but not the source
    min_hallucination_score: float = 0.682  # cosmos-evaluator's default pass mark
    min_kept_motion: float = 0.4  # share of the source's motion the variant still shows (fog hides some)
    max_warp_error: float = 0.12  # excess error of the variant warped along the source's flow
    max_extra_frozen: float = 0.15  # share of frames frozen in the sample but not the source
    max_misalignment_px: float = 4.0  # corner displacement of the best similarity warp, 256 px wide
    min_adherence: float = 0.5
    min_seg_miou_ratio: float = 0.75  # variant mIoU / source mIoU; good variants >= 0.77, removed objects <= 0.71
    max_depth_si_rmse: float = 0.5
    min_critic: float = 0.5
    black_level: float = 6.0  # a frame whose mean is below this is black


@dataclass(frozen=True)
class CheckResult:
    name: str
    category: str
    score: float
    threshold: float
    comparison: str  # ">=" or "<="
    required: bool
    passed: bool

    def as_row(self) -> dict:
        return asdict(self)


def _check(name: str, category: str, score: float, threshold: float, comparison: str, required: bool = True) -> CheckResult:
    ok = bool(np.isfinite(score)) and (score >= threshold if comparison == ">=" else score <= threshold)
    return CheckResult(name, category, float(score), float(threshold), comparison, required, ok)


class Evaluator:
    def __init__(self, settings: EvaluationSettings | None = None, critic=None, depth_estimator=None):
        self.settings = settings or EvaluationSettings()
        self.critic = critic
        self.depth_estimator = depth_estimator

    def evaluate(
        self, source: np.ndarray, sample: np.ndarray, condition: str | None = None, seg: np.ndarray | None = None, depth: np.ndarray | None = None
    ) -> list[CheckResult]:
        """Every check of a sample (T x H x W x 3 BGR) against its source clip. ``condition`` is
        the recipe's (None for an original); ``seg``/``depth`` the clip's ground truth, if any."""
        s = self.settings
        checks = [_check("frame_count_match", INTEGRITY, len(sample) / max(1, len(source)), 1.0, ">=")]
        checks.append(_check("finite_pixels", INTEGRITY, float(np.isfinite(sample.astype(np.float32)).mean()), 1.0, ">="))
        n = min(len(source), len(sample))
        if n == 0:
            return checks
        if sample.dtype != np.uint8:  # NaNs are counted above; the remaining checks see pixels
            sample = np.clip(np.nan_to_num(sample.astype(np.float32)), 0, 255).astype(np.uint8)
        src_c, var_c = colour_frames(source[:n]), colour_frames(sample[:n])
        if var_c.shape[1:3] != src_c.shape[1:3]:
            var_c = np.stack([cv2.resize(v, (src_c.shape[2], src_c.shape[1])) for v in var_c])
        src, var = analysis_frames(src_c), analysis_frames(var_c)
        stride = max(1, n // 16)  # per-frame fidelity on up to 16 evenly spaced frames
        pairs = np.unique(np.linspace(0, n - 2, min(n - 1, 12)).astype(int)) if n > 1 else np.array([], int)
        checks += [
            _check("canny_edge_f1", GEOMETRIC, canny_edge_f1(src[::stride], var[::stride]), s.min_edge_f1, ">="),
            _check("misalignment", GEOMETRIC, misalignment_px(src[:: max(1, n // 4)], var[:: max(1, n // 4)]), s.max_misalignment_px, "<="),
            _check("blur_ssim", SEMANTIC, blur_ssim(src[::stride], var[::stride]), s.min_blur_ssim, ">="),
            _check("flicker", PHYSICAL, flicker(src, var), s.max_flicker, "<="),
            _check("hallucination", PHYSICAL, hallucination_score(src, var), s.min_hallucination_score, ">="),
            _check("missing_motion", PHYSICAL, 1.0 - missing_motion(src, var), s.min_kept_motion, ">="),
            _check("warp_error", PHYSICAL, pairwise_warp(src, var, pairs), s.max_warp_error, "<="),
            _check("frozen_frames", INTEGRITY, frozen_fraction(var) - frozen_fraction(src), s.max_extra_frozen, "<="),
            _check("black_frames", INTEGRITY, float((var.reshape(n, -1).mean(1) < s.black_level).mean()), s.max_black_fraction, "<="),
            _check("clipped_pixels", INTEGRITY, clipped_share(var) - clipped_share(src), s.max_extra_clipped, "<="),
        ]
        if condition:
            step = max(1, n // 8)
            big_s, big_v = colour_frames(source[:n:step], 512), colour_frames(sample[:n:step], 512)
            if big_v.shape != big_s.shape:
                big_v = np.stack([cv2.resize(v, (big_s.shape[2], big_s.shape[1])) for v in big_v])
            checks.append(_check("condition_adherence", SEMANTIC, adherence(condition, big_s, big_v), s.min_adherence, ">="))
            if self.critic is not None:
                checks.append(_check("critic", SEMANTIC, self.critic.score(var_c, condition), s.min_critic, ">="))
        if seg is not None:
            truth = resize_like(seg[:n:stride], src.shape[1:])
            ratio = seg_miou(var_c[::stride], truth) / max(1e-6, seg_miou(src_c[::stride], truth))
            checks.append(_check("seg_miou_ratio", GEOMETRIC, ratio, s.min_seg_miou_ratio, ">="))
        if depth is not None and self.depth_estimator is not None:
            truth = resize_like(depth[:n:stride].astype(np.float32), src.shape[1:])
            pred = self.depth_estimator.estimate(var_c[::stride])
            pred = np.stack([cv2.resize(p, (truth.shape[2], truth.shape[1])) for p in pred])
            checks.append(_check("depth_si_rmse", GEOMETRIC, depth_si_rmse(pred, truth), s.max_depth_si_rmse, "<="))
        return checks


def verdict(checks: list[CheckResult]) -> tuple[bool, list[str]]:
    """A sample passes when every required check passes; the reasons name the ones that failed."""
    reasons = [f"{c.name} ({c.category}): {c.score:.3f} not {c.comparison} {c.threshold:g}" for c in checks if c.required and not c.passed]
    return not reasons, reasons
