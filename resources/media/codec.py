"""The video codec: probe footage, stream frames out of it, write H.264 MP4 clips (PyAV)."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av
import cv2
import numpy as np

# Demuxers FFmpeg uses for single pictures: a file opened through one of them is a still.
_IMAGE_DEMUXERS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif_pipe", "jpegxl_pipe"}
_IMAGE_MAGIC = {b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"BM": "BMP", b"GIF8": "GIF", b"RIFF": None}
TIME_BASE = Fraction(1, 90000)  # MPEG's clock: exact for every common frame rate
# The libx264 bundled with PyAV (core 165) reads uninitialised memory in its macroblock-tree
# rate control (valgrind memcheck shows it), so the same frames encoded in different
# processes came out as different bytes. Without mbtree valgrind is clean and encodes repeat,
# which content-addressed blobs and resumable runs rely on. Costs a few % of bitrate.
X264_PARAMS = "mbtree=0"
T = TypeVar("T")
# Limited-range (TV) 4:2:0 to full range, as tables for cv2.LUT.
_LUMA_FULL = np.clip((np.arange(256) - 16) * 255 / 219, 0, 255).astype(np.uint8)
_CHROMA_FULL = np.clip((np.arange(256) - 128) * 255 / 224 + 128, 0, 255).astype(np.uint8)


class FootageError(Exception):
    """Footage that cannot be used, with a machine code and a reason a person can read."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class VideoProbe:
    container: str
    codec: str
    width: int
    height: int
    fps: float
    frame_count: int  # frames that carry data (a VFR file's padding is not counted)
    duration_s: float
    is_vfr: bool


def _sniff(head: bytes) -> str | None:
    for magic, name in _IMAGE_MAGIC.items():
        if head.startswith(magic) and name:
            return f"image:{name}"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if all(ch.isprintable() or ch in "\r\n\t" for ch in text):
            return "text"
    return None


def probe(path: str | Path, min_frames: int = 2, max_bytes: int | None = None, max_pixels: int = 8192 * 8192) -> VideoProbe:
    """Probe a file with PyAV, or raise FootageError saying why it is not usable video."""
    size = os.path.getsize(path)
    if size == 0:
        raise FootageError("empty_file", "empty file (0 bytes)")
    if max_bytes is not None and size > max_bytes:
        raise FootageError("oversized", f"file is {size} bytes, over the {max_bytes}-byte limit")
    with open(path, "rb") as fh:
        kind = _sniff(fh.read(4096))
    if kind == "text":
        raise FootageError("text_file", "a text file, not video (its bytes are readable text)")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        if kind == "mp4":
            raise FootageError("truncated_container", f"MP4 is truncated or damaged: its index cannot be read ({exc.strerror})") from exc
        if kind and kind.startswith("image:"):
            raise FootageError("still_image", f"a damaged {kind[6:]} still image, not video") from exc
        raise FootageError("unrecognised_format", f"not a media container FFmpeg recognises ({exc.strerror})") from exc
    with container:
        if container.format.name in _IMAGE_DEMUXERS or (kind or "").startswith("image:"):
            raise FootageError("still_image", f"a still image ({container.format.name}), not video")
        if not container.streams.video:
            what = "audio only" if container.streams.audio else "no media streams"
            raise FootageError("no_video_stream", f"no video stream ({what})")
        stream = container.streams.video[0]
        if stream.codec_context is None:
            raise FootageError("unsupported_codec", "its video codec is not one this FFmpeg build can decode (unknown codec tag)")
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > max_pixels:
            raise FootageError("oversized_frame", f"declared frame size {width}x{height} is over the {max_pixels}-pixel limit")
        packets, decoded = 0, 0
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                packets += 1
                if decoded == 0:
                    decoded += len(packet.decode())
            if decoded == 0:
                decoded += len(stream.codec_context.decode(None))
        except av.FFmpegError as exc:
            raise FootageError("corrupt_stream", f"video stream breaks after {packets} packets ({exc.strerror})") from exc
        if decoded == 0:
            raise FootageError("undecodable", f"no frame of the {stream.codec_context.name} stream could be decoded")
        if packets < min_frames:
            raise FootageError("too_few_frames", f"only {packets} frame(s); footage needs at least {min_frames}")
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        if stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / av.time_base
        else:
            duration = packets / fps if fps else 0.0
        nominal = round(duration * fps) if fps else packets
        return VideoProbe(
            container=container.format.name,
            codec=stream.codec_context.name,
            width=width,
            height=height,
            fps=fps,
            frame_count=packets,
            duration_s=duration,
            is_vfr=nominal > 0 and abs(nominal - packets) > max(2, 0.05 * nominal),
        )


