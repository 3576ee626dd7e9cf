"""How a downstream evaluation trains and tests (no torch here: the Dagster side imports it)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DownstreamSettings:
    steps: int = 300  # optimisation steps per arm and seed: the same for every arm
    batch_size: int = 16
    seeds: int = 3
    width: int = 64  # the training and test size
    height: int = 48
    every: int = 2  # every n-th frame of a sample
    test_scenes: int = 4  # per test condition: the same scenes under each light
    test_frames: int = 20
