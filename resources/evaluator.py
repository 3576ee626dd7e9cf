"""The evaluator: score a sample (variant or original clip) against its source clip.

Each check yields (name, category, score, threshold, comparison, passed), in the four
categories NVIDIA's HUE framework uses. The control-fidelity metrics are the Cosmos
cookbook's (Canny-edge F1, blur-SSIM); the rest are classical measures that need no weights.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

EVALUATOR_VERSION = "classical-1"
SEMANTIC, PHYSICAL, GEOMETRIC, INTEGRITY = "semantic_alignment", "physical_laws", "geometric_reasoning", "visual_integrity"
_ANALYSIS_WIDTH = 256


@dataclass(frozen=True)
class EvaluationSettings:
    min_edge_f1: float = 0.35
    min_blur_ssim: float = 0.75  # unrelated layouts of the same footage score ~0.66-0.68
    max_flicker: float = 0.03
    max_black_fraction: float = 0.2
    max_extra_clipped: float = 0.25  # share of pixels clipped in the sample but not the source
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


def analysis_frames(frames: np.ndarray) -> np.ndarray:
    """Grey frames at most 256 px wide: what every check looks at (bounded memory)."""
    t_n, h, w = frames.shape[:3]
    scale = min(1.0, _ANALYSIS_WIDTH / w)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    return np.stack([cv2.resize(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA) for f in frames])


def _edges(grey: np.ndarray) -> np.ndarray:
    # Stretch contrast first and set Canny's thresholds from the median, so a darker or hazier
    # rendering of the same scene still shows the same edges.
    g = cv2.normalize(cv2.GaussianBlur(grey, (3, 3), 0), None, 0, 255, cv2.NORM_MINMAX)
    med = float(np.median(g))
    return cv2.Canny(g, int(max(0, 0.66 * med)), int(min(255, 1.33 * med) + 1)) > 0


def canny_edge_f1(src: np.ndarray, var: np.ndarray, tolerance_px: int = 1) -> float:
    kernel = np.ones((2 * tolerance_px + 1,) * 2, np.uint8)
    scores = []
    for a, b in zip(src, var):
        ea, eb = _edges(a), _edges(b)
        if not ea.any() and not eb.any():
            scores.append(1.0)
            continue
        da = cv2.dilate(ea.astype(np.uint8), kernel) > 0
        db = cv2.dilate(eb.astype(np.uint8), kernel) > 0
        precision = (eb & da).sum() / max(1, eb.sum())
        recall = (ea & db).sum() / max(1, ea.sum())
        scores.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    return float(np.mean(scores))


def _standardise(grey: np.ndarray) -> np.ndarray:
    x = grey.astype(np.float32)
    return np.clip(128 + 40 * (x - x.mean()) / (x.std() + 1e-6), 0, 255)


def _ssim(a: np.ndarray, b: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (7, 7), 1.5)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(ssim.mean())


def blur_ssim(src: np.ndarray, var: np.ndarray, sigma: float = 3.0) -> float:
    """SSIM of heavily blurred, contrast-standardised frames: does the coarse layout survive?"""
    scores = []
    for a, b in zip(src, var):
        ba = cv2.GaussianBlur(_standardise(a), (0, 0), sigma)
        bb = cv2.GaussianBlur(_standardise(b), (0, 0), sigma)
        scores.append(_ssim(ba, bb))
    return float(np.mean(scores))


def flicker(src: np.ndarray, var: np.ndarray) -> float:
    """Frame-to-frame brightness change the source does not have, relative to brightness."""
    if len(var) < 2:
        return 0.0
    ms, mv = src.reshape(len(src), -1).mean(1), var.reshape(len(var), -1).mean(1)
    gain = mv.mean() / max(1e-6, ms.mean())
    excess = np.abs(np.diff(mv) - gain * np.diff(ms))
    return float(excess.mean() / max(1.0, mv.mean()))


def _clipped(grey: np.ndarray) -> float:
    return float(((grey <= 2) | (grey >= 253)).mean())


class Evaluator:
    def __init__(self, settings: EvaluationSettings | None = None):
        self.settings = settings or EvaluationSettings()

    def evaluate(self, source: np.ndarray, sample: np.ndarray) -> list[CheckResult]:
        """All checks of a sample (T x H x W x 3 BGR) against its source clip."""
        s = self.settings
        checks = [_check("frame_count_match", INTEGRITY, len(sample) / max(1, len(source)), 1.0, ">=")]
        if not np.isfinite(sample.astype(np.float32)).all():
            checks.append(_check("finite_pixels", INTEGRITY, 0.0, 1.0, ">="))
        n = min(len(source), len(sample))
        if n == 0:
            return checks
        src, var = analysis_frames(source[:n]), analysis_frames(sample[:n])
        if src.shape[1:] != var.shape[1:]:
            var = np.stack([cv2.resize(v, (src.shape[2], src.shape[1])) for v in var])
        stride = max(1, n // 16)  # fidelity on up to 16 evenly spaced frames
        checks += [
            _check("canny_edge_f1", GEOMETRIC, canny_edge_f1(src[::stride], var[::stride]), s.min_edge_f1, ">="),
            _check("blur_ssim", SEMANTIC, blur_ssim(src[::stride], var[::stride]), s.min_blur_ssim, ">="),
            _check("flicker", PHYSICAL, flicker(src, var), s.max_flicker, "<="),
            _check("black_frames", INTEGRITY, float((var.reshape(n, -1).mean(1) < s.black_level).mean()), s.max_black_fraction, "<="),
            _check("clipped_pixels", INTEGRITY, _clipped(var) - _clipped(src), s.max_extra_clipped, "<="),
        ]
        return checks


def verdict(checks: list[CheckResult]) -> tuple[bool, list[str]]:
    """A sample passes when every required check passes; the reasons name the ones that failed."""
    reasons = [
        f"{c.name} ({c.category}): {c.score:.3f} not {c.comparison} {c.threshold:g}" for c in checks if c.required and not c.passed
    ]
    return not reasons, reasons
