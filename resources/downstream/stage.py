"""The lake at pinned versions -> a downstream_evals row: arms A, B and C trained at equal
compute and scored on the renderer's own shifted scenes, with a table and a plot."""
from __future__ import annotations

import io
import json
from dataclasses import asdict
from datetime import datetime, timezone

import numpy as np

from resources.downstream.labels import PerceptionFrames, Sample, labelled_samples, pinned_versions
from resources.downstream.lift import ARMS, Pool, arm_pools, run_arms, summarize
from resources.downstream.settings import DownstreamSettings
from resources.downstream.shifted import TEST_CONDITIONS, shifted_scenes
from resources.lake import Lake
from resources.lake.publish import publish
from resources.lake.report import Plot, Records, Report, report
from resources.lake.tables import row_key
from resources.stage_spec import Log

MODEL = "tiny-unet-2class"


def _pool(lake: Lake, samples: list[Sample], s: DownstreamSettings) -> Pool:
    frames = PerceptionFrames(lake, samples, (s.width, s.height), s.every)
    return Pool(frames.images.numpy(), frames.masks.numpy())


def lift_png(result: dict) -> bytes:
    """Arms by test condition: mean mIoU with the standard deviation over seeds, values on the bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = list(result["per_condition"])
    fig, ax = plt.subplots(figsize=(10, 4.2), constrained_layout=True)
    colors = {"A": "#9e9e9e", "B": "#2e7d32", "C": "#c62828"}
    names = {"A": "A: originals", "B": "B: + accepted variants", "C": "C: + all variants, unfiltered"}
    for k, arm in enumerate(ARMS):
        xs = np.arange(len(conditions)) + (k - 1) * 0.27
        means = [result["per_condition"][c][arm]["mean"] for c in conditions]
        bars = ax.bar(xs, means, 0.27, yerr=[result["per_condition"][c][arm]["std"] for c in conditions], color=colors[arm],
                      label=names[arm], capsize=3)
        ax.bar_label(bars, labels=[f"{m:.3f}" for m in means], padding=2, fontsize=8)
    ax.set_xticks(np.arange(len(conditions)), conditions)
    ax.set_ylabel("mIoU (object segmentation)")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"lift B - A on the shifted conditions: {result['lift_b_over_a']:+.3f} (std {result['lift_std']:.3f}); B - C: {result['b_minus_c']:+.3f}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def evaluate_lift(lake: Lake, s: DownstreamSettings, log: Log) -> dict:
    """Train and score the three arms on the lake as it is now; the figures and what they read."""
    versions = pinned_versions(lake)
    samples = labelled_samples(lake, versions)
    originals = [x for x in samples if x.kind == "original"]
    accepted = [x for x in samples if x.kind == "variant" and x.passed]
    rejected = [x for x in samples if x.kind == "variant" and x.passed is False]
    if not originals or not accepted:
        raise ValueError(f"the lake holds {len(originals)} labelled originals and {len(accepted)} accepted variants of them: "
                         "the arms need both (simulated footage, planned and evaluated variants)")
    pools = arm_pools(_pool(lake, originals, s), _pool(lake, accepted, s), _pool(lake, rejected, s))
    log.info(f"arms: {', '.join(f'{a} {len(p.images)} images' for a, p in pools.items())}; rendering the shifted test scenes")
    tests = shifted_scenes(TEST_CONDITIONS, s.test_scenes, 320, 240, s.test_frames, (s.width, s.height), s.every)
    scores = run_arms(pools, tests, s.seeds, s.steps, s.batch_size)
    shifted = tuple(c for c in TEST_CONDITIONS if c != "nominal")
    result = summarize(scores, shifted)
    return {**result, "scores": scores, "versions": versions, "train_images": {a: len(p.images) for a, p in pools.items()},
            "samples": {"originals": len(originals), "accepted": len(accepted), "rejected": len(rejected)}, "shifted": shifted}


def downstream_eval(lake: Lake, s: DownstreamSettings, log: Log) -> Report:
    result = evaluate_lift(lake, s, log)
    row = {
        "eval_id": row_key("downstream", MODEL, json.dumps(result["versions"], sort_keys=True), json.dumps(asdict(s), sort_keys=True)),
        "model": MODEL, "metric": "miou", "steps": s.steps, "batch_size": s.batch_size, "seeds": s.seeds,
        "train_images": json.dumps(result["train_images"]), "test_conditions": list(TEST_CONDITIONS),
        "arms": json.dumps(result["arms"]), "per_condition": json.dumps(result["per_condition"]),
        "lift_b_over_a": result["lift_b_over_a"], "lift_std": result["lift_std"], "b_minus_c": result["b_minus_c"],
        "source_versions": json.dumps(result["versions"], sort_keys=True), "made_at": datetime.now(timezone.utc),
    }
    pub = publish(lake, "downstream_evals", [row])
    table = Records([("condition", "string"), ("A", "float"), ("B", "float"), ("C", "float")],
                    [{"condition": c, **{a: v[a]["mean"] for a in ARMS}} for c, v in result["per_condition"].items()])
    log.info(f"lift B - A {result['lift_b_over_a']:+.4f} (std {result['lift_std']:.4f}), B - C {result['b_minus_c']:+.4f}")
    return report(lake, "downstream_evals", pub, lift_b_over_a=result["lift_b_over_a"], lift_std=result["lift_std"],
                  b_minus_c=result["b_minus_c"], train_images=json.dumps(result["train_images"]), per_condition=table,
                  trained_on_versions=json.dumps(result["versions"], sort_keys=True),
                  lift_plot=Plot("arms by test condition", True, lambda: lift_png(result)))
