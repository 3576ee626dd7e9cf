"""What the transfer stage renders on a day: the plan's recipes per clip, and their kept clips.

Both executors of transferred_variants (in process, spark_jobs/transfer.py) read the plan
through these, so each clip gets its recipes in the same order."""
from __future__ import annotations

import collections

import pyarrow.compute as pc

from resources.lake import Lake
from resources.transfer.base import Recipe


def planned_recipes(lake: Lake, backend: str, day: str, version: int | None = None) -> tuple[dict[str, list[Recipe]], int]:
    """The day's plan for ``backend`` as recipes per clip (in plan order), and how many there are."""
    plan = lake.read("transfer_plan", version=version, partition=day)
    plan = plan.filter(pc.equal(plan.column("backend"), backend)).to_pylist()
    recipes: dict[str, list[Recipe]] = collections.defaultdict(list)
    for p in plan:
        recipes[p["clip_id"]].append(Recipe(p["condition"], {}, p["seed"]))
    return recipes, len(plan)


def planned_clips(lake: Lake, day: str, recipes: dict[str, list[Recipe]], version: int | None = None) -> list[dict]:
    """The day's kept clips that have a recipe, in clip-id order."""
    clips = lake.read("curated_clips", version=version, partition=day)
    clips = clips.filter(pc.equal(clips.column("status"), "kept")).to_pylist()
    return sorted((c for c in clips if c["clip_id"] in recipes), key=lambda c: c["clip_id"])
