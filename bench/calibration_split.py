"""The evaluator's calibration, split: thresholds were chosen on the calibration split (six clips,
recipe seed 3); the held-out split is made from other source clips (other shots of the walkway and
Megamind footage, the tree clip, two new simulated scenes) and other seeds, which the thresholds
never saw. Prints one JSON line: per split and per kind (good, or a kind of break), samples
accepted and rejected; on the held-out split, for each check the smallest margin a good sample
kept to its threshold, and for each kind of break the margin by which its clearest check rejected
it (negative margins: the wrong side of the threshold). ``held_out_drawn`` is the held-out split
again with each good recipe's parameters drawn as the planner draws them (docs/transfer.md) rather
than the defaults: what production renders. The goal is judged on ``held_out``.

    python bench/calibration_split.py      # about 8 minutes on 2 cores
"""
from __future__ import annotations

import collections
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resources.evaluation.engine import Evaluator, verdict  # noqa: E402
from resources.media.codec import iter_frames  # noqa: E402
from resources.sources.simulator import render_scene, scene_params  # noqa: E402
from resources.transfer import ClipMedia  # noqa: E402
from tests.calibration import BREAKS, corpus, sim_clip  # noqa: E402

FOOTAGE = Path(__file__).resolve().parent.parent / "tests" / "data" / "footage"
GOAL = {"broken_accepted": 0, "good_accepted_share": 0.95}


def _clip(name: str, start: int, n: int = 24) -> ClipMedia:
    frames = list(iter_frames(FOOTAGE / name, start, start + n))
    return ClipMedia(np.stack([f.image for f in frames]), [f.time_s for f in frames], 10.0)


def splits(work: Path) -> dict[str, tuple[dict[str, ClipMedia], int, int]]:
    """split -> (clips, recipe seed, break seed). The calibration split is tests/test_calibration.py's."""
    calibration = {
        "walkway_a": _clip("vtest_walkway_200f.mp4", 0), "walkway_b": _clip("vtest_walkway_200f.mp4", 120),
        "megamind_a": _clip("Megamind.avi", 10), "megamind_b": _clip("Megamind.avi", 210),
        "sim_road": sim_clip(render_scene(scene_params(1, 11, 160, 120, 10, 24), work)),
        "sim_table": sim_clip(render_scene(scene_params(0, 11, 160, 120, 10, 24), work)),
    }
    held_out = {
        "walkway_c": _clip("vtest_walkway_200f.mp4", 50), "walkway_d": _clip("vtest_walkway_200f.mp4", 170),
        "megamind_c": _clip("Megamind.avi", 110), "megamind_d": _clip("Megamind.avi", 160),  # shots between its cuts 98, 154, 200
        "tree_a": _clip("tree_vfr.avi", 0), "tree_b": _clip("tree_vfr.avi", 40),
        "sim_road_b": sim_clip(render_scene(scene_params(1, 29, 160, 120, 10, 24), work)),
        "sim_table_b": sim_clip(render_scene(scene_params(0, 29, 160, 120, 10, 24), work)),
    }
    return {"calibration": (calibration, 3, 7), "held_out": (held_out, 8, 13), "held_out_drawn": (held_out, 8, 13)}


def _margin(check) -> float:
    """How far a check's score sits on the passing side of its threshold (negative: failed)."""
    if not check.measured:
        return float("nan")
    return check.score - check.threshold if check.comparison == ">=" else check.threshold - check.score


def main() -> None:
    evaluator = Evaluator()
    out: dict = {"bench": "calibration_split", "goal_on_held_out": GOAL}
    with tempfile.TemporaryDirectory() as tmp:
        for split, (clips, seed, break_seed) in splits(Path(tmp)).items():
            matrix = collections.defaultdict(lambda: {"accepted": 0, "rejected": 0})
            good_margins: dict[str, float] = {}
            rejection: dict[str, list[float]] = collections.defaultdict(list)
            misjudged = []
            for case in corpus(clips, seed=seed, rng_seed=break_seed, drawn=split == "held_out_drawn"):
                checks = evaluator.evaluate(case.clip.frames, case.frames, case.condition, case.clip.seg, case.clip.depth)
                ok, reasons = verdict(checks)
                matrix[case.kind]["accepted" if ok else "rejected"] += 1
                margins = {c.name: _margin(c) for c in checks if c.required and c.measured}
                if case.kind == "good":
                    for name, m in margins.items():
                        good_margins[name] = min(good_margins.get(name, m), m)
                else:
                    rejection[case.kind].append(min(margins.values()))
                if ok != (case.kind == "good"):
                    misjudged.append({"kind": case.kind, "clip": case.source, "condition": case.condition, "reasons": reasons})
            good = matrix["good"]
            report = {
                "by_kind": dict(matrix),
                "good_accepted_share": round(good["accepted"] / max(1, good["accepted"] + good["rejected"]), 4),
                "broken_accepted": sum(matrix[k]["accepted"] for k in BREAKS),
                "misjudged": misjudged,
            }
            if split == "held_out":
                report["good_min_margin_by_check"] = {k: round(v, 4) for k, v in sorted(good_margins.items())}
                report["broken_median_rejection_margin_by_kind"] = {k: round(float(np.median(v)), 4) for k, v in sorted(rejection.items())}
                report["meets_goal"] = report["broken_accepted"] <= GOAL["broken_accepted"] and report["good_accepted_share"] >= GOAL["good_accepted_share"]
            out[split] = report
    print(json.dumps(out))


if __name__ == "__main__":
    main()
