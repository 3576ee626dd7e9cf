"""Frame geometry for video diffusion: generation sizes the model accepts, chunk lengths its
VAE accepts, and the round trip from a clip's frames to the model's and back."""
from __future__ import annotations

import math

import cv2
import numpy as np


def generation_size(width: int, height: int, multiple: int, target_height: int = 0) -> tuple[int, int]:
    """(width, height) to generate at: the clip's size, or scaled to ``target_height`` keeping
    the aspect ratio, each rounded to the nearest multiple of ``multiple`` (never below it)."""
    scale = target_height / height if target_height > 0 else 1.0
    w = max(multiple, round(width * scale / multiple) * multiple)
    h = max(multiple, round(height * scale / multiple) * multiple)
    return int(w), int(h)


def frames_per_chunk(num_frames: int, temporal_factor: int, limit: int) -> int:
    """The chunk length for a clip of ``num_frames``: a causal video VAE takes 1 + k x
    ``temporal_factor`` frames, so the smallest such length that holds the whole clip, capped
    at ``limit`` (itself rounded down to that form). Longer clips are generated chunk by chunk."""
    cap = max(1 + temporal_factor, (limit - 1) // temporal_factor * temporal_factor + 1)
    whole = 1 + temporal_factor * max(1, math.ceil((num_frames - 1) / temporal_factor))
    return min(whole, cap)


def lcm(a: int, b: int) -> int:
    return a * b // math.gcd(a, b)


def frames_to_rgb(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    """BGR uint8 clip frames -> RGB uint8 at (width, height)."""
    out = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames])
    if out.shape[1:3] != (height, width):
        out = np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in out])
    return out


def rgb_to_frames(video: np.ndarray, width: int, height: int) -> np.ndarray:
    """A generated video (T x H x W x 3 RGB, float in [0, 1] or uint8) -> BGR uint8 frames
    restored to the clip's (width, height)."""
    if video.dtype != np.uint8:
        video = (np.clip(video, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    out = []
    for f in video:
        if f.shape[:2] != (height, width):
            f = cv2.resize(f, (width, height), interpolation=cv2.INTER_LINEAR)
        out.append(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    return np.stack(out)
