"""curated_clips row -> transferred_variants rows: run each recipe of a clip through a backend.

Both executors (in process, spark_jobs/transfer.py) read the day's plan through
``planned_recipes``, so each clip gets its recipes in the same order."""
from __future__ import annotations

import collections
import json
import tempfile
from pathlib import Path

import pyarrow.compute as pc

from resources.engines import Engines
from resources.lake import Lake
from resources.lake.report import Report
from resources.lake.tables import reject_row, row_key
from resources.media.codec import read_clip
from resources.media.encoder import write_h264
from resources.sources.simulator import load_npz
from resources.stage_spec import Log, StageSpec
from resources.transfer.commit import VariantCommits
from resources.transfer.engine import ClipMedia, Recipe, TransferEngine, TransferError

TABLE = "transferred_variants"


def load_clip_media(lake: Lake, clip: dict) -> ClipMedia:
    """A kept clip's frames (bounded by the maximum clip length) and its ground truth."""
    with lake.blobs.local_path(clip["blob_key"]) as path:
        frames, times = read_clip(path)
    h, w = frames.shape[1:3]
    depth = load_npz(lake.blobs.read_bytes(clip["depth_blob_key"]))[:, :h, :w] if clip.get("depth_blob_key") else None
    seg = load_npz(lake.blobs.read_bytes(clip["seg_blob_key"]))[:, :h, :w] if clip.get("seg_blob_key") else None
    return ClipMedia(frames, times.tolist(), clip["fps"], depth, seg, clip.get("caption"))


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
            rejects.append(reject_row(TABLE, vid, "recipe_failed", f"{recipe.condition}: {out}", clip["clip_id"], {"recipe": recipe.params_json(), "backend": engine.backend}))
            continue
        with tempfile.TemporaryDirectory(prefix="transfer-") as work:
            path = Path(work) / "variant.mp4"
            # A variant plays back as its clip does: i / fps, or a VFR clip's own frame times.
            times = [t - media.times[0] for t in media.times] if clip.get("is_vfr") else None
            write_h264(path, out.frames, media.fps, times)
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


def planned_recipes(lake: Lake, backend: str, day: str, version: int | None = None) -> tuple[dict[str, list[Recipe]], int]:
    """The day's plan for ``backend`` as recipes per clip (in plan order), and how many there are."""
    plan = lake.read("transfer_plan", version=version, partition=day)
    plan = plan.filter(pc.equal(plan.column("backend"), backend)).to_pylist()
    recipes: dict[str, list[Recipe]] = collections.defaultdict(list)
    for p in plan:
        # A row planned before parameters were drawn has none: its recipe renders the defaults.
        recipes[p["clip_id"]].append(Recipe(p["condition"], json.loads(p.get("recipe_params") or "{}"), p["seed"]))
    return recipes, len(plan)


def planned_clips(lake: Lake, day: str, recipes: dict[str, list[Recipe]], version: int | None = None) -> list[dict]:
    """The day's kept clips that have a recipe, in clip-id order."""
    clips = lake.read("curated_clips", version=version, partition=day)
    clips = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    return sorted((c for c in clips if c["clip_id"] in recipes), key=lambda c: c["clip_id"])


def run(lake: Lake, engines: Engines, day: str, log: Log) -> Report:
    """The day's planned recipes rendered in process, one commit per clip."""
    engine = engines["transfer"]
    done = lake.keys("transferred_variants", partition=day)
    recipes, planned = planned_recipes(lake, engine.backend, day)
    clips = planned_clips(lake, day, recipes)
    commits = VariantCommits(lake, day, engine, planned, log, len(clips))
    for clip in clips:
        commits.commit(*transfer_clip(lake, engine, clip, recipes[clip["clip_id"]], done))
    return commits.result()


STAGE = StageSpec(
    table=TABLE,
    inputs=("transfer_plan", "curated_clips", "transferred_variants"),
    engines=("transfer",),
    job="transfer",
    run=run,
)
