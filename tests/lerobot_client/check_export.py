"""Load LeRobot v3 datasets with lerobot's own LeRobotDataset and check them frame by frame.
Runs in the isolated lerobot environment (scripts/lerobot_env.sh), never in the project's.

    $LEROBOT_PY tests/lerobot_client/check_export.py DATASET [DATASET ...] [--same-actions-as REFERENCE]

For every dataset: every frame loads (lerobot decodes each camera at the frame's timestamp and
refuses a frame further than its tolerance from it, so a loaded frame is an aligned frame), each
item has every camera, and per episode the frame count equals the episode's length and its
action count. With --same-actions-as, the episodes of REFERENCE (e.g. the dataset lerobot wrote,
before the factory ingested it) must come out with the same actions, matched by task (the
export's original episodes; its augmented ones, flagged physai/augmented, repeat them). Prints one
JSON line per dataset; exits non-zero on the first failure.
"""
import argparse
import json
import sys
from collections import defaultdict

import numpy as np
from lerobot.datasets.lerobot_dataset import LeRobotDataset


def load(root: str) -> LeRobotDataset:
    return LeRobotDataset("physai/check", root=root, video_backend="pyav")


def actions_by_task(ds: LeRobotDataset) -> dict[str, np.ndarray]:
    """The actions of the original (not augmented) episodes, by task, as lerobot loaded them."""
    episodes = ds.meta.episodes
    augmented = set()
    if "physai/augmented" in episodes.column_names:
        augmented = {int(e) for e, a in zip(episodes["episode_index"], episodes["physai/augmented"]) if a}
    out = defaultdict(list)
    for i in range(len(ds.hf_dataset)):
        row = ds.hf_dataset[i]
        if int(row["episode_index"]) not in augmented:
            out[ds.meta.tasks.index[int(row["task_index"])]].append(np.asarray(row["action"]))
    return {k: np.stack(v) for k, v in out.items()}


def check(root: str) -> dict:
    ds = load(root)
    cameras = ds.meta.video_keys
    frames, actions = defaultdict(int), defaultdict(int)
    for i in range(len(ds)):
        item = ds[i]
        missing = [c for c in cameras if c not in item]
        assert not missing, f"{root}: frame {i} has no {missing}"
        shapes = {tuple(item[c].shape) for c in cameras}
        assert len(shapes) == 1 and len(next(iter(shapes))) == 3, f"{root}: frame {i} camera shapes {shapes}"
        e = int(item["episode_index"])
        frames[e] += 1
        actions[e] += int(item["action"].numel() > 0)
    for e in range(ds.meta.total_episodes):
        length = int(ds.meta.episodes[e]["length"])
        assert frames[e] == actions[e] == length, f"{root}: episode {e} has {frames[e]} frames, {actions[e]} actions, length {length}"
    check_stats(ds, root)
    return {"dataset": root, "episodes": ds.meta.total_episodes, "frames": len(ds), "cameras": cameras, "fps": ds.fps}


def check_stats(ds: LeRobotDataset, root: str) -> None:
    """meta/stats.json as lerobot loaded it (what its normalizers read): per camera (3, 1, 1) RGB
    in [0, 1], per vector feature one value per dimension, min <= q01 <= q50 <= q99 <= max and
    min <= mean <= max, a std >= 0, and a count of frames."""
    stats = ds.meta.stats
    for key in [*ds.meta.video_keys, "observation.state", "action"]:
        s = {k: np.asarray(v, dtype=float) for k, v in stats[key].items()}
        shape = (3, 1, 1) if key in ds.meta.video_keys else tuple(ds.meta.features[key]["shape"])
        for k in ("min", "max", "mean", "std", "q01", "q50", "q99"):
            assert s[k].shape == shape, f"{root}: stats of {key}: {k} has shape {s[k].shape}, not {shape}"
        tol = 1e-9
        assert np.all(s["min"] <= s["q01"] + tol) and np.all(s["q01"] <= s["q50"] + tol) and np.all(s["q50"] <= s["q99"] + tol) \
            and np.all(s["q99"] <= s["max"] + tol), f"{root}: stats of {key}: quantiles out of order"
        assert np.all(s["min"] <= s["mean"] + tol) and np.all(s["mean"] <= s["max"] + tol) and np.all(s["std"] >= 0), f"{root}: stats of {key}"
        if key in ds.meta.video_keys:
            assert np.all(s["min"] >= 0) and np.all(s["max"] <= 1), f"{root}: stats of {key} are not in [0, 1]"
        # Vectors are counted over every frame; images over the frames sampled (lerobot samples, we take all).
        count = int(s["count"].reshape(-1)[0])
        assert count == ds.meta.total_frames if key not in ds.meta.video_keys else 0 < count <= ds.meta.total_frames, \
            f"{root}: stats of {key}: count {count}, frames {ds.meta.total_frames}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("datasets", nargs="+")
    parser.add_argument("--same-actions-as")
    args = parser.parse_args()
    for root in args.datasets:
        print(json.dumps({"check": "lerobot_dataset", **check(root)}), flush=True)
    if args.same_actions_as:
        reference = actions_by_task(load(args.same_actions_as))
        matched = [r for r in args.datasets if set(actions_by_task(load(r))) == set(reference)]
        assert matched, f"no dataset has the tasks of {args.same_actions_as}: {sorted(reference)}"
        got = actions_by_task(load(matched[0]))
        for task, acts in reference.items():
            assert got[task].shape == acts.shape and np.array_equal(got[task], acts), f"actions of {task!r} changed"
        print(json.dumps({"check": "same_actions", "reference": args.same_actions_as, "dataset": matched[0], "tasks": sorted(reference)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