@dataclass(frozen=True)
class Frame:
    index: int  # position among the decoded frames
    time_s: float
    decoded: av.VideoFrame  # as the decoder gave it (usually YUV): convert only what you need

    @property
    def image(self) -> np.ndarray:
        """Full-size HxWx3 uint8 BGR (OpenCV's order)."""
        return self.decoded.to_ndarray(format="bgr24")

    def small(self, max_width: int) -> np.ndarray:
        """BGR at most max_width wide, for analysis. From a YUV 4:2:0 frame it is built by
        striding the planes (no scaler pass): cheap enough to run beside the H.264 encoder."""
        f = self.decoded
        if f.width <= max_width:
            return self.image
        if f.format.name not in ("yuv420p", "yuvj420p"):
            return f.reformat(width=max_width, height=max(2, round(f.height * max_width / f.width)), format="bgr24").to_ndarray()
        step = 2 * -(-f.width // (2 * max_width))  # even, so luma and chroma strides line up
        y = _plane(f, 0, f.height, f.width)[::step, ::step]
        u = _plane(f, 1, f.height // 2, f.width // 2)[:: step // 2, :: step // 2]
        v = _plane(f, 2, f.height // 2, f.width // 2)[:: step // 2, :: step // 2]
        h, w = min(y.shape[0], u.shape[0]), min(y.shape[1], u.shape[1])
        ycrcb = np.dstack([y[:h, :w], v[:h, :w], u[:h, :w]])
        if f.format.name == "yuv420p":  # limited range: stretch, so exposure metrics see true black and white
            ycrcb = cv2.merge([cv2.LUT(ycrcb[:, :, 0], _LUMA_FULL), cv2.LUT(ycrcb[:, :, 1], _CHROMA_FULL), cv2.LUT(ycrcb[:, :, 2], _CHROMA_FULL)])
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2BGR)


def _plane(frame: av.VideoFrame, index: int, height: int, width: int) -> np.ndarray:
    plane = frame.planes[index]
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height, :width]


def iter_frames(path: str | Path, start: int = 0, stop: int | None = None) -> Iterator[Frame]:
    """Decode frames [start, stop) in order; frames that carry no data (VFR padding) are skipped."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = stream.time_base
        for index, frame in enumerate(container.decode(stream)):
            if stop is not None and index >= stop:
                break
            if index >= start:
                t = float(frame.pts * tb) if frame.pts is not None else index / float(stream.average_rate or 1)
                yield Frame(index, t, frame)


def read_frames(path: str | Path) -> np.ndarray:
    """A short clip's frames as a TxHxWx3 array. Only for clips (bounded), never raw footage.
    A file with no decodable frame raises FootageError (not numpy's error for an empty stack)."""
    frames = [f.image for f in iter_frames(path)]
    if not frames:
        raise FootageError("undecodable", f"no frame of {Path(path).name} could be decoded")
    return np.stack(frames)


class H264Writer:
    """Writes BGR frames to an H.264 MP4, keeping their timestamps (VFR survives)."""

    def __init__(self, path: str | Path, width: int, height: int, fps: float, crf: int = 23, preset: str = "veryfast"):
        self.path = str(path)
        # yuv420p needs even sizes: drop the odd last row/column rather than resample.
        self.width, self.height = width - width % 2, height - height % 2
        self._out = av.open(self.path, "w", format="mp4")
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(25)
        self._stream = self._out.add_stream("libx264", rate=rate)
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
        self._frame_period = 1 / float(rate)
        self._last_pts = -1
        self.frames_written = 0
        self.error: Exception | None = None

    def write(self, image: np.ndarray | av.VideoFrame, time_s: float | None = None) -> None:
        """Encode one frame: a BGR array, or a decoded frame passed through without a BGR round trip."""
        try:
            self._write(image, time_s)
        except Exception as exc:
            self.error = self.error or exc  # kept for close(), which must not pass off a broken file
            raise

    def _write(self, image: np.ndarray | av.VideoFrame, time_s: float | None) -> None:
        if time_s is None:
            time_s = self.frames_written * self._frame_period
        pts = max(round(time_s / TIME_BASE), self._last_pts + 1)
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
