"""Cosmos-Tokenize1 CV8x8x8: NVIDIA's continuous video tokenizer (diffusers'
``AutoencoderKLCosmos``), 8x temporal and 8x8 spatial compression, 16 latent channels."""
from __future__ import annotations

from resources.tokenization.backends.video_vae import VideoVaeTokenizer


class CosmosCV8x8x8Tokenizer(VideoVaeTokenizer):
    backend = "cosmos-cv8x8x8"
    model_class_name = "AutoencoderKLCosmos"
    default_chunk_frames = 49  # 1 + 8 x 6: bounded memory at 720p; the model was trained on up to 121
    description = "Cosmos-Tokenize1 CV8x8x8, a learned continuous video tokenizer (AutoencoderKLCosmos); latents stored as float16"

    def enable_tiling(self, vae, tile: int) -> None:
        # diffusers 0.42.1 accepts enable_tiling on this class but never uses it: temporal
        # chunks are what bound memory here.
        return None

    def encode_batch(self, vae, x):
        return vae.encode(x).latent_dist.mode()  # an identity distribution: the latents themselves

    def decode_batch(self, vae, tokens):
        return vae.decode(tokens).sample
