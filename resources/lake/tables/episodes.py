"""episodes: one row per robot episode, its cameras tied to their footage and its actions inline."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TIMESTAMP, TableSpec

EPISODES = TableSpec(
    "episodes",
    "episode_id",
    pa.schema(
        [
            ("episode_id", pa.string()),
            ("source_kind", pa.string()),
            ("source_uri", pa.string()),
            ("robot", pa.string()),
            ("task", pa.string()),
            ("task_family", pa.string()),
            ("success", pa.bool_()),
            ("outcome", pa.string()),
            ("fps", pa.float64()),
            ("frame_count", pa.int64()),
            ("cameras", pa.list_(pa.string())),
            ("footage_ids", pa.list_(pa.string())),
            ("camera_params", pa.string()),
            ("state_names", pa.list_(pa.string())),
            ("action_names", pa.list_(pa.string())),
            ("timestamps", pa.list_(pa.float64())),
            ("state", pa.list_(pa.list_(pa.float32()))),
            ("action", pa.list_(pa.list_(pa.float32()))),
            ("frames_blob_key", pa.string()),
            ("made_at", TIMESTAMP),
            ("ingest_date", pa.string()),
        ]
    ),
    "One row per robot episode: its task and outcome, its synchronized cameras (raw_footage rows) and, per "
    "frame, the observation state and the commanded action.",
    partition_by="ingest_date",
    descriptions={
        **shared("source_kind", "made_at", "ingest_date"),
        "episode_id": "sha256 of the episode's parameters (simulated) or of its dataset and index (LeRobot).",
        "source_uri": "sim://<episode> for a simulated episode, lerobot://<dataset>#episode=<i> for one read from a LeRobot dataset.",
        "robot": "The robot, e.g. franka_panda; a LeRobot dataset's robot_type.",
        "task": "The language instruction the robot was given.",
        "task_family": "pick_place or push for simulated episodes; null when unknown.",
        "success": "Whether the task succeeded, measured from the physics for simulated episodes; null when not recorded.",
        "outcome": "success, or how it failed (e.g. 'missed_grasp: the object ended 17.5 cm from the target').",
        "fps": "Frames (and actions) per second.",
        "frame_count": "Number of frames: the number of actions, and every camera's frame count.",
        "cameras": "The episode's camera names (front, side, wrist when simulated).",
        "footage_ids": "The cameras' streams (`raw_footage.footage_id`), in the order of `cameras`.",
        "camera_params": "JSON per camera: intrinsics, extrinsics (view matrices) and mount.",
        "state_names": "The name of each dimension of `state`, in order.",
        "action_names": "The name of each dimension of `action`, in order.",
        "timestamps": "Each frame's time in seconds from the episode's first frame.",
        "state": "The observation state (observation.state) per frame, one vector per frame.",
        "action": "The commanded action per frame, one vector per frame.",
        "frames_blob_key": "The per-frame record as ingested (with 2-D boxes per camera), Parquet in the blob store.",
    },
)
