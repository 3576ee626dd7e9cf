"""Seconds per 93-frame 720p chunk of the Cosmos Transfer 2.5 backend, at the real model size.

    python bench/cosmos_transfer_chunk.py            # needs a CUDA GPU (about 30 GB of memory)
    python bench/cosmos_transfer_chunk.py --tiny     # a smoke run of the same code on CPU, tiny model

The components are NVIDIA's Cosmos-Transfer2.5-2B architecture with random weights (nothing is
downloaded): the 2B transformer and its ControlNet with the configs diffusers' conversion
script (scripts/convert_cosmos_to_diffusers.py, "Cosmos-2.5-Transfer-General-2B") gives them,
the Wan 2.1 VAE, and a Qwen2.5-VL-7B-sized text encoder (Cosmos-Reason1-7B's shape; its
28 layers x 3584 make the 100352-wide prompt embedding the transformer projects). They are
built in GPU memory and handed to the backend's process-level model cache under the keys it
loads from, so everything after loading - the seg control video, the resizing, the 4k+1
chunk, the pipeline call (36 steps, classifier-free guidance 3.0), the restore to the clip's
size - is the production code path. Random weights cost the same time as trained ones.

The clip is one chunk: 93 frames of 1280x704 (NVIDIA's 720p) with simulator-style
segmentation ground truth, so the seg ControlNet runs, as in NVIDIA's reference number:
264 s per 93-frame 720p chunk on an H100 PCIe with seg control. The guardrail is off here
(cosmos_guardrail is not installed); NVIDIA's figure may include it.

On a machine without a CUDA GPU this says so and exits 0: the real size is not run on a CPU.
The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

REFERENCE_S = 264.0  # NVIDIA: H100 PCIe, 93 frames, 720p, seg control

# diffusers scripts/convert_cosmos_to_diffusers.py, "Cosmos-2.5-Transfer-General-2B".
TRANSFORMER_2B = dict(
    in_channels=16 + 1, out_channels=16, num_attention_heads=16, attention_head_dim=128, num_layers=28, mlp_ratio=4.0,
    text_embed_dim=1024, adaln_lora_dim=256, max_size=(128, 240, 240), patch_size=(1, 2, 2), rope_scale=(1.0, 3.0, 3.0),
    concat_padding_mask=True, extra_pos_embed_type=None, use_crossattn_projection=True, crossattn_proj_in_channels=100352,
    encoder_hidden_states_channels=1024, controlnet_block_every_n=7, img_context_dim_in=1152, img_context_dim_out=2048,
    img_context_num_tokens=256,
)
CONTROLNET_2B = dict(
    n_controlnet_blocks=4, model_channels=2048, in_channels=130, latent_channels=18, num_attention_heads=16,
    attention_head_dim=128, mlp_ratio=4.0, text_embed_dim=1024, adaln_lora_dim=256, patch_size=(1, 2, 2),
    max_size=(128, 240, 240), rope_scale=(1.0, 3.0, 3.0), extra_pos_embed_type=None, img_context_dim_in=1152,
    img_context_dim_out=2048, use_crossattn_projection=True, crossattn_proj_in_channels=100352, encoder_hidden_states_channels=1024,
)
# Qwen2.5-VL-7B's language model (Cosmos-Reason1-7B is this shape); the vision tower is never
# used for text prompts, so it is kept tiny.
TEXT_ENCODER_7B = dict(
    hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
    vocab_size=152064, max_position_embeddings=128000, rms_norm_eps=1e-6, rope_theta=1000000.0,
    rope_scaling={"mrope_section": [16, 24, 24], "rope_type": "default", "type": "default"},
    bos_token_id=151643, eos_token_id=151645, pad_token_id=151643,
)
SCHEDULER = dict(use_karras_sigmas=True, use_flow_sigmas=True, prediction_type="flow_prediction", sigma_max=200.0, sigma_min=0.01)


def _tokenizer():
    from transformers import Qwen2Tokenizer

    from tests.cosmos_tiny import CHAT_TEMPLATE, _byte_level_vocab

    # A byte-level tokenizer with no merges: ids stay below 260, valid for the 152064-token
    # embedding; the prompt's length in tokens is what costs time, and it is padded to 512 anyway.
    tok = Qwen2Tokenizer(vocab=_byte_level_vocab(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]), merges=[], chat_template=CHAT_TEMPLATE)
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    return tok


def build_pipeline(device: str, dtype, tiny: bool):
    """The pipeline and its seg ControlNet, randomly initialised in ``device`` memory."""
    import torch
    from diffusers import AutoencoderKLWan, Cosmos2_5_TransferPipeline, CosmosControlNetModel, CosmosTransformer3DModel, UniPCMultistepScheduler
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    from resources.transfer.backends.guardrail import no_guardrail

    if tiny:
        from tests import cosmos_tiny

        root = Path(__import__("tempfile").mkdtemp(prefix="cosmos-bench-"))
        settings = cosmos_tiny.save_tiny_transfer25(root)
        pipe = Cosmos2_5_TransferPipeline.from_pretrained(
            settings["model"], controlnet=CosmosControlNetModel.from_pretrained(root / "controlnet-seg"), safety_checker=no_guardrail(), dtype=dtype,
        )
        pipe.set_progress_bar_config(disable=True)
        return pipe.to(device), pipe.controlnet
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # parameters are created in bf16, directly on the GPU
    try:
        with torch.device(device):
            text_encoder = Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(
                text_config=TEXT_ENCODER_7B, hidden_size=TEXT_ENCODER_7B["hidden_size"], vocab_size=TEXT_ENCODER_7B["vocab_size"],
                vision_config={"depth": 1, "hidden_size": 64, "intermediate_size": 64, "num_heads": 2, "out_hidden_size": 3584},
            ))
            transformer = CosmosTransformer3DModel(**TRANSFORMER_2B)
            controlnet = CosmosControlNetModel(**CONTROLNET_2B)
            vae = AutoencoderKLWan()  # the Wan 2.1 VAE's own config
    finally:
        torch.set_default_dtype(previous)
    pipe = Cosmos2_5_TransferPipeline(
        text_encoder=text_encoder, tokenizer=_tokenizer(), transformer=transformer, vae=vae.to(device, dtype),
        scheduler=UniPCMultistepScheduler(**SCHEDULER), controlnet=controlnet, safety_checker=no_guardrail(),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device), controlnet


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="smoke-run the same code on CPU with tiny components (not a measurement)")
    parser.add_argument("--frames", type=int, default=93)
    parser.add_argument("--steps", type=int, default=36)
    args = parser.parse_args()

    import numpy as np
    import torch

    if not args.tiny and not torch.cuda.is_available():
        print("no CUDA GPU on this machine: the real-size Transfer 2.5 chunk is not run on a CPU (use --tiny for a smoke run)")
        print(json.dumps({"bench": "cosmos_transfer_chunk", "skipped": "no CUDA GPU", "seconds_per_chunk": None, "reference_s": REFERENCE_S}))
        return 0

    import diffusers.models.transformers.transformer_cosmos as transformer_module

    from resources.media import gpu
    from resources.transfer import ClipMedia, Recipe, make_engine
    from resources.transfer.backends.cosmos_base import CosmosTransferSettings

    notes = []
    if not hasattr(transformer_module, "transforms"):  # no torchvision in this environment
        from tests.cosmos_tiny import install_torchvision_shim

        install_torchvision_shim()
        notes.append("torchvision missing: its resize was replaced by the tests' torch stand-in")

    device = "cpu" if args.tiny else "cuda"
    dtype = torch.float32 if args.tiny else torch.bfloat16
    frames, height, width = (9, 48, 64) if args.tiny else (args.frames, 704, 1280)
    steps = 2 if args.tiny else args.steps
    if args.tiny:
        torch.set_num_threads(2)
    engine = make_engine("cosmos-transfer2.5", CosmosTransferSettings(
        model="bench/random-init-Cosmos-Transfer2.5-2B", controls=["seg"], device=device, dtype="fp32" if args.tiny else "bf16",
        num_inference_steps=steps, max_frames_per_chunk=frames, guardrail=False,
    ))
    t0 = time.perf_counter()
    pipe, controlnet = build_pipeline(device, dtype, args.tiny)
    build_s = time.perf_counter() - t0
    # Hand the in-memory models to the backend's cache under the keys it loads from.
    gpu.load_once(engine.pipeline_key(), lambda: pipe)
    gpu.load_once(engine.controlnet_key("seg"), lambda: controlnet)

    rng = np.random.default_rng(0)
    block = 16 if args.tiny else 64  # objects as blocks of pixels, as a segmentation map has them
    seg = np.repeat(np.repeat(rng.integers(-1, 12, (frames, height // block, width // block)), block, axis=1), block, axis=2).astype(np.int16)
    clip = ClipMedia(
        rng.integers(0, 255, (frames, height, width, 3), dtype=np.uint8), [i / 30 for i in range(frames)], 30.0,
        depth=np.ones((frames, height, width), np.float32), seg=seg, caption="A city street with cars and pedestrians.",
    )
    recipe = Recipe("night+rain", {}, seed=1)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = engine.transfer(clip, recipe)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    assert out.frames.shape == clip.frames.shape, (out.frames.shape, clip.frames.shape)
    result = {
        "bench": "cosmos_transfer_chunk",
        "seconds_per_chunk": round(seconds, 2),
        "frames": frames, "width": width, "height": height, "steps": steps, "guidance_scale": out.params["guidance_scale"],
        "control": "seg", "chunks": out.params["chunks"], "frames_per_chunk": out.params["frames_per_chunk"],
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu (--tiny: not a measurement)",
        "dtype": str(dtype).removeprefix("torch."), "build_s": round(build_s, 1),
        "peak_gpu_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 1) if device == "cuda" else None,
        "reference_s": REFERENCE_S, "reference": "NVIDIA, H100 PCIe, 93 frames 720p, seg control",
        "over_reference": round(seconds / REFERENCE_S, 3) if not args.tiny else None,
        "guardrail": "off", "notes": notes,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
