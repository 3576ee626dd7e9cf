"""The curator: split footage into shots, score each shot, drop what is unusable or a repeat.

One decode pass does everything: PySceneDetect sees each frame as it is decoded, the open
clip's encoder and metric accumulators take the same frame, and a clip is closed (and
decided) at a cut or at the maximum clip length. Memory holds one clip's thumbnails, never
its frames.
"""
from __future__ import annotations

import collections
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import imagehash
import numpy as np
from PIL import Image
from scenedetect import AdaptiveDetector, ContentDetector
from scenedetect.common import FrameTimecode

from resources.curation.backends.captioners import Captioner
from resources.curation.backends.embedders import Embedder
from resources.engines import Engines
from resources.media.codec import iter_frames
from resources.media.encoder import EncodeQueue, H264Writer, output_rate

CURATOR_VERSION = "classical-4"  # 3: clips timed i / fps (issue 20); 4: a robot episode's cameras cut in aligned windows (issue 16)
_THUMB = 64  # side of the grey thumbnails kept per frame for motion and perceptual hashing
_COLOUR_THUMB = (48, 36)  # per-frame colour thumbnails for the weight-free embedder
_KEYFRAME_EVERY = 10  # every 10th analysis frame (256 px wide) is kept for model backends
FILTERS = ("motion", "sharpness", "exposure", "black_frames", "frozen")


@dataclass(frozen=True)
class CurationSettings:
    detector: str = "content"  # content | adaptive (PySceneDetect) | stride (fixed windows)
    cut_threshold: float = 27.0
    stride_s: float = 10.0  # window length in stride mode
    trim_frames: int = 1  # frames dropped on each side of a detected cut (blends, flashes)
    min_clip_s: float = 1.0
    max_clip_s: float = 10.0
    min_sharpness: float = 15.0  # variance of the Laplacian on a grey frame 256 px wide
    max_clipped_fraction: float = 0.5  # share of pixels crushed to black or blown to white
    min_brightness: float = 12.0
    max_brightness: float = 245.0
    min_motion: float = 0.0005  # mean |frame difference| / 255; below it a clip is static
    black_level: float = 8.0  # a frame whose mean brightness is below this is black
    max_black_fraction: float = 0.2
    frozen_epsilon: float = 0.0005  # a frame that differs from the previous by less is frozen
    max_frozen_fraction: float = 0.5
    score_only: tuple[str, ...] = ()  # filters that score and flag but do not drop
    dedup_max_distance: float = 4.0  # mean pHash Hamming distance (of 64 bits) for a near-duplicate
    crf: int = 23
    preset: str = "veryfast"


