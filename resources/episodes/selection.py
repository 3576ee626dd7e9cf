"""Which episodes an export holds: the accepted originals and their accepted variants.

An original episode is accepted when every camera's clips were kept by curation and every one
of their samples passed evaluation. A variant of an episode is one window (the same frames on
every camera) re-rendered under one recipe on every view (resources/planning/views.py); it is
exported, flagged as augmented, when the variant of every camera passed evaluation on its own
and the condition landed on every view to a similar degree: the weakest view's
condition_adherence is at least ``MIN_VIEW_AGREEMENT`` of the strongest's (a variant that shows
rain on the front camera but barely on the wrist camera teaches a model that views disagree).
Its actions and state are the original's over the same frames: the recipes change appearance,
never geometry or motion.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass

from resources.episodes.frames import EpisodeFrames
from resources.lake import Lake

MIN_VIEW_AGREEMENT = 0.5  # weakest view's adherence / strongest view's


@dataclass(frozen=True)
class Selected:
    episode: dict  # its episodes row
    start: int  # the frames [start, end) of the episode it covers
    end: int
    blobs: dict[str, str]  # camera -> the video's blob key
    augmented: bool
    condition: str | None = None
    variant_ids: tuple[str, ...] = ()

    def frames(self, full: EpisodeFrames) -> EpisodeFrames:
        t = full.timestamps[self.start:self.end]
        return EpisodeFrames(full.meta, [x - t[0] for x in t], full.state[self.start:self.end], full.action[self.start:self.end],
                             {c: b[self.start:self.end] for c, b in full.boxes.items()})


def select(lake: Lake, episodes: list[dict], day: str) -> tuple[list[Selected], list[str]]:
    """(what to export, why the rest is left out)."""
    ids = {e["episode_id"] for e in episodes}
    clips = [c for c in lake.read("curated_clips", ["clip_id", "episode_id", "camera", "start_frame", "end_frame", "status"], partition=day).to_pylist()
             if c["episode_id"] in ids]
    wanted = {c["clip_id"] for c in clips}
    samples = [s for s in lake.read("evaluated_samples", ["clip_id", "variant_id", "sample_kind", "passed", "checks"], partition=day).to_pylist()
               if s["clip_id"] in wanted]
    original_ok = {s["clip_id"]: s["passed"] for s in samples if s["sample_kind"] == "original"}
    variant_ok = {s["variant_id"]: s["passed"] for s in samples if s["sample_kind"] == "variant"}
    adherence = {s["variant_id"]: next((c["score"] for c in s["checks"] or [] if c["name"] == "condition_adherence" and c["measured"]), None)
                 for s in samples if s["sample_kind"] == "variant"}
    by_episode = collections.defaultdict(list)
    for c in clips:
        by_episode[c["episode_id"]].append(c)
    footage_blobs = {r["footage_id"]: r["blob_key"] for r in lake.read("raw_footage", ["footage_id", "blob_key"], partition=day).to_pylist()}
    # The day's plan and variants, read once for all its episodes (not once per episode).
    plan = [p for p in lake.read("transfer_plan", ["plan_id", "clip_id", "condition", "seed", "backend", "view_of"], partition=day).to_pylist()
            if p["clip_id"] in wanted]
    variants = {(v["clip_id"], v["condition"], v["seed"], v["backend"]): v for v in
                lake.read("transferred_variants", ["variant_id", "clip_id", "condition", "seed", "backend", "blob_key"], partition=day).to_pylist()
                if v["clip_id"] in wanted}
    out, left_out = [], []
    for e in episodes:
        mine = by_episode.get(e["episode_id"], [])
        bad = [c for c in mine if c["status"] != "kept" or not original_ok.get(c["clip_id"])]
        if not mine or bad or {c["camera"] for c in mine} != set(e["cameras"]):
            left_out.append(f"episode {e['episode_id'][:12]}: " + ("not curated yet" if not mine else
                            f"{len(bad)} of its {len(mine)} camera clips were dropped or failed evaluation" if bad else "a camera has no clip"))
            continue
        out.append(Selected(e, 0, e["frame_count"], dict(zip(e["cameras"], [footage_blobs[f] for f in e["footage_ids"]])), False))
        out += _variants(e, mine, plan, variants, variant_ok, adherence, left_out)
    return out, left_out


def views_disagree(scores: dict[str, float | None]) -> str | None:
    """Why the views of a window show its condition too unevenly (camera -> adherence), or None."""
    measured = {c: v for c, v in scores.items() if v is not None}
    if len(measured) < 2 or max(measured.values()) <= 0:
        return None
    weakest, strongest = min(measured.values()), max(measured.values())
    if weakest >= MIN_VIEW_AGREEMENT * strongest:
        return None
    return ("the condition landed unevenly across the views (condition_adherence " +
            ", ".join(f"{c} {v:.2f}" for c, v in sorted(measured.items())) + f"; the weakest must be at least {MIN_VIEW_AGREEMENT:.0%} of the strongest)")


def _variants(episode: dict, clips: list[dict], day_plan: list[dict], variants: dict, variant_ok: dict, adherence: dict,
              left_out: list[str]) -> list[Selected]:
    by_id = {c["clip_id"]: c for c in clips}
    views = collections.defaultdict(list)
    for p in day_plan:
        if p["clip_id"] in by_id:
            views[p["view_of"] or p["plan_id"]].append(p)
    out = []
    for lead, rows in sorted(views.items()):
        got = [variants.get((p["clip_id"], p["condition"], p["seed"], p["backend"])) for p in rows]
        window = {(by_id[p["clip_id"]]["start_frame"], by_id[p["clip_id"]]["end_frame"]) for p in rows}
        cameras = {by_id[p["clip_id"]]["camera"] for p in rows}
        if any(v is None for v in got) or cameras != set(episode["cameras"]) or len(window) != 1:
            continue  # not transferred yet on every view
        if not all(variant_ok.get(v["variant_id"]) for v in got):
            left_out.append(f"the {rows[0]['condition']} variant of episode {episode['episode_id'][:12]}: a view failed evaluation")
            continue
        uneven = views_disagree({by_id[v["clip_id"]]["camera"]: adherence.get(v["variant_id"]) for v in got})
        if uneven:
            left_out.append(f"the {rows[0]['condition']} variant of episode {episode['episode_id'][:12]}: {uneven}")
            continue
        (start, end), = window
        out.append(Selected(episode, start, end, {by_id[v["clip_id"]]["camera"]: v["blob_key"] for v in got}, True, rows[0]["condition"],
                            tuple(sorted(v["variant_id"] for v in got))))
    return out
