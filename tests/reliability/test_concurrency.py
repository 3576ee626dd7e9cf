"""Concurrency: two materializations of one partition at once, and a materialization beside the
maintenance job. No row is lost or duplicated, and the only errors are commit conflicts, which
are retried."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from resources.lake import Lake
from resources.maintenance import run_maintenance
from resources.tables import TABLES as TABLE_SPECS
from tests.conftest import DAY, copy_into

REPO = Path(__file__).resolve().parents[2]
TABLES = ["raw_footage", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards", "rejects"]
# Columns that record when, not what: they differ between any two runs.
_WHEN = {"ingested_at", "rejected_at"}


def _materialize(lake: Path, landing: Path, home: Path) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home), "FACTORY_LAKE_ROOT": str(lake), "FACTORY_LANDING_DIR": str(landing),
           "FACTORY_SIMULATOR_SCENES": "1", "FACTORY_SIMULATOR_WIDTH": "160", "FACTORY_SIMULATOR_HEIGHT": "120",
           "FACTORY_SIMULATOR_NUM_FRAMES": "20", "FACTORY_LANDING_SETTLE_S": "0"}
    dagster = Path(sys.executable).parent / "dagster"
    return subprocess.Popen(
        [str(dagster), "asset", "materialize", "-m", "dagster_project.definitions", "--select", "group:factory", "--partition", DAY],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _snapshot(root: Path) -> dict[str, dict]:
    lake = Lake(str(root))
    out = {}
    for table in TABLES:
        rows = lake.read(table).to_pylist()
        key = TABLE_SPECS[table].key
        keys = [r[key] for r in rows]
        assert len(keys) == len(set(keys)), f"{table} has duplicated keys"
        out[table] = {r[key]: {k: v for k, v in r.items() if k not in _WHEN} for r in rows}
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory, footage):
    root = tmp_path_factory.mktemp("concurrency")
    landing = root / "landing"
    copy_into(landing / DAY, footage["tree"])
    run = _materialize(root / "reference", landing, root / "home-ref")
    out, _ = run.communicate(timeout=900)
    assert run.returncode == 0, out[-4000:]
    return {"root": root, "landing": landing, "tables": _snapshot(root / "reference")}


def _conflicts_only(output: str) -> None:
    for line in output.splitlines():
        if "ERROR" in line or "Traceback" in line:
            assert "commit conflict" in line.lower() or "CommitFailed" in line, line


def test_two_materializations_of_one_partition_at_once(reference):
    root = reference["root"]
    runs = [_materialize(root / "twice", reference["landing"], root / f"home-twice-{i}") for i in range(2)]
    outputs = [r.communicate(timeout=900)[0] for r in runs]
    for run, out in zip(runs, outputs):
        assert run.returncode == 0, out[-4000:]
        _conflicts_only(out)
    assert _snapshot(root / "twice") == reference["tables"]


def test_a_materialization_beside_the_maintenance_job(reference):
    root = reference["root"]
    lake_root = root / "maintained"
    run = _materialize(lake_root, reference["landing"], root / "home-maintained")
    stop, errors, rounds = threading.Event(), [], []

    def maintain() -> None:
        lake = Lake(str(lake_root))
        while not stop.is_set():
            try:
                rounds.append(run_maintenance(lake, retention_hours=168))
            except Exception as exc:  # noqa: BLE001 - collected, asserted below
                errors.append(exc)

    worker = threading.Thread(target=maintain)
    worker.start()
    try:
        out, _ = run.communicate(timeout=900)
    finally:
        stop.set()
        worker.join()
    assert run.returncode == 0, out[-4000:]
    _conflicts_only(out)
    assert not errors, errors
    assert len(rounds) >= 2
    rounds.append(run_maintenance(Lake(str(lake_root)), retention_hours=168))
    assert _snapshot(lake_root) == reference["tables"]
