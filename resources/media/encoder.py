"""The video encoder: H.264 MP4 clips whose frames play back in time (PyAV's libx264)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av
import numpy as np

TIME_BASE = Fraction(1, 90000)  # MPEG's clock: exact for every common frame rate
# The libx264 bundled with PyAV (core 165) reads uninitialised memory in its macroblock-tree
# rate control (valgrind memcheck shows it), so the same frames encoded in different
# processes came out as different bytes. Without mbtree valgrind is clean and encodes repeat,
# which content-addressed blobs and resumable runs rely on. Costs a few % of bitrate.
X264_PARAMS = "mbtree=0"
T = TypeVar("T")


class H264Writer:
    """Writes frames to an H.264 MP4 with timestamps that play back in time.

    This is the one place a written video gets its timestamps: frame i is at ``i / fps`` on
    the 1/90000 clock, whatever order or times the source decoded with. A variable-frame-rate
    clip passes each frame's time instead (from 0, strictly increasing), and keeps it."""

    def __init__(self, path: str | Path, width: int, height: int, fps: float, crf: int = 23, preset: str = "veryfast"):
        self.path = str(path)
        # yuv420p needs even sizes: drop the odd last row/column rather than resample.
        self.width, self.height = width - width % 2, height - height % 2
        self._out = av.open(self.path, "w", format="mp4")
        self.rate = output_rate(fps)
        self._stream = self._out.add_stream("libx264", rate=self.rate)
        self._stream.width, self._stream.height = self.width, self.height
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = TIME_BASE
        self._stream.codec_context.time_base = TIME_BASE
        self._stream.options = {"crf": str(crf), "preset": preset, "x264-params": X264_PARAMS}
        # Frame threads, as many as x264 wants (like the ffmpeg CLI). PyAV's default here is
        # sliced threads, whose output was seen to differ between identical runs; x264's frame
        # threading is deterministic, so the same clip always encodes to the same bytes.
        self._stream.codec_context.thread_type = "FRAME"
        self._stream.codec_context.thread_count = 0
        self._ticks_per_frame = 1 / (self.rate * TIME_BASE)  # exact: 3003 at 30000/1001, 3753.75 at 2997/125
        self._last_pts = -1
        self.frames_written = 0
        self.error: Exception | None = None

    def write(self, image: np.ndarray | av.VideoFrame, time_s: float | None = None) -> None:
        """Encode one frame: a BGR array, or a decoded frame passed through without a BGR round
        trip. ``time_s`` only for variable-frame-rate clips; otherwise the frame's index sets it."""
        try:
            self._write(image, time_s)
        except Exception as exc:
            self.error = self.error or exc  # kept for close(), which must not pass off a broken file
            raise

    def _write(self, image: np.ndarray | av.VideoFrame, time_s: float | None) -> None:
        pts = round(self.frames_written * self._ticks_per_frame) if time_s is None else round(time_s / TIME_BASE)
        if pts <= self._last_pts:
            # Bumping it by a tick (as this writer once did) left frames 1/90000 s apart and
            # gaps after them, and B-frames then gave the muxer DTS that went backwards.
            raise ValueError(f"frame {self.frames_written} at {time_s:.6f} s is not after the frame before it")
        if isinstance(image, av.VideoFrame):
            frame = image
            if (frame.format.name, frame.width, frame.height) != ("yuv420p", self.width, self.height):
                frame = frame.reformat(width=self.width, height=self.height, format="yuv420p")
            # A decoded frame carries the source's picture type, and libx264 obeys it: let the
            # encoder choose its own I/P/B frames.
            frame.pict_type = 0
        else:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[: self.height, : self.width]), format="bgr24")
        frame.pts, frame.time_base = pts, TIME_BASE
        self._last_pts = pts
        self._out.mux(self._stream.encode(frame))
        self.frames_written += 1

    def close(self) -> None:
        try:
            if self.error is None:
                self._out.mux(self._stream.encode(None))
        finally:
            self._out.close()
        if self.error is not None:
            raise RuntimeError(f"encoding {self.path} failed: {self.error}") from self.error

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def output_rate(fps: float) -> Fraction:
    """The exact rate a clip is written at: 29.97003 (a float of 30000/1001) is 30000/1001, 23.976 is 2997/125."""
    return Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(25)


def write_h264(path: str | Path, frames: np.ndarray | list[np.ndarray], fps: float, times: list[float] | None = None) -> None:
    """Write a whole (short) sequence of frames in one call."""
    h, w = frames[0].shape[:2]
    with H264Writer(path, w, h, fps) as writer:
        for i, image in enumerate(frames):
            writer.write(image, None if times is None else times[i])


class EncodeQueue:
    """Runs encoder calls in order on one background thread, with a bounded backlog.

    Decoding and analysis go on in the caller's thread while x264 encodes (PyAV releases
    the GIL inside the codec), and the backlog bound keeps memory flat when the encoder is
    the slower side.
    """

    def __init__(self, max_pending: int = 16):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="h264")
        self._slots = threading.BoundedSemaphore(max_pending)

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        self._slots.acquire()
        future = self._pool.submit(fn, *args)
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
