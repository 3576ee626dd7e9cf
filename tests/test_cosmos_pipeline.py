"""The Cosmos backends inside real materializations, on CPU, with tiny random weights.

Each backend loads tiny components (tests/cosmos_tiny.py) through the production
``from_pretrained`` path from a temporary directory, and runs inside ``dg.materialize`` of
the real assets. One upstream - a small walkway cut (real footage, no ground truth) and one
simulated scene (with depth and segmentation) - is materialized once for the module
(raw_footage -> curated_clips); each backend then gets its own copy of that lake. The plan
is made per backend (plan rows are keyed by backend, and a plan for one backend counts
toward the coverage of the others), so each copy materializes scenario_spec ->
transfer_plan -> transferred_variants with its own TransferResource.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from assets.curated_clips import curated_clips
from assets.evaluated_samples import evaluated_samples
from assets.raw_footage import raw_footage
from assets.scenario_spec import scenario_spec
from assets.tokenized_shards import tokenized_shards
from assets.transfer_plan import transfer_plan
from assets.transferred_variants import transferred_variants
from dagster_project.checks import (
    shards_hold_only_accepted_samples,
    variants_match_their_clips,
)
from dagster_project.configurable import (
    ExecutionResource,
    EvaluatorResource,
    LakeResource,
    ScenarioResource,
    TokenizerResource,
    TransferResource,
)
from dagster_project.resources import resources_for
from resources.lake import Lake
from resources.media.codec import read_frames
from resources.transfer.controls import CONDITION_PHRASES
from tests import cosmos_tiny
from tests.conftest import DAY

# Three recipes on the real clip, one on the simulated clip: night and rain take the edge
# control (the default), fog takes depth (Transfer 2.5) or edge+seg (Cosmos 3), which only
# the simulated clip has.
SPEC = """
name: cosmos-test
requests:
  - {name: real night, match: {source_kind: real}, condition: night, clips: 1}
  - {name: real rain, match: {source_kind: real}, condition: rain, clips: 1}
  - {name: real fog, match: {source_kind: real}, condition: fog, clips: 1}
  - {name: sim fog, match: {source_kind: sim}, condition: fog, clips: 1}
