"""The Wan 2.1 VAE (diffusers' ``AutoencoderKLWan``): the video autoencoder Cosmos Predict
2.5 and Transfer 2.5 generate in; 4x temporal and 8x8 spatial compression, 16 channels."""
from __future__ import annotations

from resources.tokenization.backends.video_vae import VideoVaeTokenizer


class Wan21Tokenizer(VideoVaeTokenizer):
    backend = "wan2.1"
    model_class_name = "AutoencoderKLWan"
    default_chunk_frames = 81  # 1 + 4 x 20: Wan's own clip length
    description = "Wan 2.1 VAE, a learned continuous video autoencoder (AutoencoderKLWan); latents stored as float16"

    def temporal_factor(self, vae) -> int:
        return int(vae.config.scale_factor_temporal or 4)

    def enable_tiling(self, vae, tile: int) -> None:
        # Tiles overlap by a quarter so their seams can be blended.
        vae.enable_tiling(tile_sample_min_height=tile, tile_sample_min_width=tile,
                          tile_sample_stride_height=tile * 3 // 4, tile_sample_stride_width=tile * 3 // 4)

    def encode_batch(self, vae, x):
        return vae.encode(x).latent_dist.mode()

    def decode_batch(self, vae, tokens):
        return vae.decode(tokens).sample
