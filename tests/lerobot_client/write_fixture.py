"""Write tests/data/lerobot_v3_written/ with lerobot's own writer (LeRobotDataset.create,
add_frame, save_episode, finalize). Runs in the isolated lerobot environment
(scripts/lerobot_env.sh); the output is committed, so `make test` ingests a dataset that
lerobot itself wrote without needing lerobot installed.

    $LEROBOT_PY tests/lerobot_client/write_fixture.py tests/data/lerobot_v3_written
"""
import shutil
import sys
from pathlib import Path

import numpy as np
from lerobot.datasets.lerobot_dataset import LeRobotDataset

JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]


def frame_image(i: int, episode: int, camera: int) -> np.ndarray:
    """A textured scene with a square that moves: enough detail and motion to look like footage."""
    y, x = np.mgrid[0:96, 0:128]
    img = np.stack([(x * 2 + camera * 40) % 256, (y * 3 + episode * 50) % 256, ((x + y) * 2) % 256], -1).astype(np.uint8)
    c = 10 + (i * 6) % 100
    img[30:60, c:c + 20] = [230, 40 + 60 * camera, 40]
    return img


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    features = {
        "observation.state": {"dtype": "float32", "shape": (6,), "names": JOINTS},
        "action": {"dtype": "float32", "shape": (6,), "names": JOINTS},
        "observation.images.front": {"dtype": "video", "shape": (96, 128, 3), "names": ["height", "width", "channels"]},
        "observation.images.wrist": {"dtype": "video", "shape": (96, 128, 3), "names": ["height", "width", "channels"]},
    }
    ds = LeRobotDataset.create("physai/fixture", fps=10, features=features, root=out, robot_type="so100_follower", use_videos=True)
    rng = np.random.default_rng(0)
    for episode, (length, task) in enumerate([(24, "pick the red block"), (30, "push the red block left")]):
        state = np.zeros(6, np.float32)
        for i in range(length):
            action = rng.normal(0, 0.05, 6).astype(np.float32)
            ds.add_frame({"observation.state": state.copy(), "action": action, "task": task,
                          "observation.images.front": frame_image(i, episode, 0), "observation.images.wrist": frame_image(i, episode, 1)})
            state += action
        ds.save_episode()
    ds.finalize()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
