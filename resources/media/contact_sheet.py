"""What a day's clips and variants look like, as small PNGs for the materialization metadata of
curated_clips (a strip of middle frames) and transferred_variants (a contact sheet: each clip's
frames at start, middle and end beside each variant's frames at the same times, with its
condition, parameters and evaluation verdict).

Both are bounded (a few clips, a few variants each, small tiles, a palette) and stay under
MAX_PNG_BYTES, since they travel inside the metadata as a data URI, and through Pipes from a
Spark job. A video is decoded only up to the last frame shown, and only once per sheet.
"""
from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from PIL import Image, ImageDraw, ImageFont

from resources.lake import Lake
from resources.media.codec import iter_frames

MAX_CLIPS, MAX_VARIANTS = 4, 4  # rows, and variants beside each row's original
MAX_THUMBS, THUMBS_PER_ROW = 12, 6
FRACTIONS = (0.0, 0.5, 1.0)  # where in a clip its frames are shown: start, middle, end
TILE_W, TILE_H = 120, 90
# Base64 adds a third, and EMR Serverless carries Pipes messages as CloudWatch events, which
# stop at 256 KB: 180 KB of PNG leaves room for the rest of the metadata.
MAX_PNG_BYTES = 180_000
PAD, GAP, GROUP_GAP, LINE, BAR = 8, 2, 12, 16, 4
TITLE_H = LINE + 2 * PAD
CAPTION_H = 2 * LINE
ROW_H = CAPTION_H + BAR + TILE_H + 2 * PAD
COLOURS = {"passed": (46, 125, 50), "failed": (198, 40, 40), "pending": (110, 110, 110), "original": (60, 60, 60)}
_BG, _TILE_BG, _INK = (255, 255, 255), (24, 24, 24), (20, 20, 20)


@dataclass(frozen=True)
class Verdict:
    text: str
    state: str  # a key of COLOURS: passed | failed | pending (not evaluated yet) | original


PENDING = Verdict("not evaluated yet", "pending")


@dataclass(frozen=True)
class Group:
    """Three tiles of one video in a sheet row: the original clip or one of its variants."""

    blob_key: str
    indices: tuple[int, ...]  # the frames shown, in this video's own frame numbers
    label: str
    verdict: Verdict


@dataclass(frozen=True)
class Row:
    times: tuple[float, ...]  # seconds into the clip of the frames shown
    groups: tuple[Group, ...]  # the original first, then its variants


@dataclass(frozen=True)
class VariantSheet:
    day: str
    rows: list[Row]
    clips: int  # of the day with variants; the sheet shows len(rows) of them
    variants: int

    def title(self, rows: int) -> str:
        shown = sum(len(r.groups) - 1 for r in self.rows[:rows])
        return f"transferred_variants {self.day}: {rows} of {self.clips} clips, {shown} of {self.variants} variants; frames at start, middle, end"


def params_text(params_json: str | None) -> str:
    """A recipe's parameters in a few characters: "gain=0.353 noise_sigma=3.84"; a composite's
    parts as "night(gain=0.35) rain(alpha=0.5)". Long strings (a generative backend's prompt)
    are left out: the tile has no room for them, and the table's row has them."""

    def short(params: dict) -> str:
        out = []
        for k, v in params.items():
            if isinstance(v, dict):
                out.append(f"{k}({short(v)})")
            elif isinstance(v, float):
                out.append(f"{k}={v:.3g}")
            elif isinstance(v, (bool, int)) or (isinstance(v, str) and len(v) <= 16):
                out.append(f"{k}={v}")
        return " ".join(out)

    params = json.loads(params_json or "{}")
    return short(params) if isinstance(params, dict) else ""


def verdict_of(sample: dict) -> Verdict:
    """An evaluated_samples row as a verdict; a failure names the required checks it failed."""
    if sample["passed"]:
        return Verdict("passed", "passed")
    names = [c["name"] for c in sample.get("checks") or [] if c["required"] and not c["passed"]]
    names = names or [r.split(" (")[0].split(":")[0] for r in sample.get("fail_reasons") or []]
    return Verdict("failed: " + ", ".join(names), "failed")


