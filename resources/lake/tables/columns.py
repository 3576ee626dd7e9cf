"""Descriptions of the columns several tables share, written once.

A table module takes the ones it has with ``shared(...)`` and describes the rest itself (or
overrides a shared one where its column means something narrower). The descriptions reach
the Dagster UI's schema view (``dagster/column_schema``); they never go into the Arrow schema
written to Delta, whose field metadata would change the schema of existing tables.
Backticked names are columns: a bare name is a column of the same table, ``table.column``
one of another table (tests/test_column_docs.py checks that each exists).
"""
from __future__ import annotations

CONDITIONS = "night, dusk, fog, rain, snow, glare, overcast, sensor_noise or motion_blur, several joined by '+' (e.g. night+rain)"

SHARED: dict[str, str] = {
    "ingest_date": "YYYY-MM-DD: the day the input behind the row (footage, episode or failure log) landed; "
                   "the Dagster daily partition key and the Delta partition column.",
    "footage_id": "The raw footage the row derives from (`raw_footage.footage_id`).",
    "clip_id": "The curated clip the row derives from (`curated_clips.clip_id`).",
    "variant_id": "The transferred variant the sample is (`transferred_variants.variant_id`); null for an original clip.",
    "sample_id": "The evaluated sample the row derives from (`evaluated_samples.sample_id`).",
    "condition": f"The transfer condition the recipe renders: {CONDITIONS}.",
    "backend": "The transfer backend of the recipe: procedural (CPU, no weights), cosmos-transfer2.5 or cosmos3.",
    "seed": "The recipe's seed: 0 for the first attempt at a (clip, condition), one more for each retry.",
    "source_kind": "Where the footage comes from: real (a camera) or sim (the simulator).",
    "width": "Frame width in pixels.",
    "height": "Frame height in pixels.",
    "fps": "Frames per second (the nominal rate for variable-frame-rate footage).",
    "num_frames": "Number of video frames.",
    "size_bytes": "Size in bytes of the blob at `blob_key`; null where there is no blob.",
    "is_vfr": "Whether the footage has a variable frame rate: its frames keep the source's own times instead of i / fps.",
    "sim_params": "JSON: the simulator's scene parameters (objects, camera, lighting, seed; a robot episode's task and robot too); null for real footage.",
    "episode_id": "The robot episode (`episodes.episode_id`) whose camera stream this is; null for footage of no episode.",
    "camera": "Which camera of the robot episode's rig (front, side or wrist when simulated; a LeRobot dataset's own name); "
              "null for footage of no episode.",
    "scene_type": "The simulator's scene type: tabletop or road (unknown for real footage).",
    "source_versions": "JSON: table -> the Delta version it was read at, so the row can be reproduced.",
    "made_at": "When the row was made (UTC).",
    "failure": "What failed in the field, e.g. missed_pedestrian, missed_grasp.",
}


def shared(*names: str) -> dict[str, str]:
    """The shared descriptions of ``names`` (a name with none is a KeyError: write it instead)."""
    return {n: SHARED[n] for n in names}
