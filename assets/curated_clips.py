"""curated_clips: shots cut from raw footage, scored, filtered, captioned and deduplicated.

Made by the curation stage (resources/curation/), in process or as spark_jobs/curation.py.
"""
from dagster_project.stage_assets import stage_asset
from resources.curation.stage import STAGE

curated_clips = stage_asset(
    STAGE,
    deps=["raw_footage"],
    kinds={"delta", "pyscenedetect", "h264"},
    description="Shots found by PySceneDetect (or fixed windows), long shots cut into windows, frames at cuts "
    "trimmed. Each clip is scored (sharpness, exposure, motion, black and frozen frames), captioned, "
    "embedded and deduplicated. Kept clips are H.264 MP4 blobs; dropped clips stay as rows with the reason.",
)
