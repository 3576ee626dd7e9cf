"""Measured lift: the simulator's labels carried through transfer into perception training data,
test scenes the renderer shifts itself, three arms at equal compute, and the downstream_eval
asset's row, table and plot. The figures themselves come from `make bench`
(bench/downstream_lift.py); here the machinery is checked on a small lake."""
import json

import dagster as dg
import numpy as np
import pytest
import torch

from dagster_project.catalog import assets_named, checks_on
from dagster_project.resources import resources_for
from resources.downstream.labels import PerceptionFrames, labelled_samples, pinned_versions
from resources.downstream.lift import Pool, arm_pools, broken_copy, miou, train
from resources.downstream.model import TinyUNet
from resources.downstream.shifted import TEST_CONDITIONS, shifted_scenes

DAY = "2026-11-20"
SPEC = """
name: downstream-test
targets:
  - scene_type: any
    conditions: {night: 0.2, dusk: 0.2, fog: 0.1, rain: 0.1}
"""
FACTORY = ["raw_footage", "failure_log", "curated_clips", "scenario_spec", "transfer_plan", "transferred_variants", "evaluated_samples"]


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("downstream")
    (root / "landing").mkdir()
    (root / "spec.yaml").write_text(SPEC)
    resources = resources_for(
        "local", lake={"root": str(root / "lake")}, landing={"path": str(root / "landing"), "settle_s": 0},
        simulator={"scenes": 4, "width": 320, "height": 240, "num_frames": 20, "episodes": 0},
        scenario={"path": str(root / "spec.yaml")},
        downstream={"steps": 15, "seeds": 2, "test_scenes": 1, "test_frames": 6, "every": 3},
    )
    result = dg.materialize(assets_named(*FACTORY) + checks_on(*FACTORY), resources=resources, partition_key=DAY)
    assert result.success
    return resources


def test_variants_carry_their_source_clips_labels(small_lake):
    lake = small_lake["lake"].lake()
    samples = labelled_samples(lake, pinned_versions(lake))
    originals = {s.clip_id: s for s in samples if s.kind == "original"}
    variants = [s for s in samples if s.kind == "variant"]
    assert len(originals) >= 2 and variants
    assert all(v.seg_blob_key == originals[v.clip_id].seg_blob_key and v.passed is not None for v in variants)
    frames = PerceptionFrames(lake, [originals[variants[0].clip_id], variants[0]], size=(64, 48), every=4)
    half = len(frames) // 2
    image, mask = frames[0]
    assert image.shape == (3, 48, 64) and mask.shape == (48, 64) and 0 < float(frames.masks.float().mean()) < 1
    # The variant's frames are other pixels over the very same labels.
    assert torch.equal(frames.masks[:half], frames.masks[half:]) and not torch.equal(frames.images[:half], frames.images[half:])


def test_the_shifted_test_scenes_change_the_light_and_keep_the_geometry():
    tests = shifted_scenes(TEST_CONDITIONS, scenes=1, width=160, height=120, num_frames=4, size=(64, 48), every=2)
    assert set(tests) == set(TEST_CONDITIONS)
    nominal_x, nominal_y = tests["nominal"]
    for condition in ("dim", "coloured", "low_sun"):
        xs, ys = tests[condition]
        assert np.array_equal(ys, nominal_y)  # the same scenes, objects where they were
        assert np.abs(xs - nominal_x).mean() > 0.02  # under another light
    assert tests["dim"][0].mean() < nominal_x.mean()
    blue, red = tests["coloured"][0][:, 0].mean(), tests["coloured"][0][:, 2].mean()  # channels are BGR
    assert blue < red


def test_arms_differ_only_in_data_and_training_learns():
    rng = np.random.default_rng(0)
    masks = np.zeros((24, 48, 64), np.int64)
    for i in range(24):  # a bright square on a dark ground, at a random place
        y, x = rng.integers(0, 32), rng.integers(0, 48)
        masks[i, y:y + 16, x:x + 16] = 1
    images = np.repeat(masks[:, None].astype(np.float32) * 0.7 + 0.1, 3, axis=1) + rng.normal(0, 0.03, (24, 3, 48, 64)).astype(np.float32)
    originals, accepted, rejected = Pool(images[:8], masks[:8]), Pool(images[8:16], masks[8:16]), Pool(images[16:], masks[16:])
    pools = arm_pools(originals, accepted, rejected)
    assert [len(pools[a].images) for a in "ABC"] == [8, 16, 32]  # C: + the rejected and a broken copy of each accepted
    assert np.array_equal(pools["C"].images[24:], broken_copy(accepted.images)) and not np.array_equal(broken_copy(accepted.images), accepted.images)
    # The same seed and the same data: the same model. Same steps, other data: another model.
    a1, a2, b = train(pools["A"], 5, 4, seed=3), train(pools["A"], 5, 4, seed=3), train(pools["B"], 5, 4, seed=3)
    first = lambda m: next(m.parameters()).detach()  # noqa: E731
    assert torch.equal(first(a1), first(a2)) and not torch.equal(first(a1), first(b))
    trained = train(Pool(images, masks), 120, 8, seed=0)
    assert miou(trained, images, masks) > miou(TinyUNet(), images, masks) + 0.2  # far above an untrained model


def test_downstream_eval_records_the_versions_it_trained_on_with_a_table_and_a_plot(small_lake):
    lake = small_lake["lake"].lake()
    versions = pinned_versions(lake)
    result = dg.materialize(assets_named("downstream_eval"), resources=small_lake)
    assert result.success
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert "lift_plot" in meta and meta["lift_plot"].value.startswith("![arms by test condition](data:image/png;base64,")
    assert [r.data["condition"] for r in meta["per_condition"].value.records] == list(TEST_CONDITIONS)
    row = lake.read("downstream_evals").to_pylist()[0]
    assert json.loads(row["source_versions"]) == {k: v for k, v in versions.items()}
    assert row["steps"] == 15 and row["seeds"] == 2 and row["test_conditions"] == list(TEST_CONDITIONS)
    train_images = json.loads(row["train_images"])
    assert train_images["A"] < train_images["B"] < train_images["C"]
    arms = json.loads(row["arms"])
    assert set(arms) == {"A", "B", "C"} and all(0 <= a["mean"] <= 1 for a in arms.values())
    assert row["b_minus_c"] == pytest.approx(arms["B"]["mean"] - arms["A"]["mean"] - (arms["C"]["mean"] - arms["A"]["mean"]), abs=1e-3)
