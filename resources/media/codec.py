"""The video codec: probe footage and stream frames out of it (PyAV). Writing is encoder.py."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

# Demuxers FFmpeg uses for single pictures: a file opened through one of them is a still.
_IMAGE_DEMUXERS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif_pipe", "jpegxl_pipe"}
_IMAGE_MAGIC = {b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"BM": "BMP", b"GIF8": "GIF", b"RIFF": None}
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
    time_s: float  # presentation time: see iter_frames for where it comes from
    decoded: av.VideoFrame  # as the decoder gave it (usually YUV): convert only what you need
    retimed: bool = False  # the decoder's own time for it was missing or half a frame or more off
    motion_vectors: np.ndarray | None = None  # the codec's MOTION_VECTORS side data, when asked for and present

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


def iter_frames(
    path: str | Path, start: int = 0, stop: int | None = None, fps: float | None = None, ordered: bool = False,
    motion_vectors: bool = False,
) -> Iterator[Frame]:
    """Decode frames [start, stop) in presentation order; frames that carry no data (VFR
    padding) are skipped.

    With ``fps`` (constant-frame-rate footage) frame i is at ``t0 + i / fps``, t0 being the
    first frame's time: decoders report some sources' times in decode order (MPEG-4 in AVI
    with packed B-frames gives 1, 2, 3, 5, 4, 6, ... frames) or with jitter, and the declared
    rate is what the footage means. Without it the decoder's own times are kept; ``ordered``
    (variable-rate footage kept as such) demands they increase, and a frame that goes back
    in time, or has none, raises FootageError: the true timing cannot be recovered.

    ``motion_vectors`` asks the decoder to export each frame's motion vectors (motion.py);
    it decodes with slice threads, because frame threading drops B-frames' vectors at random."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if motion_vectors:
            stream.codec_context.flags2 |= av.codec.context.Flags2.export_mvs
            stream.thread_type = "SLICE"
        else:
            stream.thread_type = "AUTO"
        tb = stream.time_base
        period = 1 / fps if fps else None
        t0 = last = None
        for index, frame in enumerate(container.decode(stream)):
            if stop is not None and index >= stop:
                break
            source = float(frame.pts * tb) if frame.pts is not None else None
            if t0 is None:
                t0 = source or 0.0
            if period is not None:
                t = t0 + index * period
                retimed = source is None or abs(source - t) >= period / 2
            elif ordered and (source is None or (last is not None and source <= last)):
                when = "has no time" if source is None else f"at {source:.6f} s is not after the frame before it"
                raise FootageError(
                    "broken_timestamps",
                    f"variable-frame-rate footage whose frame {index} {when}: its true timing cannot be recovered",
                )
            else:
                t, retimed = (index / float(stream.average_rate or 1) if source is None else source), source is None
            last = t
            if index >= start:
                yield Frame(index, t, frame, retimed, _motion_vectors(frame) if motion_vectors else None)


def read_clip(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """A short clip's frames (TxHxWx3 BGR) and the time the decoder reports for each (NaN
    where it reports none), as they are: nothing retimed, so checks can judge them. Only for
    clips (bounded), never raw footage. No decodable frame raises FootageError."""
    images, times = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = stream.time_base
        for frame in container.decode(stream):
            images.append(frame.to_ndarray(format="bgr24"))
            times.append(float(frame.pts * tb) if frame.pts is not None else float("nan"))
    if not images:
        raise FootageError("undecodable", f"no frame of {Path(path).name} could be decoded")
    return np.stack(images), np.asarray(times)


def read_frames(path: str | Path) -> np.ndarray:
    """A short clip's frames as a TxHxWx3 array (see read_clip)."""
    return read_clip(path)[0]


def _motion_vectors(frame: av.VideoFrame) -> np.ndarray | None:
    side = frame.side_data.get(av.sidedata.sidedata.Type.MOTION_VECTORS)
    return side.to_ndarray() if side is not None else None
