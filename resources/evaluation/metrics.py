"""The evaluator's measurements: each a function of frames (source and sample, or one clip).

Control fidelity uses the Cosmos cookbook's metrics (Canny-edge F1, blur-SSIM, and against sim
ground truth segmentation mIoU and depth scale-invariant RMSE); hallucination follows
cosmos-evaluator (dynamic pixels of the variant with no motion counterpart in the source).
The Evaluator (engine.py) holds each score against its threshold.
"""
from __future__ import annotations

import cv2
import numpy as np

_ANALYSIS_WIDTH = 256

def _size(h: int, w: int, width: int = _ANALYSIS_WIDTH) -> tuple[int, int]:
    scale = min(1.0, width / w)
    return max(8, round(w * scale)), max(8, round(h * scale))


def colour_frames(frames: np.ndarray, width: int = _ANALYSIS_WIDTH) -> np.ndarray:
    """BGR frames at most ``width`` px wide (bounded memory for every check)."""
    size = _size(*frames.shape[1:3], width)
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])


def analysis_frames(frames: np.ndarray) -> np.ndarray:
    """Grey frames at most 256 px wide."""
    if frames.ndim == 4:
        frames = colour_frames(frames)
        return np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames])
    return frames


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
    return float(np.mean([_ssim(cv2.GaussianBlur(_standardise(a), (0, 0), sigma), cv2.GaussianBlur(_standardise(b), (0, 0), sigma)) for a, b in zip(src, var)]))


def flicker(src: np.ndarray, var: np.ndarray) -> float:
    """Frame-to-frame brightness change the source does not have, relative to brightness."""
    if len(var) < 2:
        return 0.0
    ms, mv = src.reshape(len(src), -1).mean(1), var.reshape(len(var), -1).mean(1)
    gain = mv.mean() / max(1e-6, ms.mean())
    return float(np.abs(np.diff(mv) - gain * np.diff(ms)).mean() / max(1.0, mv.mean()))


def _dynamic(frames: np.ndarray) -> np.ndarray:
    """Where each frame changed from the previous one, at the scale of objects: frames are
    contrast-standardised and blurred, and thin or tiny changes (rain streaks, snowflakes,
    sensor noise) are opened away."""
    std = np.stack([cv2.GaussianBlur(_standardise(_without_overlays(f)), (0, 0), 1.5) for f in frames])
    diff = np.abs(np.diff(std, axis=0)) > 18.0
    kernel = np.ones((3, 3), np.uint8)
    return np.stack([cv2.morphologyEx(d.astype(np.uint8), cv2.MORPH_OPEN, kernel) > 0 for d in diff])


# Below this share of moving pixels there is no motion to judge: a check that needs motion
# says it could not measure (None), rather than passing by default.
MIN_MOVING_SHARE = 0.0005


def hallucination_score(src: np.ndarray, var: np.ndarray, tolerance_px: int = 3) -> float | None:
    """Share of the variant's dynamic pixels that have a motion counterpart in the source
    (1.0: nothing invented). cosmos-evaluator's hallucination check, weight-free. None when
    hardly anything in the variant moves: there is nothing to judge."""
    if len(var) < 2:
        return None
    ds, dv = _dynamic(src), _dynamic(var)
    kernel = np.ones((2 * tolerance_px + 1,) * 2, np.uint8)
    near = np.stack([cv2.dilate(d.astype(np.uint8), kernel) > 0 for d in ds])
    moving = int(dv.sum())
    if moving < MIN_MOVING_SHARE * dv.size:
        return None
    return float((dv & near).sum() / moving)


def missing_motion(src: np.ndarray, var: np.ndarray, tolerance_px: int = 3, black: float = 20.0) -> float | None:
    """Share of the source's dynamic pixels with no counterpart in the variant: motion the
    variant lost (frozen or removed objects). Only where the variant is not crushed to black:
    a night scene may hide what moves in the dark, not what moves in the light. None when the
    source hardly moves where the variant is visible: there is no motion to lose."""
    if len(var) < 2:
        return None
    ds, dv = _dynamic(src), _dynamic(var)
    visible = np.stack([cv2.blur(f, (9, 9)) > black for f in var[1:]])
    ds &= visible
    if int(ds.sum()) < MIN_MOVING_SHARE * ds.size:
        return None
    kernel = np.ones((2 * tolerance_px + 1,) * 2, np.uint8)
    near = np.stack([cv2.dilate(d.astype(np.uint8), kernel) > 0 for d in dv])
    return float(1.0 - (ds & near).sum() / ds.sum())


def warp_error(src: np.ndarray, var: np.ndarray) -> float:
    """How much worse the variant follows the source's optical flow than the source itself:
    each frame is warped to the next along the source's flow and compared."""
    if len(src) < 2:
        return 0.0
    errs_s, errs_v = [], []
    h, w = src.shape[1:]
    grid = np.dstack(np.meshgrid(np.arange(w), np.arange(h))).astype(np.float32)
    for t in range(len(src) - 1):
        flow = cv2.calcOpticalFlowFarneback(src[t + 1], src[t], None, 0.5, 3, 15, 3, 5, 1.2, 0)
        maps = grid + flow
        for frames, errs in ((src, errs_s), (var, errs_v)):
            a, b = _standardise(frames[t]), _standardise(frames[t + 1])
            warped = cv2.remap(a, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR)
            errs.append(float(np.abs(warped - b).mean()) / 255.0)
    return float(np.mean(errs_v) - np.mean(errs_s))


