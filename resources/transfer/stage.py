"""curated_clips row -> transferred_variants rows: run each recipe of a clip through a backend."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from resources.lake import Lake
from resources.rejects import reject_row
from resources.simulator import load_npz
from resources.tables import row_key
from resources.transfer.base import ClipMedia, Recipe, TransferEngine, TransferError
from resources.video import iter_frames, write_h264

STAGE = "transferred_variants"


def load_clip_media(lake: Lake, clip: dict) -> ClipMedia:
    """A kept clip's frames (bounded by the maximum clip length) and its ground truth."""
    import numpy as np

    with lake.blobs.local_path(clip["blob_key"]) as path:
        decoded = [(f.time_s, f.image) for f in iter_frames(path)]
    frames = np.stack([img for _, img in decoded])
    h, w = frames.shape[1:3]
    depth = load_npz(lake.blobs.read_bytes(clip["depth_blob_key"]))[:, :h, :w] if clip.get("depth_blob_key") else None
    seg = load_npz(lake.blobs.read_bytes(clip["seg_blob_key"]))[:, :h, :w] if clip.get("seg_blob_key") else None
    return ClipMedia(frames, [t for t, _ in decoded], clip["fps"], depth, seg, clip.get("caption"))


def variant_id(engine: TransferEngine, clip_id: str, recipe: Recipe) -> str:
    return row_key("variant", clip_id, recipe.recipe_id, engine.backend, engine.version, engine.model_id)


def transfer_clip(lake: Lake, engine: TransferEngine, clip: dict, recipes: list[Recipe], done: set[str]) -> tuple[list[dict], list[dict]]:
    """Render every recipe not yet done for this clip; a recipe that cannot run is rejected
    with its reason and the others go on."""
    todo = [r for r in recipes if variant_id(engine, clip["clip_id"], r) not in done]
    if not todo:
        return [], []
    media = load_clip_media(lake, clip)
    rows, rejects = [], []
    for recipe, out in zip(todo, engine.transfer_many(media, todo)):
        vid = variant_id(engine, clip["clip_id"], recipe)
        if isinstance(out, TransferError):
            rejects.append(reject_row(STAGE, vid, "recipe_failed", f"{recipe.condition}: {out}", clip["clip_id"], {"recipe": recipe.params_json(), "backend": engine.backend}))
            continue
        with tempfile.TemporaryDirectory(prefix="transfer-") as work:
            path = Path(work) / "variant.mp4"
            write_h264(path, out.frames, media.fps, media.times and [t - media.times[0] for t in media.times])
            blob = lake.blobs.put_file(path, "mp4")
        rows.append(
            {
                "variant_id": vid,
                "clip_id": clip["clip_id"],
                "footage_id": clip["footage_id"],
                "recipe_id": recipe.recipe_id,
                "condition": recipe.condition,
                "recipe_params": recipe.params_json() if out.params is None else json.dumps({**recipe.params, **out.params}, sort_keys=True),
                "seed": recipe.seed,
                "backend": engine.backend,
                "backend_version": engine.version,
                "model_id": engine.model_id,
                "guardrail": engine.guardrail,
                "used_depth": out.used_depth,
                "blob_key": blob.key,
                "size_bytes": blob.size_bytes,
                "num_frames": int(out.frames.shape[0]),
                "width": int(out.frames.shape[2]),
                "height": int(out.frames.shape[1]),
                "fps": media.fps,
            }
        )
    return rows, rejects
