"""VidTok with finite scalar quantisation (diffusers' ``AutoencoderVidTok``, regularizer
``fsq``): a discrete video tokenizer; each latent position is one integer code."""
from __future__ import annotations

import numpy as np

from resources.tokenization.backends.video_vae import VideoVaeTokenizer


class VidTokFsqTokenizer(VideoVaeTokenizer):
    backend = "vidtok-fsq"
    model_class_name = "AutoencoderVidTok"
    default_chunk_frames = 17  # 1 + 4 x 4: VidTok's training clip length
    description = "VidTok FSQ, a learned discrete video tokenizer (AutoencoderVidTok); tokens are codebook indices"

    def model(self):
        vae = super().model()
        if vae.config.regularizer != "fsq":
            raise ValueError(f"{self.source} is a VidTok with the {vae.config.regularizer!r} regularizer; the vidtok-fsq backend needs fsq")
        if not vae.config.is_causal:
            raise ValueError(f"{self.source} is a non-causal VidTok; the vidtok-fsq backend takes the causal ones (1 + 4k frames)")
        return vae

    def temporal_factor(self, vae) -> int:
        return int(vae.temporal_compression_ratio)

    def storage_dtype(self, vae) -> np.dtype:
        return np.dtype(np.uint16 if vae.config.codebook_size <= 1 << 16 else np.uint32)

    def encode_batch(self, vae, x):
        import torch

        # The causal encoder expects its first frame replicated in front (factor - 1 times),
        # as AutoencoderVidTok.forward does; decode() drops those frames again.
        factor = self.temporal_factor(vae)
        x = torch.cat([x[:, :, :1].repeat(1, 1, factor - 1, 1, 1), x], dim=2)
        _, indices = vae.encode(x)
        return indices

    def decode_batch(self, vae, tokens):
        return vae.decode(tokens, decode_from_indices=True)
