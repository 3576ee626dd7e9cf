"""Crash safety: materializations SIGKILLed at random points, table by table, then rerun. After
each rerun every table equals an uninterrupted run's, and after blob garbage collection no blob
is left unreferenced.

`make test` runs FACTORY_CRASH_TRIALS trials (default 3: after curated_clips, evaluated_samples
and tokenized_shards, spread over the DAG); `make crash-trials` runs 24, over every table and the
window between raw_footage's rejects commit and its rows commit (about 35 minutes on 2 cores)."""
import os
import random
import signal
import time
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from resources.lake import Lake
from resources.lake.maintenance import referenced_blobs, run_maintenance
from resources.lake.publish import KILL_BETWEEN_COMMITS
from tests.conftest import DAY, copy_into
from tests.reliability.runs import materialize_day, snapshot

KILL_AFTER = ["raw_footage", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards"]
# Where each trial kills: the first three spread over the DAG (what `make test` runs), then the
# rest. "between:T" kills between table T's rejects commit and its rows commit (publish.py).
PLAN = ["curated_clips", "evaluated_samples", "tokenized_shards", "between:raw_footage", "raw_footage", "transfer_plan", "transferred_variants"]
TRIALS = int(os.environ.get("FACTORY_CRASH_TRIALS", "3"))


SPEC = "name: crash-trials\ntargets:\n  - scene_type: any\n    conditions: {night: 0.3, fog: 0.3}\n"


def _materialize(lake: Path, landing: Path, home: Path, **env: str):
    home.mkdir(parents=True, exist_ok=True)
    (home / "spec.yaml").write_text(SPEC)  # a spec with targets, so every table gets rows
    return materialize_day(lake, landing, home, FACTORY_SCENARIO_SPEC=str(home / "spec.yaml"), **env)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, footage):
    root = tmp_path_factory.mktemp("crash")
    landing = root / "landing"
    copy_into(landing / DAY, footage["tree"])
    (landing / DAY / "notes.mp4").write_text("not video\n" * 50)  # raw_footage commits a reject and rows
    run = _materialize(root / "reference", landing, root / "home")
    out, _ = run.communicate(timeout=900)
    assert run.returncode == 0, out[-4000:]
    tables = snapshot(root / "reference")
    assert all(tables[t] for t in KILL_AFTER), {t: len(tables[t]) for t in KILL_AFTER}
    return {"root": root, "landing": landing, "tables": tables}


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_killed_run_reruns_to_the_same_tables(reference, trial):
    rng = random.Random(trial)
    target = PLAN[trial % len(PLAN)]
    lake_root = reference["root"] / f"trial-{trial}"
    if target.startswith("between:"):
        table = target.split(":", 1)[1]
        run = _materialize(lake_root, reference["landing"], reference["root"] / f"home-{trial}", **{KILL_BETWEEN_COMMITS: table})
        run.communicate(timeout=900)
        assert run.returncode != 0, "the run was not killed between the commits"
        assert Lake(str(lake_root)).row_count("rejects") > 0 and Lake(str(lake_root)).version(table) is None  # rejects in, rows not
        print(f"trial {trial}: killed between {table}'s rejects commit and its rows commit")
    else:
        run = _materialize(lake_root, reference["landing"], reference["root"] / f"home-{trial}")
        log = lake_root / "tables" / target / "_delta_log"
        deadline = time.monotonic() + 600
        while not (log.exists() and any(log.glob("*.json"))) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.5))  # somewhere after that table's first commit
        assert run.poll() is None, f"the run ended before it could be killed after {target}'s first commit"
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        print(f"trial {trial}: killed after {target}'s first commit")

    rerun = _materialize(lake_root, reference["landing"], reference["root"] / f"home-{trial}")
    out, _ = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, out[-4000:]
    assert snapshot(lake_root) == reference["tables"]

    # A killed run may leave blobs it wrote but never committed: garbage collection removes them.
    lake = Lake(str(lake_root))
    run_maintenance(lake, retention_hours=0)
    stored = {i.path.split(f"{lake.blobs.fs_base}/", 1)[1] for i in lake.blobs.fs.get_file_info(pafs.FileSelector(f"{lake.blobs.fs_base}/blobs", recursive=True)) if i.type == pafs.FileType.File}
    assert stored == referenced_blobs(lake, retention_hours=0)
    assert snapshot(lake_root) == reference["tables"]
