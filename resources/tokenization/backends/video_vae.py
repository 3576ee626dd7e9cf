"""What the learned video tokenizers share: load a diffusers autoencoder once per process,
cut a clip into temporal chunks, encode the chunks in batches on the GPU (halving the batch
when CUDA runs out of memory), and decode the tokens back for the reconstruction PSNR.

Chunking: a causal video VAE takes 1 + k x (its temporal factor) frames. A clip is encoded
as independent chunks of ``chunk_frames`` such frames (the last one padded by repeating its
last frame), so memory is bounded by the chunk, not the clip, and chunks of one clip stack
into a batch. A clip shorter than a chunk is one chunk of the smallest length that holds
it. Large frames are also tiled spatially where the model supports it (``tile_size``).

Tokens are stored channels-last, (latent frames, latent height, latent width, channels),
the same layout as the DCT tokenizer's, so loaders and training code are the same;
continuous latents are stored as float16 (the raw posterior mode of the VAE, not
normalised), discrete FSQ indices as the smallest unsigned integer type that holds the
codebook.
"""
from __future__ import annotations

import math
import os
from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from resources.media import gpu
from resources.media.geometry import frames_to_rgb, generation_size, rgb_to_frames
from resources.tokenization.engine import TokenizedClip, Tokenizer

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class VaeSettings:
    model: str | None = None  # a local directory or a hub id
    revision: str | None = None  # hub only
    subfolder: str | None = None  # e.g. "vae" inside a pipeline repository
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 4  # temporal chunks per forward pass
    chunk_frames: int = 0  # 0: the backend's default
    tile_size: int = 0  # > 0: encode and decode in spatial tiles of this many pixels
    height: int = 0  # 0: tokenize at the clip's own size; else scale to this height


