"""Curation on Spark against curation in process, on the same footage.

The same raw_footage (the bundled footage, ingested once) is curated three times, each into
its own copy of the lake, by the real curated_clips asset: in process, then as the Spark job
through Dagster Pipes on local[1] and on local[2]. The three tables must be identical. Each
throughput is frames of footage per second of wall-clock time, end to end (for Spark: the
Pipes launch, the JVM and session start, reading the inputs, the parallel scan, the driver's
dedup and commits); ``job_only`` leaves out the Pipes launch and the session start.

    python bench/spark_vs_inprocess.py [--copies N] [--repeats N] [--standalone]

``--copies N`` lands N differently encoded copies of each file (more work per run, same kind).
``--standalone`` adds a run on a real Spark standalone cluster on 127.0.0.1 - a master and two
workers of one core, each its own JVM (tests/spark_cluster.py) - and its ratio to in process.
Prints one line per run, then one JSON object on the last line.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# The day the bench lands its footage under: the daily partitions must reach back to it.
os.environ.setdefault("FACTORY_FIRST_DAY", "2026-11-20")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dagster as dg  # noqa: E402

from assets.curated_clips import curated_clips  # noqa: E402
from assets.raw_footage import raw_footage  # noqa: E402
from dagster_project.resources import resources_for  # noqa: E402
from resources.lake import Lake  # noqa: E402
from resources.media.codec import iter_frames, probe  # noqa: E402
from resources.media.encoder import H264Writer

DAY = "2026-11-20"
BUNDLED = sorted(p for p in (Path(__file__).resolve().parent.parent / "tests" / "data" / "footage").iterdir() if p.suffix in (".mp4", ".avi"))


def land(landing: Path, copies: int) -> None:
    landing.mkdir(parents=True)
    for path in BUNDLED:
        shutil.copy(path, landing / path.name)
        info = probe(path)
        for i in range(1, copies):  # another encoding of the same frames: new bytes, same work
            with H264Writer(landing / f"{path.stem}_copy{i}.mp4", info.width, info.height, info.fps, crf=23 + 3 * i) as w:
                # Constant-rate footage at its declared rate: MPEG-4 in AVI reports decode-order
                # times, which the writer refuses as going back (as bench/scale.py does).
                for f in iter_frames(path, fps=None if info.is_vfr else info.fps, ordered=info.is_vfr):
                    w.write(f.decoded, f.time_s)


def resources(lake_root: Path, landing: Path) -> dict:
    return resources_for("local", lake={"root": str(lake_root)}, landing={"path": str(landing), "settle_s": 0}, simulator={"scenes": 0, "episodes": 0})


def curate(template: Path, work: Path, name: str, landing: Path, run_config: dict | None) -> tuple[float, dict, list[dict]]:
    lake_root = work / name
    shutil.rmtree(lake_root, ignore_errors=True)
    shutil.copytree(template, lake_root)
    start = time.perf_counter()
    result = dg.materialize([curated_clips], resources=resources(lake_root, landing), partition_key=DAY, run_config=run_config)
    seconds = time.perf_counter() - start
    assert result.success, name
    (event,) = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    rows = sorted(Lake(str(lake_root)).read("curated_clips").to_pylist(), key=lambda r: r["clip_id"])
    return seconds, metadata, rows


def main(copies: int, repeats: int, standalone: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        landing = work / "landing"
        land(landing / DAY, copies)
        template = work / "template"
        assert dg.materialize([raw_footage], resources=resources(template, landing), partition_key=DAY).success
        raw = Lake(str(template)).read("raw_footage").to_pylist()
        frames = sum(r["frame_count"] for r in raw)
        runs = {
            "inprocess": None,
            "spark_local1": {"resources": {"executor": {"config": {"mode": "local_spark", "spark_master": "local[1]"}}}},
            "spark_local2": {"resources": {"executor": {"config": {"mode": "local_spark", "spark_master": "local[2]"}}}},
        }
        if standalone:
            from tests.spark_cluster import standalone_cluster

            master, _ = stack.enter_context(standalone_cluster(work / "cluster", workers=2, cores=1))
            runs["spark_standalone"] = {"resources": {"executor": {"config": {"mode": "local_spark", "spark_master": master}}}}
        wall: dict[str, list[float]] = {name: [] for name in runs}
        job: dict[str, list[float]] = {name: [] for name in runs}
        tables = {}
        for _ in range(repeats):
            for name, config in runs.items():  # interleaved, so load on the machine hits all alike
                seconds, md, rows = curate(template, work, name, landing, config)
                wall[name].append(seconds)
                job[name].append(md.get("spark_job_s", seconds))
                tables[name] = rows
                print(f"{name:<13} {frames} frames in {seconds:6.1f} s  ({frames / seconds:6.1f} fps end to end"
                      + (f", {frames / md['spark_job_s']:6.1f} fps in the job, session start {md['spark_session_start_s']} s)" if "spark_job_s" in md else ")"),
                      flush=True)
        identical = all(rows == tables["inprocess"] for rows in tables.values())
        fps = {name: frames / statistics.median(wall[name]) for name in runs}
        fps_job = {name: frames / statistics.median(job[name]) for name in runs}
    return {
        "bench": "spark_vs_inprocess",
        "stage": "curated_clips",
        "footage": len(raw),
        "frames": frames,
        "cores_on_machine": os.cpu_count(),
        "repeats": repeats,
        "inprocess_fps": round(fps["inprocess"], 1),
        "spark_local1_fps": round(fps["spark_local1"], 1),
        "spark_local2_fps": round(fps["spark_local2"], 1),
        # The ratios asked for: Spark (local[2]) throughput / in-process throughput, and local[2] / local[1].
        "spark_over_inprocess": round(fps["spark_local2"] / fps["inprocess"], 3),
        "scaling_local1_to_local2": round(fps["spark_local2"] / fps["spark_local1"], 3),
        # The same without the Pipes launch and Spark session start (the job's own time).
        "spark_over_inprocess_job_only": round(fps_job["spark_local2"] / fps["inprocess"], 3),
        "scaling_local1_to_local2_job_only": round(fps_job["spark_local2"] / fps_job["spark_local1"], 3),
        "tables_identical": identical,
        **({
            "spark_standalone_fps": round(fps["spark_standalone"], 1),
            "standalone_over_inprocess": round(fps["spark_standalone"] / fps["inprocess"], 3),
            "standalone_over_inprocess_job_only": round(fps_job["spark_standalone"] / fps["inprocess"], 3),
        } if standalone else {}),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--standalone", action="store_true")
    args = parser.parse_args()
    print(json.dumps(main(args.copies, args.repeats, args.standalone)))
