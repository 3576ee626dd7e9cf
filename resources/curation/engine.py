"""The curator: split footage into shots, score each shot, drop what is unusable or a repeat.

One decode pass does everything: the shot detector (TransNetV2 or PySceneDetect) sees each
frame as it is decoded, the open clip's encoder and metric accumulators (the codec's motion
vectors among them) take the same frame, and a clip is closed (and decided, OCR reading a
few of its frames) at a cut or at the maximum clip length. Memory holds one clip's
thumbnails and a few samples, never its frames.
"""
from __future__ import annotations

import collections
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import imagehash
import numpy as np
from PIL import Image

from resources.curation.backends.captioners import Captioner
from resources.curation.backends.embedders import Embedder
from resources.curation.backends.shots import Cut, make_shot_detector
from resources.curation.backends.text import make_text_detector
from resources.curation.candidate import ClipCandidate
from resources.curation.filters import assess
from resources.curation.settings import FILTERS, CurationSettings
from resources.engines import Engines
from resources.media.codec import iter_frames
from resources.media.encoder import EncodeQueue, H264Writer, output_rate
from resources.media.motion import MotionField

# 3: clips timed i / fps (issue 20); 4: a robot episode's cameras cut in aligned windows (issue 16);
# 5: TransNetV2 cuts, codec motion vectors and OCR (issue 19; the models used are on each row).
CURATOR_VERSION = "curator-5"
__all__ = ["FILTERS", "CURATOR_VERSION", "CurationSettings", "Curator", "ClipCandidate", "CurationEngines"]
_THUMB = 64  # side of the grey thumbnails kept per frame for motion and perceptual hashing
_COLOUR_THUMB = (48, 36)  # per-frame colour thumbnails for the weight-free embedder
_KEYFRAME_EVERY = 10  # every 10th analysis frame (256 px wide) is kept for model backends
_TEXT_WIDTH = 640  # OCR reads frames at most this wide: subtitle-sized text stays legible


@dataclass
class _OpenClip:
    start_frame: int
    start_s: float
    writer: H264Writer
    path: Path
    last_index: int = 0
    last_s: float = 0.0
    frames: int = 0
    retimed: bool = False
    sharpness: list[float] = field(default_factory=list)
    brightness: list[float] = field(default_factory=list)
    clipped: list[float] = field(default_factory=list)
    motion: list[float] = field(default_factory=list)
    thumbs: list[np.ndarray] = field(default_factory=list)
    colour: list[np.ndarray] = field(default_factory=list)
    keyframes: list[np.ndarray] = field(default_factory=list)
    text_frames: list[np.ndarray] = field(default_factory=list)
    motion_field: MotionField | None = None
    prev_thumb: np.ndarray | None = None


def phash_distance(a: str, b: str) -> float:
    """Mean Hamming distance per 64-bit frame hash between two clip hashes."""
    pa_, pb = a.split("-"), b.split("-")
    return sum(bin(int(x, 16) ^ int(y, 16)).count("1") for x, y in zip(pa_, pb)) / len(pa_)


def _clip_phash(thumbs: list[np.ndarray]) -> str:
    # Three frames at 1/4, 1/2, 3/4 of the clip: robust to re-encoding, sensitive to content.
    picks = [thumbs[min(len(thumbs) - 1, int(len(thumbs) * q))] for q in (0.25, 0.5, 0.75)]
    return "-".join(str(imagehash.phash(Image.fromarray(t))) for t in picks)