def verdicts(lake: Lake, day: str, variant_ids: Iterable[str]) -> dict[str, Verdict]:
    """The verdict of each variant already evaluated (transfer runs before evaluation, so only a
    retry's variants have one); the newest evaluator's where several scored it."""
    samples = lake.read("evaluated_samples", ["variant_id", "passed", "fail_reasons", "checks", "evaluator_version"], partition=day)
    samples = samples.filter(pc.is_in(samples.column("variant_id"), value_set=pa.array(sorted(set(variant_ids)), pa.string())))
    return {s["variant_id"]: verdict_of(s) for s in sorted(samples.to_pylist(), key=lambda s: s["evaluator_version"] or "")}


def spread(items: list[dict], key: Callable[[dict], object]) -> list[dict]:
    """Items taken in turns from each group (in order of first appearance), so a short sample
    shows every footage or condition before a second of any."""
    groups: dict[object, list[dict]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return [q[i] for i in range(max(map(len, groups.values()), default=0)) for q in groups.values() if i < len(q)]


def _first(rows: list[dict], committed: set[str], key: str, by: str) -> list[dict]:
    # This materialization's rows first: the sheet must show what it just committed.
    return spread(sorted(rows, key=lambda r: (r[key] not in committed, r[by] or "", r[key])), lambda r: r[by])


def plan_variant_sheet(lake: Lake, day: str, committed: set[str]) -> VariantSheet:
    """What the contact sheet of ``day``'s variants shows (``committed``: the variant ids this
    materialization committed, shown first)."""
    variants = lake.read("transferred_variants", ["variant_id", "clip_id", "condition", "recipe_params", "blob_key", "num_frames", "fps"], partition=day)
    clips = {c["clip_id"]: c for c in lake.read("curated_clips", partition=day).to_pylist() if c["blob_key"]}
    by_clip: dict[str, list[dict]] = {}
    for v in variants.to_pylist():
        if v["clip_id"] in clips and v["blob_key"]:
            by_clip.setdefault(v["clip_id"], []).append(v)
    fresh = {cid for cid, vs in by_clip.items() if any(v["variant_id"] in committed for v in vs)}
    shown = spread(sorted((clips[cid] for cid in by_clip), key=lambda c: (c["clip_id"] not in fresh, c["footage_id"], c["clip_id"])), lambda c: c["footage_id"])
    picked = {c["clip_id"]: _first(by_clip[c["clip_id"]], committed, "variant_id", "condition")[:MAX_VARIANTS] for c in shown[:MAX_CLIPS]}
    judged = verdicts(lake, day, (v["variant_id"] for vs in picked.values() for v in vs))
    rows = []
    for clip in shown[:MAX_CLIPS]:
        n, fps = max(1, clip["num_frames"] or 1), clip["fps"] or 1.0
        indices = tuple(round(f * (n - 1)) for f in FRACTIONS)
        scene = "  ".join(x for x in (clip["scene_type"], clip["time_of_day"], clip["weather"]) if x and x != "unknown")
        groups = [Group(clip["blob_key"], indices, f"original  {clip['clip_id'][:8]}  {clip['source_kind']}  {clip['duration_s']:.1f} s", Verdict(scene, "original"))]
        for v in picked[clip["clip_id"]]:
            # The variant's frames at the original's times: a backend may render at another rate.
            vn, vfps = max(1, v["num_frames"] or 1), v["fps"] or fps
            at = tuple(min(vn - 1, round(i / fps * vfps)) for i in indices)
            groups.append(Group(v["blob_key"], at, f"{v['condition']}  {params_text(v['recipe_params'])}".strip(), judged.get(v["variant_id"], PENDING)))
        rows.append(Row(tuple(i / fps for i in indices), tuple(groups)))
    return VariantSheet(day, rows, len(by_clip), sum(map(len, by_clip.values())))


def sheet_size(rows: int, groups: int) -> tuple[int, int]:
    """The contact sheet's width and height: ``rows`` clips, ``groups`` videos a row (1 + variants)."""
    groups = max(1, groups)
    return 2 * PAD + groups * (3 * TILE_W + 2 * GAP) + (groups - 1) * GROUP_GAP, TITLE_H + max(1, rows) * ROW_H


def tile_box(row: int, group: int, frame: int) -> tuple[int, int, int, int]:
    """Where a tile lies in the contact sheet (left, top, right, bottom): clip ``row``, video
    ``group`` (0: the original), frame ``frame`` (0, 1, 2: start, middle, end)."""
    left = PAD + group * (3 * TILE_W + 2 * GAP + GROUP_GAP) + frame * (TILE_W + GAP)
    top = TITLE_H + row * ROW_H + CAPTION_H + BAR
    return left, top, left + TILE_W, top + TILE_H


def tile(image: Image.Image) -> Image.Image:
    """A frame fitted into a tile, letterboxed: every clip keeps its aspect ratio."""
    image = image.convert("RGB")
    image.thumbnail((TILE_W, TILE_H), Image.Resampling.LANCZOS)
    out = Image.new("RGB", (TILE_W, TILE_H), _TILE_BG)
    out.paste(image, ((TILE_W - image.width) // 2, (TILE_H - image.height) // 2))
    return out


def frames_at(lake: Lake, blob_key: str, indices: Iterable[int]) -> dict[int, Image.Image]:
    """Frames ``indices`` of a video blob as tiles; decoding stops after the last one, and one
    past the end shows the last frame (a video shorter than its row says)."""
    wanted, got, last = set(indices), {}, None
    with lake.blobs.local_path(blob_key) as path:
        for f in iter_frames(path, 0, max(wanted) + 1):
            last = f
            if f.index in wanted:
                got[f.index] = tile(f.decoded.to_image())
    for i in wanted - set(got):
        got[i] = tile(last.decoded.to_image()) if last is not None else Image.new("RGB", (TILE_W, TILE_H), _TILE_BG)
    return got


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, font: ImageFont.FreeTypeFont) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _stamp(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str, font: ImageFont.FreeTypeFont) -> None:
    # The time on a black chip in the tile's corner: legible on bright and dark frames alike.
    draw.rectangle((box[0], box[3] - 14, box[0] + int(draw.textlength(text, font=font)) + 6, box[3] - 1), fill=(0, 0, 0))
    draw.text((box[0] + 3, box[3] - 13), text, fill=(255, 255, 255), font=font)


def png_bytes(image: Image.Image, colours: int) -> bytes:
    """``image`` as a palette PNG: ``colours`` adaptive entries for the frames, then ramps from the
    background to each text colour, so antialiased labels keep theirs (an adaptive palette alone
    spends every entry on the frames, and a failed verdict's red comes out brown). Undithered:
    dithering costs bytes, and at tile size the banding does not show."""
    inks = [_INK, *COLOURS.values()]
    ramps = [tuple(round(b + (c - b) * k / 7) for b, c in zip(_BG, ink)) for ink in inks for k in range(1, 8)]
    ramps += [(round(255 * k / 7),) * 3 for k in range(8)]  # white on the black time chips
    adaptive = image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).getpalette()[: 3 * colours]
    # Pillow matches colours coarsely: an adaptive entry next to a ramp's would take its pixels
    # (the white background came out grey-green).
    frames = [c for c in zip(*[iter(adaptive)] * 3) if all(max(abs(a - b) for a, b in zip(c, r)) > 6 for r in ramps)]
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for c in ramps + frames for v in c])
    buf = io.BytesIO()
    image.quantize(palette=palette, dither=Image.Dither.NONE).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _compose(sheet: VariantSheet, tiles: list[list[dict[int, Image.Image]]], rows: int) -> Image.Image:
    groups = max((len(r.groups) for r in sheet.rows), default=1)
    image = Image.new("RGB", sheet_size(rows, groups), _BG)
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=13), ImageFont.load_default(size=11)
    title = sheet.title(rows) if sheet.rows else f"transferred_variants {sheet.day}: no variants to show"
    draw.text((PAD, PAD), _fit(draw, title, image.width - 2 * PAD, font), fill=_INK, font=font)
    width = 3 * TILE_W + 2 * GAP
    for r, row in enumerate(sheet.rows[:rows]):
        for g, group in enumerate(row.groups):
            left, top = tile_box(r, g, 0)[:2]
            colour = COLOURS[group.verdict.state]
            draw.text((left, top - BAR - CAPTION_H), _fit(draw, group.label, width, font), fill=_INK, font=font)
            draw.text((left, top - BAR - LINE), _fit(draw, group.verdict.text, width, font), fill=colour, font=font)
            draw.rectangle((left, top - BAR, left + width - 1, top - 2), fill=colour)
            for k, (index, when) in enumerate(zip(group.indices, row.times)):
                image.paste(tiles[r][g][index], tile_box(r, g, k)[:2])
                _stamp(draw, tile_box(r, g, k), f"{when:.1f} s", small)
    return image


