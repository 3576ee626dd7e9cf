"""Curation throughput against a plain ffmpeg H.264 transcode of the same footage.

Both sides decode the same files and encode H.264 with the same x264 settings (preset, crf,
x264 params, yuv420p, frames passed through so VFR footage is not padded). Curation also
detects shots, runs every CPU filter (sharpness, exposure, motion, black and frozen frames),
hashes, embeds and captions each clip, dedups, and stores kept clips in a temporary lake. The two are interleaved, repeated, and the median of each is taken.

The learned models are measured on and off: ``classical`` is PySceneDetect with no motion
vectors and no OCR, each model is then added alone (TransNetV2 splitting, codec motion
vectors, RapidOCR), and ``all`` is the default curator with every one of them on; ``ratio``
is that of ``all``.

    python bench/curate_vs_transcode.py [FILE ...]     # default: the bundled footage

Prints one line per file, then one JSON object on the last line.
"""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resources.curation.backends.captioners import TemplateCaptioner  # noqa: E402
from resources.curation.backends.embedders import DescriptorEmbedder  # noqa: E402
from resources.curation.dedup import KeptIndex  # noqa: E402
from resources.curation.engine import CurationEngines, CurationSettings, Curator  # noqa: E402
from resources.curation.stage import curate_footage  # noqa: E402
from resources.lake import Lake  # noqa: E402
from resources.media.codec import probe  # noqa: E402
from resources.media.encoder import X264_PARAMS  # noqa: E402
from resources.sources.ingest import IngestSettings, ingest_file  # noqa: E402

REPEATS = 2
CLASSICAL = {"detector": "content", "motion_vectors": "off", "text_detector": "none"}
CONFIGS = {
    "classical": CLASSICAL,
    "transnetv2": {**CLASSICAL, "detector": "transnetv2"},
    "motion_vectors": {**CLASSICAL, "motion_vectors": "score"},
    "ocr": {**CLASSICAL, "text_detector": "rapidocr"},
    "all": {"detector": "transnetv2", "motion_vectors": "score", "text_detector": "rapidocr"},
}
BUNDLED = sorted(p for p in (Path(__file__).resolve().parent.parent / "tests" / "data" / "footage").iterdir() if p.is_file())


def ffmpeg_seconds(path: Path, settings: CurationSettings, out_dir: Path) -> float:
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(path), "-map", "0:v:0", "-an",
        "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf), "-x264-params", X264_PARAMS, "-pix_fmt", "yuv420p",
        "-fps_mode", "passthrough", str(out_dir / "ffmpeg.mp4"),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def curate_seconds(path: Path, curator: Curator, work: Path) -> tuple[float, int]:
    lake = Lake(str(work / f"lake-{time.monotonic_ns()}"))
    footage, _ = ingest_file(lake, path, path.name, set(), IngestSettings())
    start = time.perf_counter()
    engines = CurationEngines(curator, DescriptorEmbedder(), TemplateCaptioner(), max_similarity=0.995)
    rows = curate_footage(lake, engines, footage, KeptIndex())
    elapsed = time.perf_counter() - start
    shutil.rmtree(lake.root)
    return elapsed, len(rows)


def measure(paths: list[Path], settings: CurationSettings, work: Path, label: str) -> dict:
    curator = Curator(settings)
    curate_seconds(paths[0], curator, work)  # loads the models once, as a long-running worker has them
    total_frames, ours, theirs = 0, 0.0, 0.0
    for path in paths:
        frames = probe(path).frame_count
        runs_ff, runs_cur = [], []
        for _ in range(REPEATS):
            runs_ff.append(ffmpeg_seconds(path, settings, work))
            seconds, clips = curate_seconds(path, curator, work)
            runs_cur.append(seconds)
        ff, cur = statistics.median(runs_ff), statistics.median(runs_cur)
        total_frames += frames
        ours += cur
        theirs += ff
        print(f"{label:<15} {path.name:<26} {frames:>5} frames  curate {frames / cur:7.1f} fps ({clips} clips)  "
              f"ffmpeg {frames / ff:7.1f} fps  ratio {ff / cur:.2f}", flush=True)
    return {"ratio": round(theirs / ours, 3), "curate_fps": round(total_frames / ours, 1), "ffmpeg_fps": round(total_frames / theirs, 1),
            "frames": total_frames}


def main(paths: list[Path]) -> dict:
    if not shutil.which("ffmpeg"):
        raise SystemExit("ffmpeg is not installed (make bench installs it)")
    settings = CurationSettings()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        runs = {label: measure(paths, replace(settings, **config), Path(tmp), label) for label, config in CONFIGS.items()}
    result = {
        "bench": "curate_vs_transcode",
        "ratio": runs["all"]["ratio"],
        "ratio_by_models": {label: run["ratio"] for label, run in runs.items()},
        "curate_fps_by_models": {label: run["curate_fps"] for label, run in runs.items()},
        "curate_fps": runs["all"]["curate_fps"],
        "ffmpeg_fps": runs["all"]["ffmpeg_fps"],
        "frames": runs["all"]["frames"],
        "files": [p.name for p in paths],
        "x264": {"preset": settings.preset, "crf": settings.crf, "params": X264_PARAMS},
        "repeats": REPEATS,
        "target": 0.7,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or BUNDLED)
