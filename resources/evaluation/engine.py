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
    motion_energy,
    pairwise_warp,
    resize_like,
    seg_miou,
    sharpness,
)
from resources.evaluation.timing import (
    increasing_share,
    played_duration,
    worst_deviation_frames,
)

EVALUATOR_VERSION = "classical-5"  # 4: timestamp checks (issue 20); 5: snow, rain and sensor-noise cues
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
    # The verdict policy for checks that cannot measure a sample (misalignment, hallucination,
    # missing_motion, seg_miou_ratio): those named here reject it, the others let it pass.
    block_unmeasured: tuple[str, ...] = ()
    # An original clip is judged on its own merits, with the curator's bars (CurationSettings).
    min_sharpness: float = 15.0  # variance of the Laplacian, grey, 256 px wide
    max_clipped_fraction: float = 0.5
    min_brightness: float = 12.0
    max_brightness: float = 245.0
    min_motion: float = 0.0005  # mean |frame difference| / 255
    max_frozen_fraction: float = 0.5


@dataclass(frozen=True)
class CheckResult:
    name: str
    category: str
    score: float
    threshold: float
    comparison: str  # ">=" or "<="
    required: bool
    passed: bool
    measured: bool = True  # False: the check could not measure this sample (its score is NaN)
    reason: str | None = None  # why it could not measure

    def as_row(self) -> dict:
        return asdict(self)


def _check(name: str, category: str, score: float, threshold: float, comparison: str, required: bool = True) -> CheckResult:
    ok = bool(np.isfinite(score)) and (score >= threshold if comparison == ">=" else score <= threshold)
    return CheckResult(name, category, float(score), float(threshold), comparison, required, ok)


def _unmeasured(name: str, category: str, threshold: float, comparison: str, reason: str, blocks: bool) -> CheckResult:
    """A check that could not measure: recorded as such, with why; it passes unless the
    verdict policy (``block_unmeasured``) says a sample it cannot measure is rejected."""
    return CheckResult(name, category, float("nan"), float(threshold), comparison, True, not blocks, False, reason)


