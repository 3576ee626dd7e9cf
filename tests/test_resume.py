"""A curation run killed with SIGKILL halfway resumes with only the footage it had not
finished, and ends with the same table as a run that was never interrupted."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from assets.curated_clips import curated_clips
from dagster_project.resources import resources_for
from resources.lake import Lake
from tests.conftest import DAY, copy_into

REPO = Path(__file__).resolve().parent.parent


def _materialize(select: str, env: dict) -> subprocess.Popen:
    dagster = Path(sys.executable).parent / "dagster"
    return subprocess.Popen(
        [str(dagster), "asset", "materialize", "-m", "dagster_project.definitions", "--select", select, "--partition", DAY],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def _commits(table: Path) -> int:
    log = table / "_delta_log"
    return len(list(log.glob("*.json"))) if log.exists() else 0


def test_killed_curation_resumes_and_matches_an_uninterrupted_run(tmp_path, footage, monkeypatch):
    landing = tmp_path / "landing"
    copy_into(landing / DAY, footage["megamind"], footage["tree"], footage["vtest"])
    (tmp_path / "home").mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "FACTORY_LAKE_ROOT": str(tmp_path / "killed"),
           "FACTORY_LANDING_DIR": str(landing), "FACTORY_SIMULATOR_SCENES": "2", "FACTORY_SIMULATOR_EPISODES": "0"}
    ingest = _materialize("raw_footage", env)
    assert ingest.wait(timeout=300) == 0, ingest.stdout.read()
    footage_count = Lake(str(tmp_path / "killed")).row_count("raw_footage")
    assert footage_count == 5
    shutil.copytree(tmp_path / "killed", tmp_path / "reference")  # the same raw_footage for both runs

    table = tmp_path / "killed" / "tables" / "curated_clips"
    run = _materialize("curated_clips", env)
    deadline = time.monotonic() + 300
    while _commits(table) == 0 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done_before = _commits(table)
    assert 1 <= done_before < footage_count, "the run was not killed halfway"

    rerun = _materialize("curated_clips", env)
    out, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, out
    remaining = footage_count - done_before
    assert f"curated footage 1/{remaining} " in out and f"curated footage {remaining + 1}/" not in out

    for key, value in {"FACTORY_LAKE_ROOT": str(tmp_path / "reference"), "FACTORY_LANDING_DIR": str(landing)}.items():
        monkeypatch.setenv(key, value)
    assert dg.materialize([curated_clips], resources=resources_for("local"), partition_key=DAY).success

    def table_rows(root: str) -> list[dict]:
        return sorted(Lake(root).read("curated_clips").to_pylist(), key=lambda r: r["clip_id"])

    killed, reference = table_rows(str(tmp_path / "killed")), table_rows(str(tmp_path / "reference"))
    assert len(killed) == len(reference) > footage_count
    for a, b in zip(killed, reference):
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}
