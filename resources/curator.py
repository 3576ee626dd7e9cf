"""The curator: split footage into shots, score each shot, drop what is unusable or a repeat.

One decode pass does everything: PySceneDetect sees each frame as it is decoded, the open
clip's encoder and metric accumulators take the same frame, and a clip is closed (and
decided) at a cut or at the maximum clip length. Memory holds one clip's thumbnails, never
its frames.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import imagehash
import numpy as np
from PIL import Image
from scenedetect import AdaptiveDetector, ContentDetector
from scenedetect.common import FrameTimecode

from resources.video import EncodeQueue, H264Writer, iter_frames

CURATOR_VERSION = "classical-1"
_THUMB = 64  # side of the grey thumbnails kept per frame for motion and perceptual hashing


@dataclass(frozen=True)
class CurationSettings:
    detector: str = "content"  # content | adaptive
    cut_threshold: float = 27.0
    min_clip_s: float = 1.0
    max_clip_s: float = 10.0
    min_sharpness: float = 15.0  # variance of the Laplacian on a grey frame 256 px wide
    max_clipped_fraction: float = 0.5  # share of pixels crushed to black or blown to white
    min_brightness: float = 12.0
    max_brightness: float = 245.0
    min_motion: float = 0.0005  # mean |frame difference| / 255; below it a clip is static
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
    phash: str
    video_path: Path | None  # encoded H.264; None once dropped
    encoded: Future | None = None  # resolves when video_path is complete
    status: str = "kept"
    drop_reason: str | None = None
    duplicate_of: int | str | None = None

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame


@dataclass
class _OpenClip:
    start_frame: int
    start_s: float
    writer: H264Writer
    path: Path
    last_s: float = 0.0
    frames: int = 0
    sharpness: list[float] = field(default_factory=list)
    brightness: list[float] = field(default_factory=list)
    clipped: list[float] = field(default_factory=list)
    motion: list[float] = field(default_factory=list)
    thumbs: list[np.ndarray] = field(default_factory=list)


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

    def _detector(self, fps: float):
        s = self.settings
        min_len = max(2, round(0.25 * fps))
        if s.detector == "adaptive":
            return AdaptiveDetector(min_scene_len=min_len)
        if s.detector == "content":
            return ContentDetector(threshold=s.cut_threshold, min_scene_len=min_len)
        raise ValueError(f"unknown shot detector {s.detector!r} (content | adaptive)")

    def split(self, video_path: Path, fps: float, work_dir: Path) -> Iterator[ClipCandidate]:
        """Yield every shot (or window of a long shot) as a scored candidate; its H.264 file
        is complete once ``candidate.encoded`` resolves."""
        fps = fps if fps > 0 else 25.0
        encoder = EncodeQueue()
        try:
            yield from self._split(video_path, fps, work_dir, encoder)
        finally:
            encoder.shutdown()

    def _split(self, video_path: Path, fps: float, work_dir: Path, encoder: EncodeQueue) -> Iterator[ClipCandidate]:
        s = self.settings
        rate = Fraction(fps).limit_denominator(1001)
        detector = self._detector(float(rate))
        max_frames = max(1, round(s.max_clip_s * fps))
        clip: _OpenClip | None = None
        index = 0
        prev_thumb: np.ndarray | None = None
        for frame in iter_frames(video_path):
            small = frame.small(256)
            cuts = detector.process_frame(FrameTimecode(frame.index, rate), small)
            if clip is not None and (cuts or clip.frames >= max_frames):
                yield self._close(clip, index, frame.index, encoder)
                index += 1
                clip = None
                prev_thumb = None
            if clip is None:
                w, h = frame.decoded.width, frame.decoded.height
                path = Path(tempfile.mkstemp(suffix=".mp4", dir=work_dir)[1])
                clip = _OpenClip(frame.index, frame.time_s, H264Writer(path, w, h, fps, s.crf, s.preset), path)
            encoder.submit(clip.writer.write, frame.decoded, frame.time_s - clip.start_s)
            clip.frames += 1
            clip.last_s = frame.time_s
            grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
            thumb = cv2.resize(grey, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA)
            clip.thumbs.append(thumb)
            clip.brightness.append(float(grey.mean()))
            clip.clipped.append(float(np.count_nonzero((grey <= 4) | (grey >= 251)) / grey.size))
            if clip.frames % 3 == 1:
                clip.sharpness.append(float(cv2.Laplacian(grey, cv2.CV_32F).var()))
            if prev_thumb is not None:
                clip.motion.append(float(cv2.absdiff(thumb, prev_thumb).mean()) / 255.0)
            prev_thumb = thumb
        if clip is not None:
            yield self._close(clip, index, clip.start_frame + clip.frames, encoder)

    def _close(self, clip: _OpenClip, index: int, end_frame: int, encoder: EncodeQueue) -> ClipCandidate:
        # The close runs after every write of this clip (one worker, in order); if a write
        # failed, the writer is broken and close raises, so the future carries the failure.
        encoded = encoder.submit(clip.writer.close)
        period = (clip.last_s - clip.start_s) / max(1, clip.frames - 1) if clip.frames > 1 else 0.0
        return ClipCandidate(
            clip_index=index,
            start_frame=clip.start_frame,
            end_frame=end_frame,
            start_s=clip.start_s,
            duration_s=clip.last_s - clip.start_s + period,
            width=clip.writer.width,
            height=clip.writer.height,
            sharpness=float(np.mean(clip.sharpness)),
            brightness=float(np.mean(clip.brightness)),
            clipped_fraction=float(np.mean(clip.clipped)),
            motion=float(np.mean(clip.motion)) if clip.motion else 0.0,
            phash=_clip_phash(clip.thumbs),
            video_path=clip.path,
            encoded=encoded,
        )

    def filter_reason(self, c: ClipCandidate) -> str | None:
        """Why a clip fails the quality filters, in words; None when it passes."""
        s = self.settings
        if c.duration_s < s.min_clip_s or c.num_frames < 2:
            return f"too short: {c.duration_s:.2f} s is under the {s.min_clip_s:.2f} s minimum"
        if c.brightness < s.min_brightness:
            return f"too dark: mean brightness {c.brightness:.1f} < {s.min_brightness}"
        if c.brightness > s.max_brightness:
            return f"too bright: mean brightness {c.brightness:.1f} > {s.max_brightness}"
        if c.clipped_fraction > s.max_clipped_fraction:
            return f"badly exposed: {100 * c.clipped_fraction:.0f}% of pixels clipped (max {100 * s.max_clipped_fraction:.0f}%)"
        if c.sharpness < s.min_sharpness:
            return f"blurry: sharpness {c.sharpness:.1f} < {s.min_sharpness}"
        if c.motion < s.min_motion:
            return f"static or frozen: motion {c.motion:.5f} < {s.min_motion}"
        return None

    def duplicate_of(self, c: ClipCandidate, kept: dict[str, str]) -> str | None:
        """The id of a kept clip (from this batch or the table) this one nearly repeats."""
        for clip_id, other in kept.items():
            if phash_distance(c.phash, other) <= self.settings.dedup_max_distance:
                return clip_id
        return None
