"""How the factory's cost grows with the work: the whole DAG (factory_job, in process) on 1x, 4x
and 16x footage in one day, a nightly run that adds one file to an empty lake and to the 16x
lake, lineage ``trace`` latency at 1x and 16x, and the factory against plain ffmpeg doing the
decode and encode passes the factory makes.

    python bench/scale.py [--scales 1,4,16] [--keep DIR]

With ``--keep DIR`` the lakes stay in DIR, and a scale already measured there is not run again.

Footage at Nx, none of it a copy that dedup would drop:
- real: each bundled file (tests/data/footage) under N of 16 geometric variants - the four
  flips (none, horizontal, vertical, both) times four windows (the whole frame, the left and
  right 80 %, the centre 70 %) - re-encoded with the factory's own H.264 writer before the clock
  starts. A flip or another window is other pixels to pHash and to the embedder;
- simulated: N times the default scenes (2) and robot episodes (3).

Each scale runs in a fresh subprocess (so peak RSS is that run's). Per stage (a Dagster step),
from the run's own event log: seconds, seconds per input frame, peak RSS (sampled every 50 ms
while the step ran), Delta commit time (``Lake.merge``, timed around the real call) and data
files written, RSS when the step began (what earlier steps left), and the 16x/1x ratio of each.
The ffmpeg baseline runs, with the ffmpeg binary, one pass per pass the factory makes over each
video: decode + encode (libx264, the factory's preset and CRF) of every landed file, every
simulated video and every variant, a decode of every evaluated and every tokenized sample's
video. It is timed per stage too (``ffmpeg_passes_over_stage``: how close each stage comes to
its own codec work). It encodes whole landed files where the factory encodes only the kept
clips, so if anything it flatters the factory.

The nightly runs add the same new file to both lakes under a scenario spec with no coverage
targets, so both do the same work on it: with the default spec the planner fills the whole
lake's coverage gaps on the day's clips, and put 29 variants on the new file's 2 clips on the 4x
lake against none on the empty one (measured 2026-12-03), which is work, not overhead. What
still differs is what must read the lake: dedup against every kept clip, the coverage report.
Read them with ``nightly_stages`` and the rows each run made.

``trace`` is timed twice: right after each run, in its process (``trace_ms_right_after_each_run``),
and, for the ratio, on every scale's lake side by side in one process after all runs
(``trace_ms``), so the 1x and 16x figures share the machine's state.

Prints one line per scale, then one JSON object on the last line.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DAY, NEXT_DAY = "2026-11-20", "2026-11-21"
FOOTAGE = sorted(p for p in (REPO / "tests" / "data" / "footage").iterdir() if p.suffix in (".mp4", ".avi"))
FLIPS = ("none", "h", "v", "hv")
WINDOWS = ((0.0, 1.0), (0.0, 0.8), (0.2, 1.0), (0.15, 0.85))  # horizontal [start, end) of the frame kept
GOALS = {
    "per_frame_ratio_16x_over_1x": "<= 1.15", "rss_ratio_16x_over_1x": "<= 1.2", "nightly_lake_16x_over_empty": "<= 1.2",
    "trace_ratio_16x_over_1x": "<= 2", "factory_over_ffmpeg_passes": ">= 0.5",
}


def variant_footage(src: Path, dst: Path, index: int, rows: float = 1.0) -> None:
    """Variant ``index`` (0 = the file as it is) of ``src``: a flip and a window (and the top
    ``rows`` of the frame), re-encoded."""
    if index == 0 and rows == 1.0:
        shutil.copy(src, dst / src.name)
        return
    import numpy as np

    from resources.media.codec import iter_frames, probe
    from resources.media.encoder import H264Writer

    flip, (x0, x1) = FLIPS[index % 4], WINDOWS[index // 4]
    info = probe(src)
    left, right, bottom = int(info.width * x0) // 2 * 2, int(info.width * x1) // 2 * 2, int(info.height * rows) // 2 * 2
    with H264Writer(dst / f"{src.stem}_v{index}_r{rows}.mp4", right - left, bottom, info.fps) as writer:
        # Constant-rate footage at its declared rate (MPEG-4 in AVI reports decode-order times).
        for frame in iter_frames(src, fps=None if info.is_vfr else info.fps, ordered=info.is_vfr):
            pixels = frame.image[:bottom, left:right]
            pixels = pixels[:, ::-1] if "h" in flip else pixels
            pixels = pixels[::-1] if "v" in flip else pixels
            writer.write(np.ascontiguousarray(pixels), frame.time_s)


def ffmpeg_exe() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


# -- one scale, in its own process ------------------------------------------------------------------
def child(scale: int, work: Path, nightly: bool) -> dict:
    import resource
    import threading
    import time

    landing, lake_root = work / "landing", work / "lake"
    day = NEXT_DAY if nightly else DAY
    (landing / day).mkdir(parents=True, exist_ok=True)
    if nightly:  # one new file that no scale lands: the walkway's top 75 %, flipped both ways
        variant_footage(FOOTAGE[-1], landing / day, 3, rows=0.75)
        scenes = episodes = 0
        spec = work / "nightly-spec.yaml"  # the same work on both lakes (module docstring)
        spec.write_text("name: nightly-bench\ntargets: []\n")
        os.environ["FACTORY_SCENARIO_SPEC"] = str(spec)
    else:
        for src in FOOTAGE:
            for i in range(scale):
                variant_footage(src, landing / day, i)
        scenes, episodes = 2 * scale, 3 * scale
    os.environ.update({
        "FACTORY_LAKE_ROOT": str(lake_root), "FACTORY_LANDING_DIR": str(landing), "DAGSTER_HOME": str(work / "home"),
        "FACTORY_FIRST_DAY": DAY, "FACTORY_SIMULATOR_SCENES": str(scenes), "FACTORY_SIMULATOR_EPISODES": str(episodes),
    })
    (work / "home").mkdir(exist_ok=True)
    import dagster as dg

    from dagster_project.definitions import defs
    from resources.lake import Lake, lake as lake_module

    commits: list[tuple[float, float, str]] = []
    real_merge = lake_module.Lake.merge

    def timed_merge(self, name, rows, update_existing=False):  # the real commit, timed
        start = time.perf_counter()
        try:
            return real_merge(self, name, rows, update_existing)
        finally:
            commits.append((start, time.perf_counter(), name))

    lake_module.Lake.merge = timed_merge
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample_rss() -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not done.is_set():
            with open("/proc/self/statm") as f:
                samples.append((time.perf_counter(), int(f.read().split()[1]) * page))
            done.wait(0.05)

    tables = lake_root / "tables"
    files_before = {p for p in tables.rglob("*.parquet")} if tables.exists() else set()
    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    instance = dg.DagsterInstance.get()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    wall0, clock0 = time.time(), time.perf_counter()
    result = defs.resolve_job_def("factory_job").execute_in_process(run_config=quiet, instance=instance, partition_key=day, raise_on_error=False)
    total_s = time.perf_counter() - clock0
    done.set()
    sampler.join()
    lake_module.Lake.merge = real_merge
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise SystemExit(f"factory_job failed at {scale}x in {failed}")
    # Step windows from the run's own event log, on the perf_counter clock.
    windows: dict[str, list[float]] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        at = clock0 + (entry.timestamp - wall0)
        if event.event_type_value == "STEP_START":
            windows[event.step_key] = [at, at]
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in windows:
            windows[event.step_key][1] = at
    lake = Lake(str(lake_root))
    frames = sum(lake.read("raw_footage", ["frame_count"], partition=day).column("frame_count").to_pylist())
    written: dict[str, int] = {}
    for p in set(tables.rglob("*.parquet")) - files_before:
        table = p.relative_to(tables).parts[0]
        written[table] = written.get(table, 0) + 1
    stages = {}
    for step, (start, end) in sorted(windows.items(), key=lambda kv: kv[1][0]):
        rss = [r for t, r in samples if start <= t <= end]
        commit_s = sum(b - a for a, b, _ in commits if start <= a <= end)
        stages[step] = {
            "s": round(end - start, 3), "s_per_frame": round((end - start) / frames, 6), "peak_rss_mb": round(max(rss, default=0) / 2**20),
            # What the process held when the step began: memory an earlier step kept, not this one's.
            "rss_at_start_mb": round(rss[0] / 2**20) if rss else 0,
            "commit_s": round(commit_s, 3),
        }
    out = {
        "scale": scale, "nightly": nightly, "input_frames": frames, "total_s": round(total_s, 2), "s_per_frame": round(total_s / frames, 6),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "commit_s": round(sum(b - a for a, b, _ in commits), 3),
        "data_files_written": written, "stages": stages,
        "rows": {t: lake.row_count(t, day) for t in ("curated_clips", "transferred_variants", "evaluated_samples", "tokenized_shards")},
        "clips_dropped_as_duplicates": len([r for r in lake.read("curated_clips", ["drop_reason"], partition=day).column("drop_reason").to_pylist()
                                            if r and "duplicate" in r]),
    }
    if not nightly:
        out["trace_ms"] = trace_latency(lake)
        out["ffmpeg_by_stage_s"] = ffmpeg_passes_by_stage(lake, landing / day, day, work / "ffmpeg")
        out["ffmpeg_passes_s"] = round(sum(out["ffmpeg_by_stage_s"].values()), 2)
        out["factory_over_ffmpeg_passes"] = round(out["ffmpeg_passes_s"] / total_s, 3)
    return out


def trace_latency(lake, n: int = 20) -> float:
    """Median milliseconds of ``trace`` from a token row back to its footage, over ``n`` rows."""
    import random
    import statistics
    import time

    from resources.lake.row_lineage import trace

    ids = sorted(lake.keys("tokenized_shards"))
    times = []
    for token in random.Random(7).sample(ids, min(n, len(ids))):
        start = time.perf_counter()
        chain = trace(lake, token)
        times.append(time.perf_counter() - start)
        assert "footage" in chain, chain
    return round(statistics.median(times) * 1000, 1)


def trace_side_by_side(lakes: dict[str, Path], rounds: int = 5) -> dict[str, float]:
    """``trace`` on every scale's lake in one process, the lakes taken in turn for ``rounds``
    rounds, each lake's median kept: the same conditions for the 1x and the 16x figure. (The
    figure each run takes right after its job shares the machine's state with that job: 24 and
    47 ms on the same 1x lake in two runs.) One untimed trace per lake first: imports and caches."""
    import statistics

    from resources.lake import Lake

    opened = {tag: Lake(str(path)) for tag, path in lakes.items()}
    for lake in opened.values():
        trace_latency(lake, n=1)
    seen: dict[str, list[float]] = {tag: [] for tag in opened}
    for _ in range(rounds):
        for tag, lake in opened.items():
            seen[tag].append(trace_latency(lake))
    return {tag: round(statistics.median(ms), 1) for tag, ms in seen.items()}


def ffmpeg_passes_by_stage(lake, landed: Path, day: str, scratch: Path) -> dict[str, float]:
    """The same passes, timed apart by the stage that makes each: ingest encodes the simulated
    footage, curation decodes and encodes the landed files, transfer decodes and encodes each
    variant, evaluation and tokenization decode each sample they read."""
    import time

    scratch.mkdir(exist_ok=True)
    exe = ffmpeg_exe()
    encode = ["-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-y"]
    raw = lake.read("raw_footage", ["source_kind", "blob_key"], partition=day).to_pylist()
    real = sorted(landed.iterdir())
    sims = [r["blob_key"] for r in raw if r["source_kind"] == "sim" and r["blob_key"]]
    samples = lake.read("evaluated_samples", ["sample_id", "sample_kind", "variant_id", "clip_id", "passed"], partition=day).to_pylist()
    variant_blobs = dict(zip(*lake.read("transferred_variants", ["variant_id", "blob_key"], partition=day).to_pydict().values()))
    clip_blobs = dict(zip(*lake.read("curated_clips", ["clip_id", "blob_key"], partition=day).to_pydict().values()))
    sample_blob = {s["sample_id"]: variant_blobs.get(s["variant_id"]) or clip_blobs.get(s["clip_id"]) for s in samples}
    tokenized = lake.read("tokenized_shards", ["sample_id"], partition=day).column("sample_id").to_pylist()
    seconds: dict[str, float] = {}

    def timed(stage: str, args: list[str]) -> None:
        start = time.perf_counter()
        subprocess.run([exe, "-nostdin", "-v", "error", *args], check=True)
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - start

    for i, path in enumerate(real):
        timed("curated_clips", ["-i", str(path), *encode, str(scratch / f"f{i}.mp4")])
    for stage, kind, keys in (("raw_footage", "sim", sims), ("transferred_variants", "variant", list(variant_blobs.values()))):
        for i, key in enumerate(k for k in keys if k):
            with lake.blobs.local_path(key) as path:
                timed(stage, ["-i", str(path), *encode, str(scratch / f"{kind}{i}.mp4")])
    reads = [("evaluated_samples", sample_blob[s["sample_id"]]) for s in samples] + [("tokenized_shards", sample_blob.get(t)) for t in tokenized]
    for stage, key in reads:
        if key:
            with lake.blobs.local_path(key) as path:
                timed(stage, ["-i", str(path), "-f", "null", "-"])
    return {stage: round(s, 2) for stage, s in seconds.items()}


# -- the driver ------------------------------------------------------------------------------------
def stage_ratios(lo: dict, hi: dict) -> dict:
    """Per asset step, the biggest scale's figure over the smallest's: seconds per input frame,
    peak RSS, commit seconds, and data files written to the step's own table."""
    def ratio(a: float, b: float) -> float | None:
        return round(b / a, 3) if a else None

    out = {}
    for step, a in lo["stages"].items():
        b = hi["stages"].get(step)
        if b is None or a["s"] < 0.5:  # checks and summaries of milliseconds: noise, not cost
            continue
        out[step] = {
            "s_per_frame": ratio(a["s_per_frame"], b["s_per_frame"]), "peak_rss": ratio(a["peak_rss_mb"], b["peak_rss_mb"]),
            "commit_s": ratio(a["commit_s"], b["commit_s"]),
            "data_files": ratio(lo["data_files_written"].get(step, 0), hi["data_files_written"].get(step, 0)),
        }
    return out