def render_variant_sheet(lake: Lake, sheet: VariantSheet) -> bytes:
    """The contact sheet as a PNG under MAX_PNG_BYTES: fewer palette colours, then fewer clips
    (the title says how many it shows), until it fits."""
    tiles = [[frames_at(lake, g.blob_key, g.indices) for g in row.groups] for row in sheet.rows]
    for rows in range(len(sheet.rows), 0, -1):
        image = _compose(sheet, tiles, rows)
        for colours in (128, 64):
            if len(png := png_bytes(image, colours)) <= MAX_PNG_BYTES:
                return png
    return png_bytes(_compose(sheet, tiles, 1 if sheet.rows else 0), 32)


def variant_sheet(lake: Lake, day: str, committed: set[str]) -> bytes:
    """The contact sheet of ``day``'s transferred variants as a PNG (see plan_variant_sheet)."""
    return render_variant_sheet(lake, plan_variant_sheet(lake, day, committed))


def strip_size(thumbs: int) -> tuple[int, int]:
    """The thumbnail strip's width and height for ``thumbs`` clips, THUMBS_PER_ROW to a row."""
    cols, rows = max(1, min(thumbs, THUMBS_PER_ROW)), max(1, math.ceil(thumbs / THUMBS_PER_ROW))
    return 2 * PAD + cols * TILE_W + (cols - 1) * GROUP_GAP, TITLE_H + rows * (TILE_H + 2 * LINE + 2 * PAD)