class Curator:
    def __init__(self, settings: CurationSettings | None = None):
        self.settings = settings or CurationSettings()
        self.settings.check()
        self._shots = self._text = None  # the models load on the first footage, once

    @property
    def shot_detector(self):
        """The shot detector's factory (None in stride mode), built once."""
        s = self.settings
        if self._shots is None and s.detector != "stride":
            self._shots = make_shot_detector(s.detector, s.cut_threshold, s.transnet_threshold, s.device)
        return self._shots

    @property
    def text_detector(self):
        s = self.settings
        if self._text is None and s.text_detector != "none":
            self._text = make_text_detector(s.text_detector, s.text_min_score)
        return self._text

    @property
    def shot_detector_id(self) -> str:
        """What cut the clips, as the rows record it."""
        s = self.settings
        if s.detector == "stride":
            return f"stride {s.stride_s:g} s"
        threshold = s.transnet_threshold if s.detector == "transnetv2" else s.cut_threshold
        return f"{self.shot_detector.detector_id} threshold {threshold:g}"

    @property
    def text_detector_id(self) -> str | None:
        return None if self.settings.text_detector == "none" else self.text_detector.detector_id

    def split(self, video_path: Path, fps: float, work_dir: Path, vfr: bool = False, aligned: bool = False) -> Iterator[ClipCandidate]:
        """Yield every shot (or window of a long shot) as a scored candidate; its H.264 file
        is complete once ``candidate.encoded`` resolves. Constant-rate footage is timed
        ``i / fps`` (see iter_frames); variable-rate footage keeps its own times.

        ``aligned`` (a camera of a robot episode): fixed windows from frame 0, nothing trimmed,
        whatever the shot detector would say, so that every camera of the episode is cut at
        the same frames and a window is one time span across all of them."""
        fps = fps if fps > 0 else 25.0
        curator = self
        if aligned:
            curator = Curator(replace(self.settings, detector="stride", trim_frames=0))
            curator._text = self.text_detector  # the OCR model is shared, not loaded again
        encoder = EncodeQueue()
        try:
            yield from curator._split(video_path, fps, work_dir, encoder, vfr)
        finally:
            encoder.shutdown()

    def _split(self, video_path: Path, fps: float, work_dir: Path, encoder: EncodeQueue, vfr: bool) -> Iterator[ClipCandidate]:
        s = self.settings
        rate = output_rate(fps)
        factory = self.shot_detector if s.detector != "stride" else None
        detector = factory.stream(fps, rate) if factory is not None else None
        window_s = min(s.max_clip_s, s.stride_s) if detector is None else s.max_clip_s
        max_frames = max(1, round(window_s * fps))
        state = {"clip": None, "index": 0, "vfr": vfr, "skip_until": -1, "fps": fps, "text_every": max(1, round(fps))}
        # Frames wait in `held` before they join a clip, long enough that when a cut is
        # reported (the adaptive detector reports it a window late, TransNetV2 up to 75
        # frames late) the frames around it can still be left out.
        hold = s.trim_frames + (detector.latency if detector else 0)
        held: collections.deque = collections.deque()
        args = (fps, max_frames, work_dir, encoder)
        frames = iter_frames(video_path, fps=None if vfr else float(rate), ordered=vfr, motion_vectors=s.motion_vectors != "off")
        for frame in frames:
            small = frame.small(256)
            cuts = detector.push(frame.index, small) if detector else []
            if frame.index >= state["skip_until"]:
                held.append((frame, small))
            for cut in cuts:
                held = yield from self._cut(state, held, cut, args)
            while len(held) > hold:
                yield from self._add(state, *held.popleft(), *args)
        for cut in detector.finish() if detector else []:
            held = yield from self._cut(state, held, cut, args)
        while held:
            yield from self._add(state, *held.popleft(), *args)
        if state["clip"] is not None:
            yield self._close(state, encoder)

    def _cut(self, state: dict, held: collections.deque, cut: Cut, args: tuple):
        """Close the open clip at a cut: the frames before the transition (less the trim)
        join it, the transition and the trim are left out. Returns what is still held."""
        trim = self.settings.trim_frames
        first_out, first_in = min(cut.transition_start, cut.frame - trim), cut.frame + trim
        for item in [x for x in held if x[0].index < first_out]:
            yield from self._add(state, *item, *args)
        if state["clip"] is not None:
            yield self._close(state, args[3])
        state["skip_until"] = max(state["skip_until"], first_in)
        return collections.deque(x for x in held if x[0].index >= first_in)

    def _add(self, state: dict, frame, small: np.ndarray, fps: float, max_frames: int, work_dir: Path, encoder: EncodeQueue) -> Iterator[ClipCandidate]:
        s = self.settings
        clip: _OpenClip | None = state["clip"]
        if clip is not None and clip.frames >= max_frames:
            yield self._close(state, encoder)  # a window boundary inside one shot: nothing trimmed
            clip = None
        if clip is None:
            w, h = frame.decoded.width, frame.decoded.height
            path = Path(tempfile.mkstemp(suffix=".mp4", dir=work_dir)[1])
            clip = state["clip"] = _OpenClip(frame.index, frame.time_s, H264Writer(path, w, h, fps, s.crf, s.preset), path)
            if s.motion_vectors != "off":
                clip.motion_field = MotionField(w, h)
        clip.frames += 1
        clip.retimed |= frame.retimed
        clip.last_index, clip.last_s = frame.index, frame.time_s
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        thumb = cv2.resize(grey, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA)
        clip.thumbs.append(thumb)
        clip.colour.append(cv2.resize(small, _COLOUR_THUMB, interpolation=cv2.INTER_AREA))
        if clip.frames % _KEYFRAME_EVERY == 1:
            clip.keyframes.append(small)
        if s.text_detector != "none" and clip.frames % state["text_every"] == 1 % state["text_every"]:
            clip.text_frames.append(frame.small(_TEXT_WIDTH))  # one a second, for OCR at the close
        # Only now to the encoder's thread: a frame must not be reformatted on two threads at
        # once (PyAV keeps one scaler per frame, and two users deadlock inside swscale).
        encoder.submit(clip.writer.write, frame.decoded, frame.time_s - clip.start_s if state["vfr"] else None)
        if clip.motion_field is not None:
            clip.motion_field.add(frame.motion_vectors)
        clip.brightness.append(float(grey.mean()))
        clip.clipped.append(float(np.count_nonzero((grey <= 4) | (grey >= 251)) / grey.size))
        if clip.frames % 3 == 1:
            clip.sharpness.append(float(cv2.Laplacian(grey, cv2.CV_32F).var()))
        if clip.prev_thumb is not None:
            clip.motion.append(float(cv2.absdiff(thumb, clip.prev_thumb).mean()) / 255.0)
        clip.prev_thumb = thumb

    def _close(self, state: dict, encoder: EncodeQueue) -> ClipCandidate:
        clip: _OpenClip = state.pop("clip")
        state["clip"] = None
        index = state["index"]
        state["index"] += 1
        # The close runs after every write of this clip (one worker, in order); if a write
        # failed, the writer is broken and close raises, so the future carries the failure.
        encoded = encoder.submit(clip.writer.close)
        period = (clip.last_s - clip.start_s) / max(1, clip.frames - 1) if clip.frames > 1 else 0.0
        s = self.settings
        motion = np.asarray(clip.motion) if clip.motion else np.zeros(1)
        mv = clip.motion_field
        return ClipCandidate(
            clip_index=index,
            start_frame=clip.start_frame,
            end_frame=clip.last_index + 1,
            start_s=clip.start_s,
            duration_s=clip.last_s - clip.start_s + period,
            width=clip.writer.width,
            height=clip.writer.height,
            sharpness=float(np.mean(clip.sharpness)),
            brightness=float(np.mean(clip.brightness)),
            clipped_fraction=float(np.mean(clip.clipped)),
            motion=float(motion.mean()),
            black_fraction=float(np.mean(np.asarray(clip.brightness) < s.black_level)),
            frozen_fraction=float(np.mean(motion < s.frozen_epsilon)) if clip.motion else 1.0,
            mv_global_mean=mv.global_mean() if mv is not None else None,
            mv_patch_min=mv.patch_min() if mv is not None else None,
            text_fraction=self._text_fraction(clip.text_frames),
            phash=_clip_phash(clip.thumbs),
            video_path=clip.path,
            encoded=encoded,
            thumbs=clip.colour,
            keyframes=clip.keyframes,
            retimed=clip.retimed,
        )

    def _text_fraction(self, frames: list[np.ndarray]) -> float | None:
        """Share of ``text_samples`` frames, evenly spread over the clip, on which OCR reads text."""
        if self.settings.text_detector == "none" or not frames:
            return None
        n = min(self.settings.text_samples, len(frames))
        picks = [frames[int((k + 0.5) * len(frames) / n)] for k in range(n)]
        return sum(self.text_detector.has_text(f) for f in picks) / n

    def assess(self, c: ClipCandidate) -> tuple[list[str], str | None]:
        """(flags, drop reason): the filters a clip fails, and why it is dropped - in words,
        or None when every failing filter is score-only (or none fails)."""
        return assess(self.settings, c)

    def duplicate_of(self, phash: str, kept: dict[str, str]) -> str | None:
        """The id of a kept clip (from this batch or the table) that a clip with this pHash nearly repeats."""
        for clip_id, other in kept.items():
            if phash_distance(phash, other) <= self.settings.dedup_max_distance:
                return clip_id
        return None


@dataclass
class CurationEngines:
    curator: Curator
    embedder: Embedder
    captioner: Captioner
    max_similarity: float  # cosine similarity at or above which a clip is a semantic duplicate

    @classmethod
    def of(cls, engines: Engines) -> CurationEngines:
        """Curation's engines, as the asset and the Spark job's driver and workers build them."""
        return cls(engines["curator"], engines["embedder"], engines["captioner"], engines.settings["embedder"]["max_similarity"])


def build_curator(settings: dict) -> Curator:
    """The curator of CuratorResource's fields (lists become tuples: the settings are frozen)."""
    return Curator(CurationSettings(**{**settings, "score_only": tuple(settings.get("score_only", ()))}))
