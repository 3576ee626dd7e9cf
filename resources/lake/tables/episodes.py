"""episodes: one row per robot episode, its cameras tied to their footage and its actions inline."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.spec import TIMESTAMP, TableSpec

EPISODES = TableSpec(
    "episodes",
    "episode_id",
    pa.schema(
        [
            ("episode_id", pa.string()),  # sha256 of the episode's parameters (sim) or dataset and index (LeRobot)
            ("source_kind", pa.string()),  # sim | real
            ("source_uri", pa.string()),  # sim://<episode> or lerobot://<dataset>#episode=<i>
            ("robot", pa.string()),  # e.g. franka_panda; a LeRobot dataset's robot_type
            ("task", pa.string()),  # the language instruction
            ("task_family", pa.string()),  # pick_place | push for simulated episodes; null when unknown
            ("success", pa.bool_()),  # measured from the physics for simulated episodes; null when not recorded
            ("outcome", pa.string()),  # "success", or how it failed (e.g. "missed_grasp: the object ended 17.5 cm from the target")
            ("fps", pa.float64()),
            ("frame_count", pa.int64()),  # = the number of actions = every camera's frame count
            ("cameras", pa.list_(pa.string())),
            ("footage_ids", pa.list_(pa.string())),  # raw_footage rows, in the order of `cameras`
            ("camera_params", pa.string()),  # JSON per camera: intrinsics, extrinsics (view matrices), mount
            ("state_names", pa.list_(pa.string())),
            ("action_names", pa.list_(pa.string())),
            ("timestamps", pa.list_(pa.float64())),  # seconds from the episode's first frame
            ("state", pa.list_(pa.list_(pa.float32()))),  # observation.state per frame
            ("action", pa.list_(pa.list_(pa.float32()))),  # the commanded action per frame
            ("frames_blob_key", pa.string()),  # the per-frame record as ingested (with 2-D boxes per camera)
            ("made_at", TIMESTAMP),
            ("ingest_date", pa.string()),
        ]
    ),
    "One row per robot episode: its task and outcome, its synchronized cameras (raw_footage rows) and, per "
    "frame, the observation state and the commanded action.",
    partition_by="ingest_date",
)