def frozen_fraction(frames: np.ndarray, epsilon: float = 0.1) -> float:
    """Share of frames that repeat the previous one (on contrast-standardised frames, so a
    dark rendering of a moving scene is not mistaken for a frozen one)."""
    if len(frames) < 2:
        return 0.0
    std = np.stack([_standardise(f) for f in frames])
    return float((np.abs(np.diff(std, axis=0)).mean(axis=(1, 2)) < epsilon).mean())


def misalignment_px(src: np.ndarray, var: np.ndarray) -> float | None:
    """How far the best similarity transform from source to variant moves the frame's corners
    (px at analysis size; the worst of the frames looked at). Fitted by RANSAC to ORB keypoint
    matches on contrast-equalised frames, so lighting and weather do not pass for motion.
    None when too few keypoints match in every frame looked at: it cannot say."""
    orb = cv2.ORB_create(nfeatures=600, fastThreshold=10)
    clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(4, 4))
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    h, w = src.shape[1:]
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float32).T
    worst, fitted = 0.0, 0
    for a, b in zip(src, var):
        ka, da = orb.detectAndCompute(clahe.apply(cv2.medianBlur(a, 3)), None)
        kb, db = orb.detectAndCompute(clahe.apply(cv2.medianBlur(b, 3)), None)
        if da is None or db is None:
            continue
        matches = matcher.match(da, db)
        if len(matches) < 15:
            continue
        pa = np.float32([ka[m.queryIdx].pt for m in matches])
        pb = np.float32([kb[m.trainIdx].pt for m in matches])
        warp, inliers = cv2.estimateAffinePartial2D(pa, pb, method=cv2.RANSAC, ransacReprojThreshold=2.0)
        if warp is None or int(inliers.sum()) < 12:
            continue
        moved = warp @ corners - corners[:2]
        worst = max(worst, float(np.sqrt((moved**2).sum(0)).max()))
        fitted += 1
    return worst if fitted else None


def _without_overlays(frame: np.ndarray) -> np.ndarray:
    """The frame with structures thinner than ~5 px (rain streaks, snowflakes, grain) opened
    and closed away: weather is allowed to add those; objects are larger."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    return cv2.morphologyEx(cv2.morphologyEx(frame, cv2.MORPH_OPEN, disc), cv2.MORPH_CLOSE, disc)


def seg_miou(frames: np.ndarray, seg: np.ndarray, max_labels: int = 32) -> float:
    """mIoU of a weight-free segmentation of ``frames`` against ground truth: each pixel takes
    the label whose mean colour (in the same frame) is nearest. Geometry kept -> high."""
    scores = []
    for frame, truth in zip(frames, seg):
        lab = cv2.cvtColor(_without_overlays(frame), cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
        lab = (lab - lab.mean(0)) / (lab.std(0) + 1e-3)
        labels, counts = np.unique(truth, return_counts=True)
        labels = labels[np.argsort(-counts)][:max_labels]
        flat = truth.reshape(-1)
        means = np.stack([lab[flat == lbl].mean(0) for lbl in labels])
        pred = labels[np.argmin(((lab[:, None, :] - means[None]) ** 2).sum(-1), axis=1)]
        ious = [((pred == lbl) & (flat == lbl)).sum() / max(1, ((pred == lbl) | (flat == lbl)).sum()) for lbl in labels]
        scores.append(float(np.mean(ious)))
    return float(np.mean(scores))


def depth_si_rmse(pred: np.ndarray, truth: np.ndarray) -> float:
    """Scale-invariant RMSE of log depth (Eigen et al.), the Cosmos cookbook's depth metric."""
    mask = (truth > 0) & (pred > 0) & np.isfinite(pred)
    if not mask.any():
        return float("inf")
    d = np.log(pred[mask]) - np.log(truth[mask])
    return float(np.sqrt(max(0.0, np.mean(d**2) - np.mean(d) ** 2)))


def resize_like(frames: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.stack([cv2.resize(f, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST) for f in frames])


def pairwise_warp(src: np.ndarray, var: np.ndarray, pairs: np.ndarray) -> float:
    """warp_error over a few consecutive-frame pairs spread through the clip (bounded cost)."""
    if len(pairs) == 0:
        return 0.0
    return float(np.mean([warp_error(src[[i, i + 1]], var[[i, i + 1]]) for i in pairs]))


def clipped_share(grey: np.ndarray) -> float:
    return float(((grey <= 2) | (grey >= 253)).mean())


def sharpness(grey: np.ndarray) -> float:
    """Mean variance of the Laplacian over grey frames (at most 256 px wide), every third frame."""
    return float(np.mean([cv2.Laplacian(f, cv2.CV_32F).var() for f in grey[::3]]))


def motion_energy(grey: np.ndarray) -> float:
    """Mean |frame difference| / 255 over consecutive grey frames: how much the clip moves."""
    if len(grey) < 2:
        return 0.0
    return float(np.abs(np.diff(grey.astype(np.int16), axis=0)).mean()) / 255.0
