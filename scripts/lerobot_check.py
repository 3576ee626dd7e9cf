"""`make lerobot-check`: the factory's LeRobot v3 round trip, judged by lerobot itself.

1. In the project's environment: a lake whose landing zone holds the dataset lerobot's own
   writer made (tests/data/lerobot_v3_written) and whose simulator renders robot episodes;
   the factory job runs (every table, then the export of accepted episodes and variants).
2. In lerobot's isolated environment (scripts/lerobot_env.sh): every export is loaded with
   LeRobotDataset and iterated frame by frame, and the ingested dataset's actions must come out
   unchanged (tests/lerobot_client/check_export.py).

Prints one JSON line: {"check": "lerobot_roundtrip", ...}.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DAY = "2026-11-20"
# The daily partitions start at the first footage (dagster_project/partitions.py): pin them to
# reach back to this check's day, before the definitions are built.
os.environ.setdefault("FACTORY_FIRST_DAY", DAY)

import dagster as dg  # noqa: E402

from dagster_project.definitions import defs  # noqa: E402
from dagster_project.resources import resources_for  # noqa: E402


def main() -> int:
    lerobot_py = subprocess.run(["bash", str(ROOT / "scripts/lerobot_env.sh")], check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="lerobot-check-") as tmp:
        landing = Path(tmp) / "landing" / DAY
        shutil.copytree(ROOT / "tests/data/lerobot_v3_written", landing / "so100_pick")
        resources = resources_for("local", lake={"root": f"{tmp}/lake"}, landing={"path": f"{tmp}/landing", "settle_s": 0},
                                  simulator={"scenes": 0, "episodes": 3})
        t0 = time.time()
        result = defs.resolve_job_def("factory_job").execute_in_process(partition_key=DAY, resources=resources, instance=dg.DagsterInstance.ephemeral())
        assert result.success
        lake = resources["lake"].lake()
        uris = [e["uri"] for e in lake.read("lerobot_exports").to_pylist()]
        made_s = time.time() - t0
        t1 = time.time()
        run = subprocess.run([lerobot_py, str(ROOT / "tests/lerobot_client/check_export.py"), *uris, "--same-actions-as",
                              str(ROOT / "tests/data/lerobot_v3_written")], capture_output=True, text=True)
        lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
        print(run.stderr[-3000:] if run.returncode else "", file=sys.stderr)
        print(json.dumps({"check": "lerobot_roundtrip", "ok": run.returncode == 0, "datasets": lines, "factory_s": round(made_s, 1),
                          "lerobot_s": round(time.time() - t1, 1)}))
        return run.returncode


if __name__ == "__main__":
    sys.exit(main())
