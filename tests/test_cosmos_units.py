"""The parts of the Cosmos backends that need no generation: controls, sizes and chunks,
settings and the guardrail, the model cache, and batches that halve on CUDA out-of-memory."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dagster_project.configurable import TokenizerResource, TransferResource
from resources.media import gpu
from resources.media.geometry import frames_per_chunk, generation_size
from resources.transfer import (
    ClipMedia,
    Recipe,
    TransferError,
    TransferOutput,
    make_engine,
)
from resources.transfer import controls as ctl
from resources.transfer.backends.cosmos_base import CosmosTransferSettings
from resources.transfer.backends.guardrail import GuardrailMissing


def _clip(ground_truth: bool, t: int = 6, h: int = 40, w: int = 56) -> ClipMedia:
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 255, (t, h, w, 3), dtype=np.uint8)
    depth = np.broadcast_to(np.linspace(1, 30, w, dtype=np.float32), (t, h, w)).copy() if ground_truth else None
    seg = np.where(np.arange(w) < w // 2, 3, -1).astype(np.int16)[None, None].repeat(t, 0).repeat(h, 1) if ground_truth else None
    return ClipMedia(frames, [i / 10 for i in range(t)], 10.0, depth, seg, "A street.")


# --- controls -----------------------------------------------------------------------------


@pytest.mark.parametrize("modality", ctl.MODALITIES)
def test_control_videos_are_rgb_in_unit_range_at_the_generation_size(modality):
    video = ctl.control_video(_clip(True), modality, 64, 48)
    assert video.shape == (6, 48, 64, 3) and video.dtype == np.float32
    assert 0.0 <= video.min() and video.max() <= 1.0 and video.max() > 0


def test_depth_is_near_bright_and_seg_gives_each_object_one_colour():
    clip = _clip(True)
    depth = ctl.control_video(clip, "depth", 56, 40)
    assert depth[0, :, 0].mean() > depth[0, :, -1].mean()  # 1 m on the left, 30 m on the right
    seg = ctl.control_video(clip, "seg", 56, 40)
    assert (seg[:, :, :28] == seg[0, 0, 0]).all() and (seg[:, :, 28:] == 0).all()  # object 3 | background black


@pytest.mark.parametrize("modality, what", [("depth", "depth"), ("seg", "segmentation")])
def test_ground_truth_controls_refuse_clips_without_it(modality, what):
    with pytest.raises(TransferError, match=f"the {modality} control needs the clip's ground-truth {what}"):
        ctl.control_video(_clip(False), modality, 64, 48)
    ctl.check_ground_truth(_clip(False), (ctl.Control("edge"), ctl.Control("blur")))  # computed from the frames: fine


def test_control_settings_parse_and_map_conditions():
    plan = ctl.ControlPlan.from_settings(["edge:0.7"], ["fog=depth:0.8+edge", "night+rain=blur"])
    assert plan.for_condition("night") == (ctl.Control("edge", 0.7),)
    assert plan.for_condition("fog") == (ctl.Control("depth", 0.8), ctl.Control("edge", 1.0))
    assert plan.for_condition("night+rain") == (ctl.Control("blur"),)
    assert plan.describe() == "edge:0.7 (fog=depth:0.8+edge:1, night+rain=blur:1)"
    for bad in (["lidar"], ["edge:x"], ["edge+edge"]):
        with pytest.raises(ValueError):
            ctl.ControlPlan.from_settings(bad, [])
    with pytest.raises(ValueError, match="condition=controls"):
        ctl.ControlPlan.from_settings(["edge"], ["depth"])


def test_prompts_name_the_clip_and_every_part_of_the_condition():
    prompt = ctl.prompt_for("night+rain", "A road with cars")
    assert prompt.startswith("A road with cars. The same scene at night") and "heavy rain" in prompt


# --- sizes and chunks ------------------------------------------------------------------------


def test_generation_sizes_are_multiples_of_16_and_chunks_are_4k_plus_1():
    assert generation_size(96, 72, 16) == (96, 64)
    assert generation_size(1920, 1080, 16, target_height=704) == (1248, 704)
    assert generation_size(8, 8, 16) == (16, 16)
    assert frames_per_chunk(25, 4, 93) == 25 and frames_per_chunk(26, 4, 93) == 29  # the whole clip, 1 + 4k
    assert frames_per_chunk(200, 4, 93) == 93 and frames_per_chunk(200, 4, 15) == 13  # capped, still 1 + 4k
    assert frames_per_chunk(2, 4, 93) == 5 and frames_per_chunk(40, 8, 33) == 33


# --- settings, revisions, guardrail ----------------------------------------------------------


def test_guardrail_is_on_by_default_and_its_absence_is_a_clear_error():
    for backend in ("cosmos-transfer2.5", "cosmos3"):
        with pytest.raises(GuardrailMissing, match="FACTORY_TRANSFER_GUARDRAIL .* is true .* cosmos_guardrail package is not installed"):
            TransferResource(backend=backend, model="nvidia/some-model").engine()
        assert TransferResource(backend=backend, model="nvidia/some-model", guardrail=False).engine().guardrail == "off"
    assert TransferResource().engine().guardrail == "n/a"  # procedural


def test_hub_models_record_their_revision_and_local_ones_say_local(tmp_path):
    engine = TransferResource(backend="cosmos-transfer2.5", model="nvidia/Cosmos-Transfer2.5-2B", guardrail=False).engine()
    assert engine.model_id == "nvidia/Cosmos-Transfer2.5-2B"
    assert engine.version.startswith("diffusers/general; diffusers 0.42.1; 36 steps; guidance 3; controls edge:1")
    assert engine.controlnet_location("seg") == ("nvidia/Cosmos-Transfer2.5-2B", "diffusers/controlnet/general/seg")
    (tmp_path / "cn-depth").mkdir()
    local = TransferResource(backend="cosmos-transfer2.5", model=str(tmp_path), controlnet_model=str(tmp_path / "cn-{control}"), guardrail=False).engine()
    assert local.version.startswith("local;") and local.controlnet_location("depth") == (str(tmp_path / "cn-depth"), None)
    c3 = TransferResource(backend="cosmos3", model="nvidia/Cosmos3-Nano", revision="abc123", guardrail=False).engine()
    assert c3.version.startswith("abc123; diffusers 0.42.1; 35 steps; guidance 6")
    tok = TokenizerResource(backend="wan2.1", model="Wan-AI/Wan2.1-T2V-1.3B-Diffusers", subfolder="vae", revision="r1").engine()
    assert tok.tokenizer_id == "wan2.1:Wan-AI/Wan2.1-T2V-1.3B-Diffusers/vae" and tok.version.startswith("r1; diffusers 0.42.1; chunk 81; float32")


def test_backends_check_their_settings_without_loading_weights():
    with pytest.raises(ValueError, match="FACTORY_TRANSFER_MODEL"):
        TransferResource(backend="cosmos3", guardrail=False).engine()
    with pytest.raises(ValueError, match="one control per recipe .* use the cosmos3 backend"):
        TransferResource(backend="cosmos-transfer2.5", model="m", guardrail=False, controls=["edge", "depth"]).engine()
    with pytest.raises(ValueError, match="one guidance scale for all its controls"):
        TransferResource(backend="cosmos3", model="m", guardrail=False, condition_controls=["fog=depth:0.5"]).engine()
    with pytest.raises(ValueError, match="FACTORY_TOKENIZER_MODEL"):
        TokenizerResource(backend="vidtok-fsq").engine()
    with pytest.raises(ValueError, match="unknown tokenizer backend"):
        TokenizerResource(backend="cosmos-di8x8").engine()
    with pytest.raises(FileNotFoundError, match="FACTORY_TOKENIZER_MODEL is '/no/such/dir', which is not a directory"):
        TokenizerResource(backend="wan2.1", model="/no/such/dir").engine().encode(np.zeros((5, 16, 16, 3), np.uint8))
    assert make_engine("cosmos3", CosmosTransferSettings(model="m", guardrail=False)).supports("night+fog")


def test_settings_come_from_the_environment(monkeypatch):
    from dagster_project.settings import env_overrides

    monkeypatch.setenv("FACTORY_TRANSFER_CONTROLS", "edge:0.5")
    monkeypatch.setenv("FACTORY_TRANSFER_CONDITION_CONTROLS", "fog=depth:0.8,night=blur")
    monkeypatch.setenv("FACTORY_TRANSFER_GUARDRAIL", "false")
    monkeypatch.setenv("FACTORY_TRANSFER_BATCH_SIZE", "4")
    monkeypatch.setenv("FACTORY_TRANSFER_MODEL", "nvidia/Cosmos-Transfer2.5-2B")
    engine = TransferResource(backend="cosmos-transfer2.5", **env_overrides("transfer", TransferResource)).engine()
    assert engine.guardrail == "off" and engine.settings.batch_size == 4
    assert engine.plan.for_condition("fog") == (ctl.Control("depth", 0.8),) and engine.plan.for_condition("dusk") == (ctl.Control("edge", 0.5),)


def test_device_and_dtype_defaults():
    assert gpu.resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert gpu.resolve_dtype("auto", "cpu") == torch.float32 and gpu.resolve_dtype("auto", "cuda") == torch.bfloat16
    assert gpu.resolve_dtype("fp16", "cpu") == torch.float16
    with pytest.raises(ValueError):
        gpu.resolve_dtype("int8", "cpu")


# --- the model cache -------------------------------------------------------------------------


def test_a_model_is_loaded_once_per_key():
    loads = []
    key = gpu.model_key("Dummy", "/models/x", None, "cpu", torch.float32)
    first = gpu.load_once(key, lambda: loads.append(1) or object())
    again = gpu.load_once(key, lambda: loads.append(1) or object())
    other = gpu.load_once(gpu.model_key("Dummy", "/models/x", None, "cpu", torch.bfloat16), lambda: loads.append(1) or object())
    assert first is again and other is not first and len(loads) == 2 and gpu.LOADS[key] == 1


# --- CUDA out-of-memory: batches halve, then the run fails clearly ---------------------------
# No GPU here: the OOM is simulated by raising torch.OutOfMemoryError (what torch raises when a
# CUDA allocation fails) from the wrapped callable whenever a batch is larger than it "fits".


def _fits(limit: int, seen: list[int]):
    def run(batch: list[int]) -> list[int]:
        seen.append(len(batch))
        if len(batch) > limit:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (simulated)")
        return [x * 10 for x in batch]

    return run


def test_out_of_memory_halves_the_batch_and_keeps_what_is_done():
    seen: list[int] = []
    out = gpu.run_in_batches(list(range(7)), _fits(2, seen), 8, "rendering a test clip", "FACTORY_TRANSFER_BATCH_SIZE")
    assert out == [x * 10 for x in range(7)]
    assert seen == [7, 4, 2, 2, 2, 1]  # 8 -> 4 -> 2; then the rest at 2


def test_out_of_memory_at_batch_one_fails_with_a_clear_message():
    with pytest.raises(gpu.GpuOutOfMemory) as err:
        gpu.run_in_batches([1, 2, 3], _fits(0, []), 8, "rendering a 93-frame 1280x704 clip", "FACTORY_TRANSFER_BATCH_SIZE")
    message = str(err.value)
    assert "CUDA ran out of memory rendering a 93-frame 1280x704 clip, even at batch size 1" in message
    assert "tried batch sizes 8, 4, 2, 1" in message and "FACTORY_TRANSFER_BATCH_SIZE" in message
    assert isinstance(err.value.__cause__, torch.OutOfMemoryError)


def test_other_errors_are_not_retried():
    calls = []

    def broken(batch):
        calls.append(len(batch))
        raise RuntimeError("not memory")

    with pytest.raises(RuntimeError, match="not memory"):
        gpu.run_in_batches([1, 2], broken, 2, "x", "S")
    assert calls == [2]


def test_transfer_engine_batches_recipes_and_halves_them_on_out_of_memory(monkeypatch, tmp_path):
    engine = make_engine("cosmos-transfer2.5", CosmosTransferSettings(model=str(tmp_path), guardrail=False, batch_size=4))
    seen: list[int] = []

    def generate(clip, control, video, batch, gen_w, gen_h):  # stands in for the pipeline call
        seen.append(len(batch))
        if len(batch) > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return [TransferOutput(clip.frames.copy(), params={"seed": r.seed}) for r in batch]

    monkeypatch.setattr(engine, "_generate", generate)
    recipes = [Recipe(c, {}, i) for i, c in enumerate(["night", "rain", "snow", "dusk"])]
    outs = engine.transfer_many(_clip(False), recipes)
    assert [o.params["seed"] for o in outs] == [0, 1, 2, 3]
    assert seen == [4, 2, 1, 1, 1, 1]


def test_tokenizer_halves_its_chunk_batch_on_out_of_memory(monkeypatch, tmp_path):
    from tests.cosmos_tiny import save_tiny_wan21_vae

    save_tiny_wan21_vae(tmp_path)
    frames = np.random.default_rng(0).integers(0, 255, (20, 32, 48, 3), dtype=np.uint8)
    reference = TokenizerResource(backend="wan2.1", model=str(tmp_path), subfolder="vae", device="cpu", chunk_frames=5, batch_size=1).engine()
    expected = reference.encode(frames).tokens  # 4 chunks of 5 frames, one at a time
    tok = TokenizerResource(backend="wan2.1", model=str(tmp_path), subfolder="vae", device="cpu", chunk_frames=5, batch_size=4).engine()
    real_encode, seen = tok.encode_batch, []

    def encode_batch(vae, x):
        seen.append(x.shape[0])
        if x.shape[0] > 1:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_encode(vae, x)

    monkeypatch.setattr(tok, "encode_batch", encode_batch)
    tokens = tok.encode(frames).tokens
    assert seen == [4, 2, 1, 1, 1, 1] and tokens.shape == expected.shape == (8, 4, 6, 16)
    np.testing.assert_allclose(tokens.astype(np.float32), expected.astype(np.float32), atol=1e-2)


def test_a_prompt_the_guardrail_refuses_fails_its_own_recipe_and_the_batch_goes_on(monkeypatch, tmp_path):
    from resources.transfer.backends.cosmos_base import GUARDRAIL_REFUSAL

    engine = make_engine("cosmos-transfer2.5", CosmosTransferSettings(model=str(tmp_path), guardrail=False, batch_size=4))
    seen: list[list[str]] = []

    def generate(clip, control, video, batch, gen_w, gen_h):  # stands in for the pipeline call
        seen.append([r.condition for r in batch])
        if any(r.condition == "rain" for r in batch):
            raise ValueError(f"{GUARDRAIL_REFUSAL} in the prompt: a street in the rain. Please ensure that the prompt abides by the license.")
        return [TransferOutput(clip.frames.copy(), params={"seed": r.seed}) for r in batch]

    monkeypatch.setattr(engine, "_generate", generate)
    outs = engine.transfer_many(_clip(False), [Recipe(c, {}, i) for i, c in enumerate(["night", "rain", "snow"])])
    assert isinstance(outs[1], TransferError) and "guardrail refused the prompt" in str(outs[1])
    assert [o.params["seed"] for o in (outs[0], outs[2])] == [0, 2]
    assert seen[0] == ["night", "rain", "snow"] and ["rain"] in seen  # the refused batch was split to find the prompt

    def broken(clip, control, video, batch, gen_w, gen_h):
        raise ValueError("`num_frames` has to be a positive integer")  # not the guardrail: a real error

    monkeypatch.setattr(engine, "_generate", broken)
    with pytest.raises(ValueError, match="num_frames"):
        engine.transfer_many(_clip(False), [Recipe("night", {}, 0)])


def test_a_refused_prompt_becomes_a_recipe_failed_reject(monkeypatch, tmp_path, lake):
    from resources.media.encoder import write_h264
    from resources.transfer.backends.cosmos_base import GUARDRAIL_REFUSAL
    from resources.transfer.stage import transfer_clip

    engine = make_engine("cosmos3", CosmosTransferSettings(model=str(tmp_path), guardrail=False))

    def generate(clip, controls, recipe):
        if recipe.condition == "rain":
            raise ValueError(f"{GUARDRAIL_REFUSAL} in the prompt: rain.")
        return TransferOutput(clip.frames.copy(), params={"seed": recipe.seed})

    monkeypatch.setattr(engine, "_generate", generate)
    clip = _clip(False)
    path = tmp_path / "clip.mp4"
    write_h264(path, clip.frames, 10.0)
    row = {"clip_id": "c" * 64, "footage_id": "f" * 64, "blob_key": lake.blobs.put_file(path, "mp4").key, "fps": 10.0, "caption": "a street"}
    rows, rejects = transfer_clip(lake, engine, row, [Recipe("night", {}, 0), Recipe("rain", {}, 0)], set())
    assert [r["condition"] for r in rows] == ["night"]
    (reject,) = rejects
    assert reject["reason_code"] == "recipe_failed" and "guardrail refused the prompt" in reject["reason"]


def test_the_pipelines_still_refuse_with_the_words_we_recognise():
    import inspect

    import diffusers.modular_pipelines.cosmos.encoders as cosmos3_encoders
    import diffusers.pipelines.cosmos.pipeline_cosmos2_5_transfer as transfer25

    from resources.transfer.backends.cosmos_base import GUARDRAIL_REFUSAL

    assert GUARDRAIL_REFUSAL in inspect.getsource(transfer25) and GUARDRAIL_REFUSAL in inspect.getsource(cosmos3_encoders)