class Evaluator:
    def __init__(self, settings: EvaluationSettings | None = None, critic=None, depth_estimator=None):
        self.settings = settings or EvaluationSettings()
        self.critic = critic
        self.depth_estimator = depth_estimator

    def evaluate(
        self, source: np.ndarray, sample: np.ndarray, condition: str | None = None, seg: np.ndarray | None = None, depth: np.ndarray | None = None
    ) -> list[CheckResult]:
        """Every check of a variant (T x H x W x 3 BGR uint8) against its source clip. ``condition``
        is the recipe's; ``seg``/``depth`` the clip's ground truth, if any. An original clip is
        never compared with itself: ``evaluate_original`` judges it."""
        s = self.settings
        checks = [_check("frame_count_match", INTEGRITY, len(sample) / max(1, len(source)), 1.0, ">=")]
        # A variant keeps its clip's frame size (labels stay valid); a decoded one is uint8, so
        # this - not finiteness, which uint8 pixels always have - is what its frames can get wrong.
        same_size = float(sample.shape[1:3] == source.shape[1:3])
        checks.append(_check("frame_size_match", INTEGRITY, same_size, 1.0, ">="))
        n = min(len(source), len(sample))
        if n == 0:
            return checks
        src_c, var_c = colour_frames(source[:n]), colour_frames(sample[:n])
        if var_c.shape[1:3] != src_c.shape[1:3]:  # failed above; the other checks still say what else is wrong
            var_c = np.stack([cv2.resize(v, (src_c.shape[2], src_c.shape[1])) for v in var_c])
        src, var = analysis_frames(src_c), analysis_frames(var_c)
        stride = max(1, n // 16)  # per-frame fidelity on up to 16 evenly spaced frames
        pairs = np.unique(np.linspace(0, n - 2, min(n - 1, 12)).astype(int)) if n > 1 else np.array([], int)
        lost = missing_motion(src, var)
        checks += [
            _check("canny_edge_f1", GEOMETRIC, canny_edge_f1(src[::stride], var[::stride]), s.min_edge_f1, ">="),
            self._maybe("misalignment", GEOMETRIC, misalignment_px(src[:: max(1, n // 4)], var[:: max(1, n // 4)]), s.max_misalignment_px, "<=",
                        "too few keypoints matched between the clip and the variant in every frame looked at"),
            _check("blur_ssim", SEMANTIC, blur_ssim(src[::stride], var[::stride]), s.min_blur_ssim, ">="),
            _check("flicker", PHYSICAL, flicker(src, var), s.max_flicker, "<="),
            self._maybe("hallucination", PHYSICAL, hallucination_score(src, var), s.min_hallucination_score, ">=",
                        "hardly anything in the variant moves: there is no motion to judge"),
            self._maybe("missing_motion", PHYSICAL, None if lost is None else 1.0 - lost, s.min_kept_motion, ">=",
                        "the clip hardly moves where the variant is visible: there is no motion to lose"),
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
            base = seg_miou(src_c[::stride], truth)
            ratio = seg_miou(var_c[::stride], truth) / base if base >= 0.05 else None
            checks.append(self._maybe("seg_miou_ratio", GEOMETRIC, ratio, s.min_seg_miou_ratio, ">=",
                                      "the clip's own frames do not separate its ground-truth objects (mIoU < 0.05)"))
        if depth is not None and self.depth_estimator is not None:
            truth = resize_like(depth[:n:stride].astype(np.float32), src.shape[1:])
            pred = self.depth_estimator.estimate(var_c[::stride])
            pred = np.stack([cv2.resize(p, (truth.shape[2], truth.shape[1])) for p in pred])
            checks.append(_check("depth_si_rmse", GEOMETRIC, depth_si_rmse(pred, truth), s.max_depth_si_rmse, "<="))
        return checks

    def timing(self, times: np.ndarray, clip: dict) -> list[CheckResult]:
        """The timestamp checks of a sample (original or variant) against its clip's row: times
        that go forward, ``i / fps`` within half a frame (a VFR clip keeps its own, so that one
        is not measured), and the row's frame count and duration."""
        fps, vfr = float(clip["fps"]), bool(clip.get("is_vfr"))
        checks = [
            _check("timestamps_increasing", INTEGRITY, increasing_share(times), 1.0, ">="),
            _check("frames_match_row", INTEGRITY, float(abs(len(times) - clip["num_frames"])), 0.0, "<="),
            _check("duration_match", INTEGRITY, abs(played_duration(times, fps, vfr) - clip["duration_s"]) * fps, 0.5, "<="),
        ]
        even = None if vfr else worst_deviation_frames(times, fps)
        checks.append(self._maybe("timestamps_even", INTEGRITY, even, 0.5, "<=",
                                  "a variable-frame-rate clip keeps its source's own times, which are not evenly spaced"))
        return checks

    def _maybe(self, name: str, category: str, score: float | None, threshold: float, comparison: str, reason: str) -> CheckResult:
        """A check whose measurement may be missing (None): then recorded as not measured."""
        if score is None:
            return _unmeasured(name, category, threshold, comparison, reason, name in self.settings.block_unmeasured)
        return _check(name, category, score, threshold, comparison)

    def evaluate_original(self, frames: np.ndarray) -> list[CheckResult]:
        """An original clip judged on its own merits: integrity, exposure, sharpness, motion,
        frozen and black frames, and the critic where configured. Nothing compares it with itself."""
        s = self.settings
        checks = [_check("has_frames", INTEGRITY, float(len(frames)), 2.0, ">=")]
        if len(frames) == 0:
            return checks
        colour = colour_frames(frames)
        grey = analysis_frames(colour)
        means = grey.reshape(len(grey), -1).mean(1)
        checks += [
            _check("black_frames", INTEGRITY, float((means < s.black_level).mean()), s.max_black_fraction, "<="),
            _check("clipped_pixels", INTEGRITY, clipped_share(grey), s.max_clipped_fraction, "<="),
            _check("underexposure", INTEGRITY, float(means.mean()), s.min_brightness, ">="),
            _check("overexposure", INTEGRITY, float(means.mean()), s.max_brightness, "<="),
            _check("sharpness", INTEGRITY, sharpness(grey), s.min_sharpness, ">="),
            _check("frozen_frames", INTEGRITY, frozen_fraction(grey), s.max_frozen_fraction, "<="),
            _check("motion", PHYSICAL, motion_energy(grey), s.min_motion, ">="),
        ]
        if self.critic is not None:
            checks.append(_check("critic", SEMANTIC, self.critic.score(colour, ORIGINAL_PROMPT), s.min_critic, ">="))
        return checks


ORIGINAL_PROMPT = "a natural scene"  # what the critic is asked an original shows


def verdict(checks: list[CheckResult]) -> tuple[bool, list[str]]:
    """A sample passes when every required check passes; the reasons name the ones that failed."""
    reasons = [
        f"{c.name} ({c.category}): " + (f"not measured ({c.reason})" if not c.measured else f"{c.score:.3f} not {c.comparison} {c.threshold:g}")
        for c in checks if c.required and not c.passed
    ]
    return not reasons, reasons