"""
FAST = {"device": "cpu", "num_inference_steps": 2, "max_frames_per_chunk": 13, "guardrail": False}


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, object]:
    import torch

    torch.set_num_threads(2)  # the machines that run the tests have two cores
    cosmos_tiny.install_torchvision_shim()  # tests only: no CPU torchvision installs here
    root = tmp_path_factory.mktemp("cosmos-models")
    return {
        "transfer25": cosmos_tiny.save_tiny_transfer25(root / "transfer25"),
        "cosmos3": cosmos_tiny.save_tiny_cosmos3(root / "cosmos3"),
        "cosmos-cv8x8x8": cosmos_tiny.save_tiny_cosmos_cv8x8x8(root / "cv8x8x8"),
        "wan2.1": cosmos_tiny.save_tiny_wan21_vae(root / "wan21"),
        "vidtok-fsq": cosmos_tiny.save_tiny_vidtok_fsq(root / "vidtok"),
    }


@pytest.fixture(scope="module")
def upstream(tmp_path_factory, footage) -> Path:
    """raw_footage -> curated_clips over a 96x72 walkway cut (25 frames: longer than one
    13-frame chunk) and one 64x48 simulated scene (14 frames, with depth and segmentation)."""
    import cv2

    from resources.media.codec import iter_frames
    from resources.media.encoder import write_h264

    root = tmp_path_factory.mktemp("cosmos-upstream")
    landing = root / "landing" / DAY
    landing.mkdir(parents=True)
    frames = [cv2.resize(f.image, (96, 72), interpolation=cv2.INTER_AREA) for f in iter_frames(footage["vtest"], 0, 25)]
    write_h264(landing / "walkway_small.mp4", np.stack(frames), 10.0)
    (root / "spec.yaml").write_text(SPEC)
    resources = resources_for(
        "local",
        lake={"root": str(root / "lake")},
        landing={"path": str(landing.parent)},
        simulator={"episodes": 0, "scenes": 1, "width": 64, "height": 48, "num_frames": 14},
        curator={"min_clip_s": 0.5},
    )
    assert dg.materialize([raw_footage, curated_clips], resources=resources, partition_key=DAY).success
    clips = Lake(str(root / "lake")).read("curated_clips").to_pylist()
    kept = [c for c in clips if c["status"] == "kept"]
    assert {c["source_kind"] for c in kept} == {"real", "sim"}, [(c["source_kind"], c["drop_reason"]) for c in clips]
    return root


def _lake_copy(upstream: Path, tmp_path: Path) -> tuple[LakeResource, Lake]:
    shutil.copytree(upstream / "lake", tmp_path / "lake")
    resource = LakeResource(root=str(tmp_path / "lake"))
    return resource, resource.lake()


def _transfer(upstream: Path, tmp_path: Path, transfer: TransferResource) -> tuple[Lake, dg.ExecuteInProcessResult]:
    lake_resource, lake = _lake_copy(upstream, tmp_path)
    result = dg.materialize(
        [scenario_spec, transfer_plan, transferred_variants, variants_match_their_clips],
        resources={"lake": lake_resource, "scenario": ScenarioResource(path=str(upstream / "spec.yaml")), "transfer": transfer, "executor": ExecutionResource()},
        partition_key=DAY,
    )
    return lake, result


def _assert_variants_keep_their_clips(lake: Lake, backend: str, model: str) -> list[dict]:
    variants = lake.read("transferred_variants").to_pylist()
    clips = {c["clip_id"]: c for c in lake.read("curated_clips").to_pylist()}
    assert variants
    for v in variants:
        clip = clips[v["clip_id"]]
        assert (v["backend"], v["model_id"], v["guardrail"]) == (backend, model, "off")
        assert v["backend_version"].startswith("local; diffusers 0.42.1")  # a local directory has no revision
        # Frame count and frame size are the clip's: in the row, and in the video actually written.
        assert (v["num_frames"], v["width"], v["height"]) == (clip["num_frames"], clip["width"], clip["height"])
        with lake.blobs.local_path(v["blob_key"]) as path:
            frames, source = read_frames(path), None
        with lake.blobs.local_path(clip["blob_key"]) as path:
            source = read_frames(path)
        assert frames.shape == source.shape
        params = json.loads(v["recipe_params"])
        assert CONDITION_PHRASES[v["condition"]] in params["prompt"]  # the prompt names the condition
        assert params["num_inference_steps"] == 2 and params["frames_per_chunk"] <= 13
    return variants


def _refused(lake: Lake) -> list[dict]:
    return [r for r in lake.read("rejects").to_pylist() if r["stage"] == "transferred_variants"]


@pytest.fixture(scope="module")
def transfer25_run(upstream, tiny_models, tmp_path_factory):
    transfer = TransferResource(
        backend="cosmos-transfer2.5", **tiny_models["transfer25"], **FAST, batch_size=2, condition_controls=["fog=depth:0.8"],
    )
    return _transfer(upstream, tmp_path_factory.mktemp("t25"), transfer)


@pytest.fixture(scope="module")
def cosmos3_run(upstream, tiny_models, tmp_path_factory):
    transfer = TransferResource(backend="cosmos3", **tiny_models["cosmos3"], **FAST, condition_controls=["fog=edge+seg"])
    return _transfer(upstream, tmp_path_factory.mktemp("c3"), transfer)


def test_transfer25_renders_the_plan_with_the_clips_frames(transfer25_run, tiny_models):
    lake, result = transfer25_run
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())  # variants_match_their_clips
    variants = _assert_variants_keep_their_clips(lake, "cosmos-transfer2.5", tiny_models["transfer25"]["model"])
    by = {(next(c for c in lake.read("curated_clips").to_pylist() if c["clip_id"] == v["clip_id"])["source_kind"], v["condition"]): v for v in variants}
    assert set(by) == {("real", "night"), ("real", "rain"), ("sim", "fog")}
    # Edge for night and rain (computed by us); depth for fog, from the simulator's ground truth.
    assert json.loads(by["real", "night"]["recipe_params"])["controls"] == {"edge": 1.0}
    assert json.loads(by["sim", "fog"]["recipe_params"])["controls"] == {"depth": 0.8} and by["sim", "fog"]["used_depth"]
    # The real clip has 25 frames: longer than a 13-frame chunk, so it was generated in two.
    real = json.loads(by["real", "night"]["recipe_params"])
    assert by["real", "night"]["num_frames"] > 13 and real["chunks"] == 2 and real["frames_per_chunk"] == 13
    # 96x72 is not a multiple of 16: generated at 96x64, restored to 96x72.
    assert real["generation_size"] == [96, 64] and by["real", "night"]["height"] == 72


def test_depth_control_on_real_footage_is_refused_and_the_rest_proceed(transfer25_run):
    lake, _ = transfer25_run
    refused = _refused(lake)
    assert len(refused) == 1
    assert refused[0]["reason_code"] == "recipe_failed"
    assert refused[0]["reason"].startswith("fog: the depth control needs the clip's ground-truth depth")
    assert "no depth is estimated" in refused[0]["reason"]
    assert len(lake.read("transferred_variants").to_pylist()) == 3  # night and rain on that clip, fog on the sim clip


def test_cosmos3_renders_with_several_controls_at_once(cosmos3_run, tiny_models):
    lake, result = cosmos3_run
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    variants = _assert_variants_keep_their_clips(lake, "cosmos3", tiny_models["cosmos3"]["model"])
    fog = [v for v in variants if v["condition"] == "fog"]
    assert len(variants) == 3 and len(fog) == 1
    assert json.loads(fog[0]["recipe_params"])["controls"] == {"edge": 1.0, "seg": 1.0}
    refused = _refused(lake)
    assert len(refused) == 1 and "the seg control needs the clip's ground-truth segmentation" in refused[0]["reason"]


def test_each_model_loads_once_per_process(transfer25_run, tiny_models, upstream, tmp_path):
    from resources.media import gpu

    loads = {k: n for k, n in gpu.LOADS.items() if k[1].startswith(str(Path(tiny_models["transfer25"]["model"]).parent))}
    # The pipeline once, and the two ControlNets it used (edge, depth) once each.
    assert sorted(k[0] for k in loads) == ["diffusers.Cosmos2_5_TransferPipeline", "diffusers.CosmosControlNetModel", "diffusers.CosmosControlNetModel"]
    assert set(loads.values()) == {1}
    # A second materialization in this process - a new resource, a new engine - loads nothing.
    transfer = TransferResource(backend="cosmos-transfer2.5", **tiny_models["transfer25"], **FAST, batch_size=2, condition_controls=["fog=depth:0.8"])
    lake, result = _transfer(upstream, tmp_path, transfer)
    assert result.success and len(lake.read("transferred_variants")) == 3
    assert {k: n for k, n in gpu.LOADS.items() if k in loads} == loads


# --- tokenizers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluated(upstream, tmp_path_factory) -> Path:
    """The upstream with evaluated_samples: the original clips, scored (they pass)."""
    root = tmp_path_factory.mktemp("evaluated")
    lake_resource, lake = _lake_copy(upstream, root)
    assert dg.materialize([evaluated_samples], resources={"lake": lake_resource, "evaluator": EvaluatorResource(), "executor": ExecutionResource()}, partition_key=DAY).success
    assert sum(s["passed"] for s in lake.read("evaluated_samples").to_pylist()) >= 2
    return root


TOKENIZERS = {
    # backend: (settings, latent dtype)
    "cosmos-cv8x8x8": ({"chunk_frames": 9}, "float16"),
    "wan2.1": ({"chunk_frames": 9, "subfolder": "vae", "tile_size": 32}, "float16"),
    "vidtok-fsq": ({"chunk_frames": 9}, "uint16"),
}


@pytest.mark.parametrize("backend", list(TOKENIZERS))
def test_tokenizer_materializes_shards_with_model_and_latent_shape(backend, evaluated, tiny_models, tmp_path):
    settings, dtype = TOKENIZERS[backend]
    model = str(tiny_models[backend])
    lake_resource, lake = _lake_copy(evaluated, tmp_path)
    tokenizer = TokenizerResource(backend=backend, model=model, device="cpu", batch_size=2, **settings)
    result = dg.materialize(
        [tokenized_shards, shards_hold_only_accepted_samples], resources={"lake": lake_resource, "tokenizer": tokenizer, "executor": ExecutionResource()}, partition_key=DAY,
    )
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    rows = lake.read("tokenized_shards").to_pylist()
    samples = {s["sample_id"]: s for s in lake.read("evaluated_samples").to_pylist() if s["passed"]}
    assert len(rows) == len(samples) >= 2
    tok = tokenizer.engine()
    for row in rows:
        assert row["tokenizer_id"] == f"{backend}:{model}" + ("/vae" if backend == "wan2.1" else "")
        assert row["tokenizer_version"].startswith("local; diffusers 0.42.1; chunk 9")
        assert row["token_dtype"] == dtype and 0 < row["recon_psnr"] < 200 and row["compression_ratio"] > 1
        tokens = np.frombuffer(row["tokens"], dtype=row["token_dtype"]).reshape(row["token_shape"])
        with lake.blobs.local_path(samples[row["sample_id"]]["blob_key"]) as path:
            frames = read_frames(path)
        assert row["num_frames"] == len(frames)
        # Chunks of 9 frames: the 25-frame clip is 3 chunks, each 1 + (9 - 1) / factor latent frames.
        factor = {"cosmos-cv8x8x8": 8, "wan2.1": 4, "vidtok-fsq": 4}[backend]
        chunks = -(-len(frames) // 9) if len(frames) > 9 else 1
        per_chunk = 1 + (9 - 1) // factor if len(frames) > 9 else 1 + -(-(len(frames) - 1) // factor)
        assert tokens.shape[0] == chunks * per_chunk
        # Round trip: the tokens decode to the sample's frame count and frame size.
        from resources.tokenization.engine import TokenizedClip

        recon = tok.decode(TokenizedClip(tokens, row["num_frames"], frames.shape[1], frames.shape[2]))
        assert recon.shape == frames.shape and recon.dtype == np.uint8
