"""Does the factory's data help a model? The measured lift of accepted variants.

Builds a lake of its own from simulated scenes only (no real footage: the labels are the
simulator's segmentation), runs the factory through evaluation on a spec that asks for
night, dusk, fog, rain, snow and glare, then trains a tiny U-Net for object segmentation on
three arms at equal compute (resources/downstream/lift.py):

- A: curated originals; B: A + accepted variants; C: A + every variant unfiltered (rejected and
  deliberately broken ones too), each with its source's labels.

The test scenes are new scenes the renderer lights itself (dim, coloured, low sun, and nominal
as the control), never the transfer backend's transform. Reported per condition, mean and std
over the seeds.

    python bench/downstream_lift.py [--scenes 8] [--steps 300] [--seeds 3]

Prints progress, then one JSON object on the last line.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SPEC = """
name: downstream-lift
targets:
  - scene_type: any
    conditions: {night: 0.2, dusk: 0.2, fog: 0.1, rain: 0.1, snow: 0.1, glare: 0.05}
"""


class _Log:
    def info(self, msg: str) -> None:
        print(msg, file=sys.stderr)

    warning = info


def build_lake(root: Path, scenes: int, frames: int):
    import dagster as dg

    from dagster_project.catalog import assets_named, checks_on
    from dagster_project.resources import resources_for

    (root / "landing").mkdir(parents=True)
    (root / "spec.yaml").write_text(SPEC)
    resources = resources_for(
        "local", lake={"root": str(root / "lake")}, landing={"path": str(root / "landing"), "settle_s": 0},
        simulator={"scenes": scenes, "width": 320, "height": 240, "num_frames": frames, "episodes": 0},
        scenario={"path": str(root / "spec.yaml")},
    )
    names = ["raw_footage", "failure_log", "curated_clips", "scenario_spec", "transfer_plan", "transferred_variants", "evaluated_samples"]
    result = dg.materialize(assets_named(*names) + checks_on(*names), resources=resources, partition_key="2026-12-01",
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return resources["lake"].lake()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=8)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    from resources.downstream.stage import DownstreamSettings, evaluate_lift

    with tempfile.TemporaryDirectory(prefix="lift-") as tmp:
        t0 = time.perf_counter()
        lake = build_lake(Path(tmp), args.scenes, args.frames)
        t1 = time.perf_counter()
        settings = DownstreamSettings(steps=args.steps, seeds=args.seeds)
        result = evaluate_lift(lake, settings, _Log())
        t2 = time.perf_counter()
    for c, arms in result["per_condition"].items():
        print(f"{c:>10}: " + "  ".join(f"{a} {v['mean']:.4f}±{v['std']:.4f}" for a, v in arms.items()), file=sys.stderr)
    print(json.dumps({
        "bench": "downstream_lift", "metric": "miou", "arms": result["arms"], "per_condition": result["per_condition"],
        "lift_b_over_a": result["lift_b_over_a"], "lift_std": result["lift_std"], "b_minus_c": result["b_minus_c"],
        "b_beats_a_by_2_std": result["lift_b_over_a"] > 2 * result["lift_std"], "b_at_least_c": result["b_minus_c"] >= 0,
        "seeds": args.seeds, "steps": args.steps, "batch_size": settings.batch_size, "train_images": result["train_images"],
        "samples": result["samples"], "shifted_conditions": list(result["shifted"]),
        "factory_s": round(t1 - t0, 1), "train_and_test_s": round(t2 - t1, 1),
    }))


if __name__ == "__main__":
    main()
