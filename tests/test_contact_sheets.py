"""What clips and variants look like in the UI: the contact sheet of transferred_variants and the
thumbnail strip of curated_clips, from real and simulated footage through the real stages."""
import base64
import io
import json
import re

import dagster as dg
import numpy as np
import pytest
from PIL import Image

from dagster_project.catalog import assets_named
from dagster_project.resources import resources_for
from resources.media import contact_sheet as cs
from resources.media.codec import iter_frames
from tests.conftest import DAY, copy_into

SPEC = """
name: contact-sheet-test
targets:
  - scene_type: any
    conditions: {night: 0.3, fog: 0.25, rain: 0.2, snow: 0.2}
"""
STAGES = ["raw_footage", "curated_clips", "scenario_spec", "transfer_plan", "transferred_variants"]
SIZE_BOUND = 300_000  # "a few hundred KB at most", whatever MAX_PNG_BYTES says


@pytest.fixture(scope="module")
def factory(tmp_path_factory, footage):
    from resources.media.encoder import H264Writer

    root = tmp_path_factory.mktemp("sheets")
    landing = root / "landing" / DAY
    copy_into(landing, footage["megamind"])
    with H264Writer(landing / "walkway_3s.mp4", 768, 576, 10.0) as w:
        for f in iter_frames(footage["vtest"], 0, 30):
            w.write(f.decoded, f.time_s)
    (root / "spec.yaml").write_text(SPEC)
    resources = resources_for(
        "local", lake={"root": str(root / "lake")}, landing={"path": str(landing.parent)}, scenario={"path": str(root / "spec.yaml")},
        simulator={"episodes": 0, "scenes": 1, "width": 160, "height": 120, "num_frames": 20},
    )
    instance = dg.DagsterInstance.ephemeral()  # shared: a refresh finds the last materialization
    first = dg.materialize(assets_named(*STAGES), resources=resources, partition_key=DAY, instance=instance)
    assert first.success
    return {"resources": resources, "instance": instance, "first": first, "lake": resources["lake"].lake(), "landing": landing.parent, "vtest": footage["vtest"]}