def thumb_box(i: int) -> tuple[int, int, int, int]:
    """Where the ``i``-th thumbnail lies in the strip (left, top, right, bottom)."""
    left = PAD + (i % THUMBS_PER_ROW) * (TILE_W + GROUP_GAP)
    top = TITLE_H + (i // THUMBS_PER_ROW) * (TILE_H + 2 * LINE + 2 * PAD)
    return left, top, left + TILE_W, top + TILE_H


def plan_clip_strip(lake: Lake, day: str, committed: set[str]) -> tuple[list[dict], int]:
    """The kept clips of ``day`` the strip shows (this materialization's, ``committed``, first;
    every footage before a second clip of any), and how many that day kept."""
    clips = lake.read("curated_clips", ["clip_id", "footage_id", "status", "blob_key", "num_frames", "duration_s", "source_kind", "time_of_day", "weather"], partition=day)
    kept = [c for c in clips.to_pylist() if c["status"] == "kept" and c["blob_key"]]
    return _first(kept, committed, "clip_id", "footage_id")[:MAX_THUMBS], len(kept)


def clip_strip(lake: Lake, day: str, committed: set[str]) -> bytes:
    """The middle frame of each kept clip of ``day`` (at most MAX_THUMBS), labelled with the clip
    id's first characters, its duration and its conditions, as a PNG."""
    shown, kept = plan_clip_strip(lake, day, committed)
    image = Image.new("RGB", strip_size(len(shown)), _BG)
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=13), ImageFont.load_default(size=12)
    draw.text((PAD, PAD), _fit(draw, f"curated_clips {day}: {len(shown)} of {kept} kept clips, middle frame of each", image.width - 2 * PAD, font), fill=_INK, font=font)
    for i, clip in enumerate(shown):
        middle, box = (max(1, clip["num_frames"] or 1) - 1) // 2, thumb_box(i)
        image.paste(frames_at(lake, clip["blob_key"], [middle])[middle], box[:2])
        draw.text((box[0], box[3] + 3), _fit(draw, f"{clip['clip_id'][:8]}  {clip['duration_s']:.1f} s", TILE_W, font), fill=_INK, font=font)
        conditions = "  ".join(x for x in (clip["source_kind"], clip["time_of_day"], clip["weather"]) if x and x != "unknown")
        draw.text((box[0], box[3] + 3 + LINE), _fit(draw, conditions, TILE_W, small), fill=COLOURS["pending"], font=small)
    return png_bytes(image, 128)