@dataclass
class ClipCandidate:
    clip_index: int
    start_frame: int
    end_frame: int  # exclusive
    start_s: float
    duration_s: float
    width: int
    height: int
    sharpness: float
    brightness: float
    clipped_fraction: float
    motion: float
    black_fraction: float
    frozen_fraction: float
    phash: str
    video_path: Path | None  # encoded H.264; None once dropped
    encoded: Future | None = None  # resolves when video_path is complete
    thumbs: list[np.ndarray] = field(default_factory=list, repr=False)  # colour, every frame
    keyframes: list[np.ndarray] = field(default_factory=list, repr=False)  # BGR, 256 px wide
    retimed: bool = False  # the source's timestamps were off and its frames were timed i / fps

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame


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
        unknown = set(self.settings.score_only) - set(FILTERS)
        if unknown:
            raise ValueError(f"score_only names unknown filters {sorted(unknown)}; filters are {list(FILTERS)}")

    def _detector(self, fps: float):
        s = self.settings
        min_len = max(2, round(0.25 * fps))
        if s.detector == "adaptive":
            return AdaptiveDetector(min_scene_len=min_len)
        if s.detector == "content":
            return ContentDetector(threshold=s.cut_threshold, min_scene_len=min_len)
        if s.detector == "stride":
            return None
        raise ValueError(f"unknown shot detector {s.detector!r} (content | adaptive | stride)")

    def split(self, video_path: Path, fps: float, work_dir: Path, vfr: bool = False, aligned: bool = False) -> Iterator[ClipCandidate]:
        """Yield every shot (or window of a long shot) as a scored candidate; its H.264 file
        is complete once ``candidate.encoded`` resolves. Constant-rate footage is timed
        ``i / fps`` (see iter_frames); variable-rate footage keeps its own times.

        ``aligned`` (a camera of a robot episode): fixed windows from frame 0, nothing trimmed,
        whatever the shot detector would say, so that every camera of the episode is cut at
        the same frames and a window is one time span across all of them."""
        fps = fps if fps > 0 else 25.0
        curator = Curator(replace(self.settings, detector="stride", trim_frames=0)) if aligned else self
        encoder = EncodeQueue()
        try:
            yield from curator._split(video_path, fps, work_dir, encoder, vfr)
        finally:
            encoder.shutdown()

    def _split(self, video_path: Path, fps: float, work_dir: Path, encoder: EncodeQueue, vfr: bool) -> Iterator[ClipCandidate]:
        s = self.settings
        rate = output_rate(fps)
        detector = self._detector(float(rate))
        window_s = min(s.max_clip_s, s.stride_s) if detector is None else s.max_clip_s
        max_frames = max(1, round(window_s * fps))
        state = {"clip": None, "index": 0, "vfr": vfr}
        # Frames wait in `held` before they join a clip, long enough that when a cut is
        # reported (the adaptive detector reports it a window late) the frames around it can
        # still be left out.
        hold = s.trim_frames + int(getattr(detector, "window_width", 0) or 0)
        held: collections.deque = collections.deque()
        skip_until = -1
        for frame in iter_frames(video_path, fps=None if vfr else float(rate), ordered=vfr):
            small = frame.small(256)
            cuts = detector.process_frame(FrameTimecode(frame.index, rate), small) if detector else []
            if frame.index >= skip_until:
                held.append((frame, small))
            if cuts:
                cut = cuts[-1].frame_num
                for item in [x for x in held if x[0].index < cut - s.trim_frames]:
                    yield from self._add(state, *item, fps, max_frames, work_dir, encoder)
                if state["clip"] is not None:
                    yield self._close(state, encoder)
                held = collections.deque(x for x in held if x[0].index >= cut + s.trim_frames)
                skip_until = cut + s.trim_frames
            while len(held) > hold:
                yield from self._add(state, *held.popleft(), fps, max_frames, work_dir, encoder)
        while held:
            yield from self._add(state, *held.popleft(), fps, max_frames, work_dir, encoder)
        if state["clip"] is not None:
            yield self._close(state, encoder)

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
        encoder.submit(clip.writer.write, frame.decoded, frame.time_s - clip.start_s if state["vfr"] else None)
        clip.frames += 1
        clip.retimed |= frame.retimed
        clip.last_index, clip.last_s = frame.index, frame.time_s
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        thumb = cv2.resize(grey, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA)
        clip.thumbs.append(thumb)
        clip.colour.append(cv2.resize(small, _COLOUR_THUMB, interpolation=cv2.INTER_AREA))
        if clip.frames % _KEYFRAME_EVERY == 1:
            clip.keyframes.append(small)
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
            phash=_clip_phash(clip.thumbs),
            video_path=clip.path,
            encoded=encoded,
            thumbs=clip.colour,
            keyframes=clip.keyframes,
            retimed=clip.retimed,
        )

    def assess(self, c: ClipCandidate) -> tuple[list[str], str | None]:
        """(flags, drop reason): the filters a clip fails, and why it is dropped - in words,
        or None when every failing filter is score-only (or none fails)."""
        s = self.settings
        if c.duration_s < s.min_clip_s or c.num_frames < 2:
            return ["length"], f"too short: {c.duration_s:.2f} s is under the {s.min_clip_s:.2f} s minimum"
        failures: list[tuple[str, str]] = []
        if c.brightness < s.min_brightness:
            failures.append(("exposure", f"too dark: mean brightness {c.brightness:.1f} < {s.min_brightness}"))
        elif c.brightness > s.max_brightness:
            failures.append(("exposure", f"too bright: mean brightness {c.brightness:.1f} > {s.max_brightness}"))
        elif c.clipped_fraction > s.max_clipped_fraction:
            failures.append(("exposure", f"badly exposed: {100 * c.clipped_fraction:.0f}% of pixels clipped (max {100 * s.max_clipped_fraction:.0f}%)"))
        if c.black_fraction > s.max_black_fraction:
            failures.append(("black_frames", f"black frames: {100 * c.black_fraction:.0f}% of frames are black (max {100 * s.max_black_fraction:.0f}%)"))
        if c.frozen_fraction > s.max_frozen_fraction:
            failures.append(("frozen", f"frozen: {100 * c.frozen_fraction:.0f}% of frames repeat the previous one (max {100 * s.max_frozen_fraction:.0f}%)"))
        if c.sharpness < s.min_sharpness:
            failures.append(("sharpness", f"blurry: sharpness {c.sharpness:.1f} < {s.min_sharpness}"))
        if c.motion < s.min_motion:
            failures.append(("motion", f"static: motion {c.motion:.5f} < {s.min_motion}"))
        flags = [name for name, _ in failures]
        dropping = [reason for name, reason in failures if name not in s.score_only]
        return flags, dropping[0] if dropping else None

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
