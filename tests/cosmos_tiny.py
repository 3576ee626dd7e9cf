"""Tiny randomly initialised Cosmos components, built with the real diffusers classes and
saved with ``save_pretrained``: the backends load them back through the same
``from_pretrained`` path production uses with NVIDIA's checkpoints. No hub is reachable here,
and no GPU: the shapes are tiny so a transfer runs in seconds on a CPU.

Two things here exist only for tests and must never move into production code:
- ``install_torchvision_shim``: diffusers' Cosmos transformer and ControlNet resize their
  padding mask with ``torchvision.transforms`` (a module global bound only when torchvision
  imports), and no CPU build of torchvision installs here. The shim puts a stand-in with the
  one function they call (a nearest/bilinear resize through torch) into those two modules.
- the offline tokenizers: byte-level Qwen2 tokenizers with no merges, so no vocabulary file
  has to be downloaded.
"""
from __future__ import annotations

import types
from pathlib import Path

CONTROL_MODALITIES = ("edge", "blur", "depth", "seg")

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for c in message['content'] %}{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}"
    "{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def install_torchvision_shim() -> None:
    """Tests only: the ``transforms.functional.resize`` the Cosmos transformer/ControlNet call."""
    from enum import Enum

    import diffusers.models.controlnets.controlnet_cosmos as controlnet_module
    import diffusers.models.transformers.transformer_cosmos as transformer_module
    import torch.nn.functional as F

    class InterpolationMode(Enum):
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"

    def resize(img, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
        mode = interpolation.value if isinstance(interpolation, InterpolationMode) else str(interpolation)
        x = img[None] if img.ndim == 3 else img
        kwargs = {} if mode == "nearest" else {"align_corners": False}
        out = F.interpolate(x.float(), size=list(size), mode=mode, **kwargs).to(img.dtype)
        return out[0] if img.ndim == 3 else out

    shim = types.SimpleNamespace(InterpolationMode=InterpolationMode, functional=types.SimpleNamespace(resize=resize))
    for module in (transformer_module, controlnet_module):
        if not hasattr(module, "transforms"):
            module.transforms = shim


def _seed(n: int = 0) -> None:
    import torch

    torch.manual_seed(n)


def _byte_level_vocab(specials: list[str]) -> dict[str, int]:
    from tokenizers.pre_tokenizers import ByteLevel

    vocab = {ch: i for i, ch in enumerate(sorted(ByteLevel.alphabet()))}  # the 256 byte symbols
    for token in specials:
        vocab[token] = len(vocab)
    return vocab


# --- Cosmos Transfer 2.5 ------------------------------------------------------------------


def _tiny_controlnet():
    from diffusers import CosmosControlNetModel

    return CosmosControlNetModel(
        n_controlnet_blocks=2, in_channels=16 + 1 + 1, latent_channels=16 + 1 + 1, model_channels=32, num_attention_heads=2,
        attention_head_dim=16, mlp_ratio=2, text_embed_dim=32, adaln_lora_dim=4, patch_size=(1, 2, 2), max_size=(4, 32, 32),
        rope_scale=(2.0, 1.0, 1.0), extra_pos_embed_type="learnable", img_context_dim_in=32, img_context_dim_out=32,
        use_crossattn_projection=False,
    )


def save_tiny_transfer25(folder: Path) -> dict[str, str]:
    """A tiny Transfer 2.5 pipeline in ``folder/base`` and one ControlNet per modality in
    ``folder/controlnet-<modality>``: the layout `hf download --local-dir` gives per revision.
    Returns the settings that point the backend at it."""
    from diffusers import AutoencoderKLWan, Cosmos2_5_TransferPipeline, CosmosTransformer3DModel, UniPCMultistepScheduler
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2Tokenizer

    from resources.transfer.backends.guardrail import no_guardrail

    _seed(0)
    tokenizer = Qwen2Tokenizer(vocab=_byte_level_vocab(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]), merges=[], chat_template=CHAT_TEMPLATE)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    vocab = 320
    # The pipeline's prompt embedding concatenates every layer's hidden state: 2 layers x 16 = 32 = text_embed_dim.
    text_encoder = Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(
        text_config={
            "hidden_size": 16, "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 2,
            "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"}, "rope_theta": 1000000.0,
            "vocab_size": vocab, "bos_token_id": 256, "eos_token_id": 258, "pad_token_id": 256,
        },
        vision_config={"depth": 1, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16},
        hidden_size=16, vocab_size=vocab, vision_start_token_id=vocab - 3, vision_end_token_id=vocab - 2,
        vision_token_id=vocab - 1, image_token_id=vocab - 1, video_token_id=vocab - 1,
    ))
    transformer = CosmosTransformer3DModel(
        in_channels=16 + 1, out_channels=16, num_attention_heads=2, attention_head_dim=16, num_layers=2, mlp_ratio=2,
        text_embed_dim=32, adaln_lora_dim=4, max_size=(4, 32, 32), patch_size=(1, 2, 2), rope_scale=(2.0, 1.0, 1.0),
        concat_padding_mask=True, extra_pos_embed_type="learnable", controlnet_block_every_n=1,
        img_context_dim_in=32, img_context_num_tokens=4, img_context_dim_out=32,
    )
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True])
    scheduler = UniPCMultistepScheduler(use_karras_sigmas=True, use_flow_sigmas=True, prediction_type="flow_prediction", sigma_max=200.0, sigma_min=0.01)
    pipe = Cosmos2_5_TransferPipeline(
        text_encoder=text_encoder, tokenizer=tokenizer, transformer=transformer, vae=vae, scheduler=scheduler,
        controlnet=_tiny_controlnet(), safety_checker=no_guardrail(),
    )
    # No guardrail is saved with the weights (NVIDIA's checkpoints have none either).
    pipe.register_to_config(safety_checker=(None, None))
    pipe.save_pretrained(folder / "base")
    for i, modality in enumerate(CONTROL_MODALITIES, 1):
        _seed(i)
        _tiny_controlnet().save_pretrained(folder / f"controlnet-{modality}")
    return {"model": str(folder / "base"), "controlnet_model": str(folder / "controlnet-{control}")}