def result_file(work: Path, nightly: bool) -> Path:
    return work / ("result-nightly.json" if nightly else "result.json")


def run_child(scale: int, work: Path, nightly: bool = False) -> dict:
    """One scale in a fresh process; with --keep, a run already measured there is reused (a
    nightly run too: run again, it would find its file already in the lake)."""
    if result_file(work, nightly).exists():
        return json.loads(result_file(work, nightly).read_text())
    cmd = [sys.executable, __file__, "--child", str(scale), "--work", str(work)] + (["--nightly"] if nightly else [])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{scale}x{' nightly' if nightly else ''} failed:\n{out.stderr[-4000:]}")
    return json.loads(result_file(work, nightly).read_text())


def main(scales: list[int], keep: Path | None) -> dict:
    base = keep or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    try:
        runs = {}
        for scale in scales:
            runs[scale] = run_child(scale, base / f"{scale}x")
            r = runs[scale]
            print(f"{scale:>3}x {r['input_frames']:6d} frames {r['total_s']:8.1f} s  {r['s_per_frame'] * 1000:7.2f} ms/frame  "
                  f"rss {r['peak_rss_mb']} MB  trace {r['trace_ms']} ms  ffmpeg {r['ffmpeg_passes_s']} s", flush=True)
        empty = run_child(0, base / "nightly-empty", nightly=True)
        big = run_child(max(scales), base / f"{max(scales)}x", nightly=True)  # the same lake, one day later
        print(f"nightly, one file: empty lake {empty['total_s']} s, {max(scales)}x lake {big['total_s']} s", flush=True)
        lo, hi = runs[min(scales)], runs[max(scales)]
        tag = lambda s: f"{s}x"  # noqa: E731
        cmd = [sys.executable, __file__, "--trace", *(str(base / tag(s) / "lake") for s in scales)]
        traced = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
        trace_ms = {tag(s): traced[str(base / tag(s) / "lake")] for s in scales}
        print("trace side by side (ms): " + ", ".join(f"{t} {ms}" for t, ms in trace_ms.items()), flush=True)
        return {
            "bench": "scale",
            "per_frame_s": {tag(s): r["s_per_frame"] for s, r in runs.items()},
            "per_frame_ratio_16x_over_1x": round(hi["s_per_frame"] / lo["s_per_frame"], 3),
            "rss_ratio_16x_over_1x": round(hi["peak_rss_mb"] / lo["peak_rss_mb"], 3),
            "nightly_add_one_s": {"empty_lake": empty["total_s"], f"lake_{tag(max(scales))}": big["total_s"]},
            "nightly_lake_16x_over_empty": round(big["total_s"] / empty["total_s"], 3),
            "trace_ms": trace_ms,
            "trace_ratio_16x_over_1x": round(trace_ms[tag(max(scales))] / trace_ms[tag(min(scales))], 3),
            "trace_ms_right_after_each_run": {tag(s): r["trace_ms"] for s, r in runs.items()},
            "factory_over_ffmpeg_passes": hi["factory_over_ffmpeg_passes"],
            "factory_over_ffmpeg_passes_by_scale": {tag(s): r["factory_over_ffmpeg_passes"] for s, r in runs.items()},
            # Where the factory's time goes beyond the codec work: each stage over its own ffmpeg passes.
            "ffmpeg_passes_over_stage": {tag(s): {st: round(f / r["stages"][st]["s"], 3) for st, f in r.get("ffmpeg_by_stage_s", {}).items()
                                                  if st in r["stages"]} for s, r in runs.items()},
            "stage_ratios_16x_over_1x": stage_ratios(lo, hi),
            "stages": {tag(s): r["stages"] for s, r in runs.items()},
            "nightly_stages": {"empty_lake": empty["stages"], f"lake_{tag(max(scales))}": big["stages"]},
            "nightly_rows": {"empty_lake": empty["rows"], f"lake_{tag(max(scales))}": big["rows"]},
            "input_frames": {tag(s): r["input_frames"] for s, r in runs.items()},
            "peak_rss_mb": {tag(s): r["peak_rss_mb"] for s, r in runs.items()},
            "commit_s": {tag(s): r["commit_s"] for s, r in runs.items()},
            "data_files_written": {tag(s): r["data_files_written"] for s, r in runs.items()},
            "rows": {tag(s): r["rows"] for s, r in runs.items()},
            "clips_dropped_as_duplicates": {tag(s): r["clips_dropped_as_duplicates"] for s, r in runs.items()},
            "goals": GOALS,
        }
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,4,16")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--child", type=int)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--nightly", action="store_true")
    parser.add_argument("--trace", nargs="+", type=Path, help="lakes to time trace on, side by side")
    args = parser.parse_args()
    if args.trace:
        print(json.dumps(trace_side_by_side({str(p): p for p in args.trace})))
    elif args.child is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        result_file(args.work, args.nightly).write_text(json.dumps(child(args.child, args.work, args.nightly)))
    else:
        print(json.dumps(main([int(s) for s in args.scales.split(",")], args.keep)))
