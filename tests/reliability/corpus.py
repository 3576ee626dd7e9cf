"""The bad-input corpus: footage broken in every way the tests could think of, generated on the
spot from the bundled clips. Each case names the outcome the factory must reach."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from resources.media.codec import iter_frames
from resources.media.encoder import H264Writer


@dataclass(frozen=True)
class Case:
    name: str
    rel: str  # where it lands, under the day's folder
    outcome: str  # ingested | rejected | deferred | duplicate
    reason_code: str | None = None  # for rejected


def _walkway(path: Path, vtest: Path, start: int, frames: int, fps: float = 10.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with H264Writer(path, 768, 576, fps) as w:
        for f in iter_frames(vtest, start, start + frames):
            w.write(f.decoded, f.time_s)
    return path


def _truncate(src: Path, dst: Path, fraction: float) -> None:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])


def _corrupt_middle(src: Path, dst: Path) -> None:
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(7)
    mid = len(data) // 2
    data[mid : mid + 4096] = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    dst.write_bytes(bytes(data))


def _audio_only(path: Path) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=16000)
        stream.layout = "mono"
        samples = (np.sin(np.arange(16000) / 10) * 3000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def _huge_dimensions(path: Path) -> None:
    # A raw YUV4MPEG stream declaring 100000x100000 frames (15 GB per frame) with a few bytes
    # of payload: a reader that trusted the header would try to allocate it.
    path.write_bytes(b"YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(1024))


def _unsupported_codec(path: Path, vtest: Path) -> None:
    # A valid AVI whose video codec tag names a codec no decoder knows.
    tmp = path.with_suffix(".tmp.avi")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        for i in range(10):
            img = np.full((48, 64, 3), i * 20, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    path.write_bytes(tmp.read_bytes().replace(b"MJPG", b"QQ9Z"))
    tmp.unlink()


def make_corpus(day_dir: Path, outside: Path, footage: dict[str, Path]) -> list[Case]:
    """Write every case under ``day_dir`` (and a file outside the zone for the link case)."""
    day_dir.mkdir(parents=True, exist_ok=True)
    good = _walkway(outside / "good.mp4", footage["vtest"], 0, 30)
    cases = []

    def add(name: str, rel: str, outcome: str, code: str | None = None) -> Path:
        cases.append(Case(name, rel, outcome, code))
        (day_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        return day_dir / rel

    add("zero-byte file", "empty.mp4", "rejected", "empty_file").write_bytes(b"")
    add("random bytes", "noise.mp4", "rejected", "unrecognised_format").write_bytes(np.random.default_rng(1).bytes(50_000))
    for pct in (10, 50, 90):
        _truncate(good, add(f"truncated at {pct}%", f"truncated_{pct}.mp4", "rejected", "truncated_container"), pct / 100)
    _corrupt_middle(good, add("corrupted frame in the middle", "corrupt_middle.mp4", "ingested"))
    _audio_only(add("audio only", "voice.wav", "rejected", "no_video_stream"))
    cv2.imwrite(str(add("still image", "photo.png", "rejected", "still_image")), np.full((48, 64, 3), 128, np.uint8))
    _walkway(add("one frame", "one_frame.mp4", "rejected", "too_few_frames"), footage["vtest"], 0, 1)
    # FFmpeg's own size check refuses this header before we see the stream.
    _huge_dimensions(add("huge declared dimensions", "huge.y4m", "rejected", "unrecognised_format"))
    _unsupported_codec(add("unsupported codec", "odd_codec.avi", "rejected", "unsupported_codec"), footage["vtest"])
    shutil.copy(footage["tree"], add("variable frame rate", "tree_vfr.avi", "ingested"))
    _walkway(add("spaces, unicode and '..' in the name", "night shift/straße ..clip.mp4", "ingested"), footage["vtest"], 60, 20)
    os.symlink(good, add("symlink outside the landing zone", "linked.mp4", "rejected", "outside_landing_zone"))
    # Megamind.avi itself was ingested on an earlier day (the test lands it first).
    shutil.copy(footage["megamind"], add("copy of an ingested file under another name", "copy of megamind.avi", "duplicate"))
    add("a text file named .mp4", "notes.mp4", "rejected", "text_file").write_text("camera 3 was offline from 02:00 to 04:00\n" * 20)
    add("still being written", "growing.mp4", "deferred").write_bytes(good.read_bytes()[:2048])
    return cases