# --- Cosmos 3 -------------------------------------------------------------------------------


def save_tiny_cosmos3(folder: Path) -> dict[str, str]:
    """A tiny Cosmos 3 omni checkpoint in the modular layout (modular_model_index.json naming
    Cosmos3OmniBlocks), as ``ModularPipeline.from_pretrained`` loads NVIDIA's."""
    from diffusers import AutoencoderKLWan, Cosmos3OmniBlocks, Cosmos3OmniTransformer, UniPCMultistepScheduler
    from transformers import Qwen2Tokenizer

    _seed(0)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>"]
    tokenizer = Qwen2Tokenizer(vocab=_byte_level_vocab(specials), merges=[], eos_token="<|im_end|>", chat_template=CHAT_TEMPLATE)
    tokenizer.add_special_tokens({"additional_special_tokens": specials[1:]})
    # The joint LLM + diffusion transformer reads token ids itself; head_dim == 2 x sum(rope_axes_dim),
    # patch_latent_dim == latent_channel x latent_patch_size^2, latent_channel == the VAE's z_dim.
    transformer = Cosmos3OmniTransformer(
        head_dim=8, hidden_size=16, intermediate_size=32, num_attention_heads=2, num_key_value_heads=1, num_hidden_layers=2,
        latent_channel=16, latent_patch_size=1, patch_latent_dim=16, rope_axes_dim=[2, 1, 1], vocab_size=len(tokenizer) + 3,
        hidden_act="silu",
    )
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True],
        scale_factor_spatial=8, scale_factor_temporal=4,
    )
    pipe = Cosmos3OmniBlocks().init_pipeline()
    pipe.update_components(transformer=transformer, text_tokenizer=tokenizer, vae=vae, scheduler=UniPCMultistepScheduler())
    pipe.save_pretrained(str(folder), overwrite_modular_index=True)
    return {"model": str(folder)}


# --- tokenizers -----------------------------------------------------------------------------


def save_tiny_cosmos_cv8x8x8(folder: Path) -> Path:
    """CV8x8x8's compression (8x temporal, 8x8 spatial), a handful of channels."""
    from diffusers import AutoencoderKLCosmos

    _seed(0)
    AutoencoderKLCosmos(
        in_channels=3, out_channels=3, latent_channels=4, encoder_block_out_channels=(8, 8, 8, 8), decode_block_out_channels=(8, 8, 8, 8),
        attention_resolutions=(8,), resolution=64, num_layers=1, patch_size=4, patch_type="haar",
        spatial_compression_ratio=8, temporal_compression_ratio=8, latents_mean=None, latents_std=None,
    ).save_pretrained(folder)
    return folder


def save_tiny_wan21_vae(folder: Path) -> Path:
    """The Wan 2.1 VAE's structure (4x temporal, 8x8 spatial, z_dim 16), 3 base channels;
    saved as the ``vae`` subfolder of a pipeline repository, as Wan's Diffusers repos hold it."""
    from diffusers import AutoencoderKLWan

    _seed(0)
    AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]).save_pretrained(folder / "vae")
    return folder


def save_tiny_vidtok_fsq(folder: Path) -> Path:
    """A causal FSQ VidTok (z_channels == log8(codebook_size)), 4x temporal and 4x4 spatial."""
    from diffusers import AutoencoderVidTok

    _seed(0)
    AutoencoderVidTok(
        in_channels=3, out_channels=3, ch=8, ch_mult=[1, 1, 1], z_channels=2, double_z=False, num_res_blocks=1,
        regularizer="fsq", codebook_size=64, is_causal=True,
    ).save_pretrained(folder)
    return folder
