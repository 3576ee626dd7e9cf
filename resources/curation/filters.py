"""The filters' verdict on a scored clip: which filters it fails, and whether it is dropped."""
from __future__ import annotations

from resources.curation.candidate import ClipCandidate
from resources.curation.settings import CurationSettings


def assess(s: CurationSettings, c: ClipCandidate) -> tuple[list[str], str | None]:
    """(flags, drop reason): the filters a clip fails, and why it is dropped - in words, or
    None when every failing filter is score-only (or none fails)."""
    if c.duration_s < s.min_clip_s or c.num_frames < 2:
        return ["length"], f"too short: {c.duration_s:.2f} s is under the {s.min_clip_s:.2f} s minimum"
    failures: list[tuple[str, str]] = []
    if c.brightness < s.min_brightness:
        failures.append(("exposure", f"too dark: mean brightness {c.brightness:.1f} < {s.min_brightness}"))
    elif c.brightness > s.max_brightness:
        failures.append(("exposure", f"too bright: mean brightness {c.brightness:.1f} > {s.max_brightness}"))
    elif c.clipped_fraction > s.max_clipped_fraction:
        failures.append(("exposure", f"badly exposed: {100 * c.clipped_fraction:.0f}% of pixels clipped (max {100 * s.max_clipped_fraction:.0f}%)"))
    if c.black_fraction > s.max_black_fraction:
        failures.append(("black_frames", f"black frames: {100 * c.black_fraction:.0f}% of frames are black (max {100 * s.max_black_fraction:.0f}%)"))
    if c.frozen_fraction > s.max_frozen_fraction:
        failures.append(("frozen", f"frozen: {100 * c.frozen_fraction:.0f}% of frames repeat the previous one (max {100 * s.max_frozen_fraction:.0f}%)"))
    if c.sharpness < s.min_sharpness:
        failures.append(("sharpness", f"blurry: sharpness {c.sharpness:.1f} < {s.min_sharpness}"))
    if c.motion < s.min_motion:
        failures.append(("motion", f"static: motion {c.motion:.5f} < {s.min_motion}"))
    if s.motion_vectors != "off" and c.mv_global_mean is not None:
        if c.mv_global_mean < s.min_mv_global_mean:
            failures.append(("motion_vectors", f"small motion: codec motion vectors' mean {c.mv_global_mean:.5f} < {s.min_mv_global_mean}"))
        elif c.mv_patch_min < s.min_mv_patch_min:
            failures.append(("motion_vectors", f"small motion: a region's codec motion {c.mv_patch_min:.2e} < {s.min_mv_patch_min:g}"))
    if c.text_fraction is not None and c.text_fraction > s.max_text_fraction:
        failures.append(("text", f"text overlay: OCR reads text on {100 * c.text_fraction:.0f}% of sampled frames (max {100 * s.max_text_fraction:.0f}%)"))
    flags = [name for name, _ in failures]
    if s.motion_vectors != "off" and c.mv_global_mean is None:
        flags.append("motion_vectors_unmeasured")  # the codec exported none: the check could not measure
    dropping = [reason for name, reason in failures if not s.scoring_only(name)]
    return flags, dropping[0] if dropping else None