class VideoVaeTokenizer(Tokenizer):
    backend: str
    model_class_name: str  # the diffusers class, e.g. "AutoencoderKLWan"
    default_chunk_frames: int
    spatial_multiple: int = 16  # frame sides are rounded to this (>= the VAE's spatial factor)

    def __init__(self, settings: VaeSettings):
        if not settings.model:
            raise ValueError(f"the {self.backend} tokenizer needs FACTORY_TOKENIZER_MODEL: a local directory or a hub id")
        self.settings = settings
        self.source = settings.model
        self.revision = None if os.path.isdir(self.source) else settings.revision
        self.device = gpu.resolve_device(settings.device)
        self.dtype = gpu.resolve_dtype(settings.dtype, self.device)
        self.tokenizer_id = f"{self.backend}:{self.source}" + (f"/{settings.subfolder}" if settings.subfolder else "")
        import diffusers

        self.chunk_frames = settings.chunk_frames or self.default_chunk_frames
        # Everything that changes the tokens is in the version, so a change makes new rows.
        self.version = (
            f"{self.revision or ('local' if os.path.isdir(self.source) else 'main')}; diffusers {diffusers.__version__}; "
            f"chunk {self.chunk_frames}; {gpu.dtype_name(self.dtype)}"
            + (f"; tiles {settings.tile_size}" if settings.tile_size else "")
            + (f"; height {settings.height}" if settings.height else "")
        )

    # --- the model ---------------------------------------------------------------------------

    def model(self):
        import diffusers

        cls = getattr(diffusers, self.model_class_name)
        s = self.settings
        def load():
            kwargs = {"subfolder": s.subfolder} if s.subfolder else {}
            vae = cls.from_pretrained(gpu.check_model_source(self.source, "FACTORY_TOKENIZER_MODEL"), revision=self.revision, dtype=self.dtype, **kwargs).to(self.device).eval()
            if s.tile_size:
                self.enable_tiling(vae, s.tile_size)
            return vae

        return gpu.load_once(self.model_key(), load)

    def model_key(self) -> tuple:
        s = self.settings
        return gpu.model_key(f"diffusers.{self.model_class_name}", self.source, self.revision, self.device, self.dtype, s.subfolder, s.tile_size)

    def enable_tiling(self, vae, tile: int) -> None:
        vae.enable_tiling(tile_sample_min_height=tile, tile_sample_min_width=tile)

    def temporal_factor(self, vae) -> int:
        return int(vae.config.temporal_compression_ratio)

    @abstractmethod
    def encode_batch(self, vae, x: "torch.Tensor") -> "torch.Tensor":
        """A batch of chunks (B x 3 x T x H x W in [-1, 1]) -> tokens, B x C x t x h x w
        (continuous) or B x t x h x w (discrete indices)."""

    @abstractmethod
    def decode_batch(self, vae, tokens: "torch.Tensor") -> "torch.Tensor":
        """Tokens of a batch of chunks -> B x 3 x T x H x W in [-1, 1]."""

    def storage_dtype(self, vae) -> np.dtype:
        return np.dtype(np.float16)

    # --- chunking ------------------------------------------------------------------------------

    def chunking(self, num_frames: int, factor: int) -> tuple[int, int]:
        """(chunks, frames per chunk) for a clip: whole-clip when it fits in one chunk."""
        cap = max(1 + factor, (self.chunk_frames - 1) // factor * factor + 1)
        if num_frames <= cap:
            return 1, 1 + factor * max(1, math.ceil((num_frames - 1) / factor))
        return math.ceil(num_frames / cap), cap

    def encode(self, frames: np.ndarray) -> TokenizedClip:
        import torch

        t_n, h, w = frames.shape[:3]
        vae = self.model()
        factor = self.temporal_factor(vae)
        n_chunks, length = self.chunking(t_n, factor)
        gw, gh = generation_size(w, h, self.spatial_multiple, self.settings.height)
        rgb = frames_to_rgb(frames, gw, gh)
        padded = np.concatenate([rgb, np.repeat(rgb[-1:], n_chunks * length - t_n, axis=0)]) if n_chunks * length > t_n else rgb
        chunks = padded.reshape(n_chunks, length, gh, gw, 3)

        def run(batch: list[np.ndarray]) -> list[np.ndarray]:
            x = torch.from_numpy(np.stack(batch)).permute(0, 4, 1, 2, 3).to(self.device, self.dtype) / 127.5 - 1.0
            with gpu.use_lock(self.model_key()), torch.no_grad():  # a causal VAE keeps state between calls
                tokens = self.encode_batch(vae, x)
            return list(tokens.float().cpu().numpy() if tokens.is_floating_point() else tokens.cpu().numpy())

        per_chunk = gpu.run_in_batches(
            list(chunks), run, self.settings.batch_size, f"encoding a {t_n}-frame {gw}x{gh} clip with {self.backend}",
            "FACTORY_TOKENIZER_BATCH_SIZE",
        )
        dtype = self.storage_dtype(vae)
        if dtype.kind == "f":  # C x t x h x w -> t x h x w x C
            tokens = np.concatenate([np.moveaxis(c, 0, -1) for c in per_chunk]).astype(dtype)
        else:  # t x h x w indices
            tokens = np.concatenate(per_chunk).astype(dtype)
        return TokenizedClip(tokens, t_n, h, w)

    def decode(self, tokenized: TokenizedClip) -> np.ndarray:
        import torch

        vae = self.model()
        factor = self.temporal_factor(vae)
        n_chunks, length = self.chunking(tokenized.num_frames, factor)
        per_chunk = np.split(tokenized.tokens, n_chunks)
        if tokenized.tokens.dtype.kind == "f":
            per_chunk = [np.moveaxis(c, -1, 0) for c in per_chunk]

        def run(batch: list[np.ndarray]) -> list[np.ndarray]:
            z = torch.from_numpy(np.stack(batch).astype(np.float32 if batch[0].dtype.kind == "f" else np.int64)).to(self.device)
            if z.is_floating_point():
                z = z.to(self.dtype)
            with gpu.use_lock(self.model_key()), torch.no_grad():
                x = self.decode_batch(vae, z)
            x = ((x.float().clamp(-1, 1) + 1) / 2).permute(0, 2, 3, 4, 1).cpu().numpy()  # B x T x H x W x 3 in [0, 1]
            return list(x[:, :length])

        videos = gpu.run_in_batches(
            per_chunk, run, self.settings.batch_size, f"decoding a {tokenized.num_frames}-frame clip with {self.backend}",
            "FACTORY_TOKENIZER_BATCH_SIZE",
        )
        video = np.concatenate(videos)[: tokenized.num_frames]
        return rgb_to_frames(video, tokenized.width, tokenized.height)