def _metadata(result, asset: str) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _png(markdown: str, alt: str) -> bytes:
    match = re.fullmatch(rf"!\[{re.escape(alt)}\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match, markdown[:120]
    return base64.b64decode(match.group(1))


def _rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    left, top, right, bottom = box
    return image[top : bottom - 16, left:right]  # above the time chip


def _bar(image: np.ndarray, row: int, group: int) -> str:
    """The verdict colour of a variant's bar under its label: the nearest of COLOURS."""
    left, top = cs.tile_box(row, group, 1)[:2]
    pixel = image[top - 3, left]
    return min(cs.COLOURS, key=lambda state: np.abs(pixel - cs.COLOURS[state]).sum())


def _frame_tile(lake, blob_key: str, index: int) -> np.ndarray:
    tile = cs.frames_at(lake, blob_key, [index])[index]
    return np.asarray(tile).astype(int)[: cs.TILE_H - 16]


def test_variant_sheet_shows_each_clip_beside_its_variants(factory):
    lake = factory["lake"]
    png = _png(_metadata(factory["first"], "transferred_variants")["variant_contact_sheet"], "transferred variants beside their clips")
    assert len(png) <= min(cs.MAX_PNG_BYTES, SIZE_BOUND)
    variants = lake.read("transferred_variants", partition=DAY).to_pylist()
    per_clip = {v["clip_id"]: sum(w["clip_id"] == v["clip_id"] for w in variants) for v in variants}
    sheet = cs.plan_variant_sheet(lake, DAY, set())
    assert len(sheet.rows) == min(cs.MAX_CLIPS, len(per_clip)) >= 3
    clips = {c["blob_key"]: c for c in lake.read("curated_clips", partition=DAY).to_pylist() if c["blob_key"]}
    for row in sheet.rows:
        clip_id = clips[row.groups[0].blob_key]["clip_id"]
        assert len(row.groups) == 1 + min(cs.MAX_VARIANTS, per_clip[clip_id])
    groups = max(len(r.groups) for r in sheet.rows)
    assert groups >= 3
    image = _rgb(png)
    width, height = cs.sheet_size(len(sheet.rows), groups)
    assert image.shape[:2] == (height, width) and width == 2 * cs.PAD + 3 * groups * cs.TILE_W + (groups - 1) * cs.GROUP_GAP + 2 * cs.GAP * groups
    for r, row in enumerate(sheet.rows):
        original = _crop(image, cs.tile_box(r, 0, 1))
        assert original.std() > 10  # a real frame, not an empty tile
        # The tile is the clip's middle frame (up to the palette), and each variant's differs from it.
        assert np.abs(original - _frame_tile(lake, row.groups[0].blob_key, row.groups[0].indices[1])).mean() < 6
        for g, group in enumerate(row.groups[1:], start=1):
            variant = _crop(image, cs.tile_box(r, g, 1))
            assert np.abs(variant - _frame_tile(lake, group.blob_key, group.indices[1])).mean() < 6
            assert np.abs(variant - original).mean() > 3, (r, g, group.label)
            # Transfer ran before evaluation: no verdict yet, and the bar under the label says so.
            assert group.verdict == cs.PENDING
            assert _bar(image, r, g) == "pending"
    labels = {g.label.split("  ")[0] for row in sheet.rows for g in row.groups[1:]}
    assert labels <= {"night", "fog", "rain", "snow"} and len(labels) >= 2


def test_curated_strip_shows_the_middle_frame_of_each_kept_clip(factory):
    lake = factory["lake"]
    png = _png(_metadata(factory["first"], "curated_clips")["clip_thumbnails"], "kept clips, middle frame of each")
    assert len(png) <= min(cs.MAX_PNG_BYTES, SIZE_BOUND)
    kept = [c for c in lake.read("curated_clips", partition=DAY).to_pylist() if c["status"] == "kept"]
    shown, total = cs.plan_clip_strip(lake, DAY, set())
    assert total == len(kept) >= 3 and len(shown) == min(cs.MAX_THUMBS, len(kept))
    assert {c["footage_id"] for c in shown} == {c["footage_id"] for c in kept}  # every footage shows
    image = _rgb(png)
    width, height = cs.strip_size(len(shown))
    assert image.shape[:2] == (height, width)
    thumbs = [image[b[1] : b[3], b[0] : b[2]] for b in map(cs.thumb_box, range(len(shown)))]
    for clip, thumb in zip(shown, thumbs):
        middle = (clip["num_frames"] - 1) // 2
        frame = np.asarray(cs.frames_at(lake, clip["blob_key"], [middle])[middle]).astype(int)
        assert thumb.std() > 10 and np.abs(thumb - frame).mean() < 6
    assert np.abs(thumbs[0] - thumbs[1]).mean() > 10  # two clips, two pictures


def test_a_refresh_with_nothing_new_reuses_the_images(factory, monkeypatch):
    import resources.curation.commit
    import resources.transfer.commit

    calls = []
    monkeypatch.setattr(resources.transfer.commit, "variant_sheet", lambda *a: calls.append("sheet") or b"")
    monkeypatch.setattr(resources.curation.commit, "clip_strip", lambda *a: calls.append("strip") or b"")
    again = dg.materialize(assets_named(*STAGES), resources=factory["resources"], partition_key=DAY, instance=factory["instance"])
    assert again.success and calls == []
    for asset, key in (("transferred_variants", "variant_contact_sheet"), ("curated_clips", "clip_thumbnails")):
        before, after = _metadata(factory["first"], asset), _metadata(again, asset)
        assert after["rows_inserted"] == 0 and after[key] == before[key]


def test_a_refresh_reuses_the_image_of_its_own_day(factory):
    """A day's refresh that commits nothing shows that day's sheet, though another day was
    materialized since (the latest materialization of the asset is the other day's)."""
    from resources.media.encoder import H264Writer

    other = "2026-11-02"
    landing = factory["landing"] / other
    landing.mkdir()
    with H264Writer(landing / "walkway_later.mp4", 768, 576, 10.0) as w:
        for f in iter_frames(factory["vtest"], 100, 130):
            w.write(f.decoded, f.time_s)
    run = lambda day: dg.materialize(assets_named(*STAGES), resources=factory["resources"], partition_key=day, instance=factory["instance"])  # noqa: E731
    second_day = run(other)
    refresh = run(DAY)
    assert second_day.success and refresh.success
    for asset, key in (("transferred_variants", "variant_contact_sheet"), ("curated_clips", "clip_thumbnails")):
        day_image, other_image = _metadata(factory["first"], asset)[key], _metadata(second_day, asset)[key]
        assert day_image != other_image  # other clips, another picture
        assert _metadata(refresh, asset)["rows_inserted"] == 0 and _metadata(refresh, asset)[key] == day_image


def test_the_sheet_shows_the_verdict_of_variants_already_evaluated(factory):
    lake = factory["lake"]
    done = dg.materialize(assets_named("evaluated_samples"), resources=factory["resources"], partition_key=DAY, instance=factory["instance"])
    assert done.success
    samples = {s["variant_id"]: s for s in lake.read("evaluated_samples", partition=DAY).to_pylist() if s["variant_id"]}
    sheet = cs.plan_variant_sheet(lake, DAY, set())
    image = _rgb(cs.render_variant_sheet(lake, sheet))
    variants = {v["blob_key"]: v["variant_id"] for v in lake.read("transferred_variants", partition=DAY).to_pylist()}
    for r, row in enumerate(sheet.rows):
        for g, group in enumerate(row.groups[1:], start=1):
            sample = samples[variants[group.blob_key]]
            failed = [c["name"] for c in sample["checks"] if c["required"] and not c["passed"]]
            assert group.verdict.text == ("passed" if sample["passed"] else "failed: " + ", ".join(failed))
            assert _bar(image, r, g) == ("passed" if sample["passed"] else "failed")


def test_verdicts_name_the_failing_checks_and_parameters_stay_short():
    def check(name, passed, required=True):
        return {"name": name, "passed": passed, "required": required}

    failing = {"passed": False, "checks": [check("canny_f1", False), check("blur_ssim", True), check("aesthetic", False, False),
                                           check("condition_adherence", False)], "fail_reasons": ["ignored"]}
    assert cs.verdict_of(failing) == cs.Verdict("failed: canny_f1, condition_adherence", "failed")
    assert cs.verdict_of({"passed": False, "checks": [], "fail_reasons": ["decodable (visual_integrity): 0.000 not >= 1"]}).text == "failed: decodable"
    assert cs.verdict_of({"passed": True, "checks": [check("x", True)], "fail_reasons": []}) == cs.Verdict("passed", "passed")
    assert cs.params_text(json.dumps({"brightness": 0.35, "noise_sigma": 4})) == "brightness=0.35 noise_sigma=4"
    composite = {"night": {"gain": 0.3531}, "rain": {"alpha": 0.5}, "prompt": "a wet road at night, headlights reflecting"}
    assert cs.params_text(json.dumps(composite)) == "night(gain=0.353) rain(alpha=0.5)"


def test_a_sheet_over_its_budget_shows_fewer_clips_not_a_bigger_png(factory, monkeypatch):
    lake = factory["lake"]
    sheet = cs.plan_variant_sheet(lake, DAY, set())
    full = cs.render_variant_sheet(lake, sheet)
    monkeypatch.setattr(cs, "MAX_PNG_BYTES", len(full) // 2)
    smaller = cs.render_variant_sheet(lake, sheet)
    assert len(smaller) <= len(full) // 2
    rows = (Image.open(io.BytesIO(smaller)).height - cs.TITLE_H) // cs.ROW_H
    assert 1 <= rows < len(sheet.rows)


def test_the_sheet_travels_through_pipes_as_the_in_process_asset_shows_it(factory):
    """A Spark job (spark_jobs/job.py) sends the image as the same markdown the asset returns."""
    from dagster._core.definitions.metadata.external_metadata import metadata_map_from_external

    from dagster_project.metadata import to_result
    from resources.lake.publish import Publication
    from resources.lake.report import Plot, report
    from spark_jobs.job import pipes_metadata

    lake = factory["lake"]
    png = cs.variant_sheet(lake, DAY, set())
    plain = report(lake, "transferred_variants", Publication("transferred_variants"), partition=DAY, variant_contact_sheet=Plot("variants", True, lambda: png))
    wire = json.loads(json.dumps(pipes_metadata(plain.metadata)))
    back = metadata_map_from_external(wire)
    assert back["variant_contact_sheet"].value == to_result(plain).metadata["variant_contact_sheet"].value
    assert _png(back["variant_contact_sheet"].value, "variants") == png
