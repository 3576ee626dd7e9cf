"""Peak memory of a full run on 1x and 4x the footage: memory must not grow with the amount of
footage, because clips, batches and shards are streamed.

Each run is a fresh process (the real factory_job, in-process executor, on a temporary lake)
that reports its own peak RSS. The footage is distinct 5 s walkway segments (1 for 1x, 4 for
4x), so 4x is four times the decoding, curation, transfer, evaluation and tokenization.

    python bench/memory_peak.py

Prints one line per run, then one JSON object on the last line with rss_ratio_4x_over_1x
(target <= 1.2).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DAY = "2026-11-20"
SEGMENT = 50  # frames, 5 s at 10 fps


def land_segments(landing: Path, count: int) -> None:
    from resources.media.codec import iter_frames
    from resources.media.encoder import H264Writer

    source = REPO / "tests" / "data" / "footage" / "vtest_walkway_200f.mp4"
    (landing / DAY).mkdir(parents=True)
    for k in range(count):
        with H264Writer(landing / DAY / f"walkway_{k}.mp4", 768, 576, 10.0) as w:
            for f in iter_frames(source, k * SEGMENT, (k + 1) * SEGMENT):
                w.write(f.decoded, f.time_s)


def child(lake: str, landing: str) -> None:
    os.environ.update({"FACTORY_LAKE_ROOT": lake, "FACTORY_LANDING_DIR": landing, "FACTORY_SIMULATOR_SCENES": "0", "FACTORY_SIMULATOR_EPISODES": "0", "FACTORY_LANDING_SETTLE_S": "0"})
    import dagster as dg

    from dagster_project.definitions import defs

    result = defs.resolve_job_def("factory_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key=DAY, run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    )
    assert result.success
    from resources.lake import Lake

    rows = Lake(lake).row_count("tokenized_shards")
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "token_rows": rows}))


def run(count: int, work: Path) -> dict:
    landing, lake = work / f"landing{count}", work / f"lake{count}"
    land_segments(landing, count)
    out = subprocess.run([sys.executable, __file__, "--child", str(lake), str(landing)], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    try:
        one = run(1, work)
        print(f"1x footage: peak RSS {one['peak_rss_mb']:.0f} MB, {one['token_rows']} token rows", flush=True)
        four = run(4, work)
        print(f"4x footage: peak RSS {four['peak_rss_mb']:.0f} MB, {four['token_rows']} token rows", flush=True)
        print(json.dumps({
            "bench": "memory_peak",
            "peak_rss_mb_1x": round(one["peak_rss_mb"], 1), "peak_rss_mb_4x": round(four["peak_rss_mb"], 1),
            "rss_ratio_4x_over_1x": round(four["peak_rss_mb"] / one["peak_rss_mb"], 3),
            "token_rows_1x": one["token_rows"], "token_rows_4x": four["token_rows"], "target": "<= 1.2",
        }))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
