"""Three arms at equal compute, and what each scores on the shifted test.

- A: the curated originals only.
- B: A plus the variants the evaluator accepted.
- C: A plus every variant unfiltered: the accepted, the rejected and deliberately broken copies
  (each accepted variant shifted sideways by a quarter of the frame), all with their source's
  labels. C is what a factory without an evaluator would ship.

Every arm trains the same model from the same initialisation for the same number of steps on
batches of the same size, drawn uniformly from its own pool: the same optimisation steps and
images seen. Only the data differs.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from resources.downstream.model import TinyUNet

ARMS = ("A", "B", "C")


@dataclass(frozen=True)
class Pool:
    images: np.ndarray  # N x 3 x h x w float32
    masks: np.ndarray  # N x h x w int64


def broken_copy(images: np.ndarray) -> np.ndarray:
    """A variant whose geometry no longer matches its labels: shifted a quarter frame sideways."""
    return np.roll(images, images.shape[-1] // 4, axis=-1)


def arm_pools(originals: Pool, accepted: Pool, rejected: Pool) -> dict[str, Pool]:
    def join(*pools: Pool) -> Pool:
        pools = tuple(p for p in pools if len(p.images))
        return Pool(np.concatenate([p.images for p in pools]), np.concatenate([p.masks for p in pools]))

    broken = Pool(broken_copy(accepted.images), accepted.masks)
    return {"A": originals, "B": join(originals, accepted), "C": join(originals, accepted, rejected, broken)}


def train(pool: Pool, steps: int, batch: int, seed: int) -> TinyUNet:
    torch.manual_seed(seed)
    model = TinyUNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(seed)
    # Objects cover a small share of the pixels: weight them so the model cannot win by saying "ground".
    share = float(pool.masks.mean()) or 0.5
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor([1.0, min(10.0, (1 - share) / share)]))
    images, masks = torch.from_numpy(pool.images), torch.from_numpy(pool.masks)
    model.train()
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, len(images), size=batch))
        opt.zero_grad()
        loss = loss_fn(model(images[idx]), masks[idx])
        loss.backward()
        opt.step()
    return model


def miou(model: TinyUNet, images: np.ndarray, masks: np.ndarray) -> float:
    """Mean IoU over background and object, from pixel counts over the whole test set."""
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(torch.from_numpy(images[i:i + 64])).argmax(1) for i in range(0, len(images), 64)]).numpy()
    ious = []
    for k in (0, 1):
        inter = np.logical_and(pred == k, masks == k).sum()
        union = np.logical_or(pred == k, masks == k).sum()
        ious.append(inter / union if union else 1.0)
    return float(np.mean(ious))


def run_arms(pools: dict[str, Pool], tests: dict[str, tuple[np.ndarray, np.ndarray]], seeds: int, steps: int, batch: int) -> dict:
    """Per arm and test condition: mIoU per seed, their mean and standard deviation."""
    scores: dict[str, dict[str, list[float]]] = {a: {c: [] for c in tests} for a in pools}
    for seed in range(seeds):
        for arm, pool in pools.items():
            model = train(pool, steps, batch, seed)
            for condition, (xs, ys) in tests.items():
                scores[arm][condition].append(miou(model, xs, ys))
    return scores


def summarize(scores: dict, shifted: tuple[str, ...]) -> dict:
    """The figures the bench and the asset report: per arm the mean over the shifted conditions
    (mean and std over seeds), per condition, and the lifts B - A and B - C."""
    def over_shift(arm: str) -> list[float]:  # per seed: the mean over the shifted conditions
        return [statistics.fmean(scores[arm][c][s] for c in shifted) for s in range(len(next(iter(scores[arm].values()))))]

    def std(xs: list[float]) -> float:
        return statistics.stdev(xs) if len(xs) > 1 else 0.0

    arms = {a: {"mean": round(statistics.fmean(over_shift(a)), 4), "std": round(std(over_shift(a)), 4)} for a in scores}
    per_condition = {c: {a: {"mean": round(statistics.fmean(scores[a][c]), 4), "std": round(std(scores[a][c]), 4)} for a in scores}
                     for c in next(iter(scores.values()))}
    lifts = [b - a for a, b in zip(over_shift("A"), over_shift("B"))]
    return {"arms": arms, "per_condition": per_condition, "lift_b_over_a": round(statistics.fmean(lifts), 4),
            "lift_std": round(std(lifts), 4), "b_minus_c": round(arms["B"]["mean"] - arms["C"]["mean"], 4)}
