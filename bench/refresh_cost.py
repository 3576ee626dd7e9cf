"""What a refresh costs: a full run of one day, a refresh with nothing new, and a refresh of
the next day with one new file, all through the real Dagster job on a temporary lake.

    python bench/refresh_cost.py

Prints one line per run, then one JSON object on the last line with
noop_over_full = (no-op refresh time / full run time), target <= 0.05, and
noop_data_files_written, target 0.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DAY, NEXT_DAY = "2026-11-20", "2026-11-21"


def data_files(root: Path) -> set[str]:
    return {str(p) for p in (root / "tables").rglob("*.parquet")}


def land(src: Path, folder: Path) -> None:
    """Copy a file in as footage that finished landing an hour ago: a file touched in the last
    settle_s seconds is checked for growth first (a one-second wait) - that is not a cost of
    the refresh being measured."""
    dst = folder / src.name
    shutil.copy(src, dst)
    an_hour_ago = time.time() - 3600
    os.utime(dst, (an_hour_ago, an_hour_ago))


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="refresh-bench-"))
    try:
        landing, lake = work / "landing", work / "lake"
        footage = sorted((REPO / "tests" / "data" / "footage").glob("*.*"))
        footage = [p for p in footage if p.suffix in (".mp4", ".avi")]
        (landing / DAY).mkdir(parents=True)
        for p in footage[1:]:
            land(p, landing / DAY)
        os.environ.update({"FACTORY_LAKE_ROOT": str(lake), "FACTORY_LANDING_DIR": str(landing), "DAGSTER_HOME": str(work / "home")})
        (work / "home").mkdir()
        import dagster as dg

        from dagster_project.definitions import defs

        job = defs.resolve_job_def("factory_job")
        instance = dg.DagsterInstance.get()
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

        def run(day: str, label: str) -> tuple[float, int]:
            before = data_files(lake)
            start = time.perf_counter()
            result = job.execute_in_process(run_config=quiet, instance=instance, partition_key=day)
            seconds = time.perf_counter() - start
            assert result.success, label
            written = len(data_files(lake) - before)
            print(f"{label:<28}{seconds:8.2f} s  {written:4d} data files written", flush=True)
            return seconds, written

        full, _ = run(DAY, f"full run ({len(footage) - 1} files)")
        noop, noop_files = run(DAY, "refresh, nothing new")
        (landing / NEXT_DAY).mkdir()
        land(footage[0], landing / NEXT_DAY)
        one, one_files = run(NEXT_DAY, "next day, 1 new file")
        print(json.dumps({
            "bench": "refresh_cost",
            "full_run_s": round(full, 2), "noop_refresh_s": round(noop, 2), "noop_over_full": round(noop / full, 4),
            "noop_data_files_written": noop_files, "one_new_file_s": round(one, 2), "one_new_file_data_files": one_files,
            "targets": {"noop_over_full": "<= 0.05", "noop_data_files_written": 0},
        }))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
