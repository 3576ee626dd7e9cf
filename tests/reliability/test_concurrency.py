"""Concurrency: two materializations of one partition at once, and a materialization beside the
maintenance job. No row is lost or duplicated, and the only errors are commit conflicts, which
are retried."""
import threading

import pytest

from resources.lake import Lake
from resources.lake.maintenance import run_maintenance
from tests.conftest import DAY, copy_into
from tests.reliability.runs import materialize_day, snapshot

TABLES = ["raw_footage", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards", "rejects"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, footage):
    root = tmp_path_factory.mktemp("concurrency")
    landing = root / "landing"
    copy_into(landing / DAY, footage["tree"])
    run = materialize_day(root / "reference", landing, root / "home-ref")
    out, _ = run.communicate(timeout=900)
    assert run.returncode == 0, out[-4000:]
    return {"root": root, "landing": landing, "tables": snapshot(root / "reference", TABLES)}


def _conflicts_only(output: str) -> None:
    for line in output.splitlines():
        if "ERROR" in line or "Traceback" in line:
            assert "commit conflict" in line.lower() or "CommitFailed" in line, line


def test_two_materializations_of_one_partition_at_once(reference):
    root = reference["root"]
    runs = [materialize_day(root / "twice", reference["landing"], root / f"home-twice-{i}") for i in range(2)]
    outputs = [r.communicate(timeout=900)[0] for r in runs]
    for run, out in zip(runs, outputs):
        assert run.returncode == 0, out[-4000:]
        _conflicts_only(out)
    assert snapshot(root / "twice", TABLES) == reference["tables"]


def test_a_materialization_beside_the_maintenance_job(reference):
    root = reference["root"]
    lake_root = root / "maintained"
    run = materialize_day(lake_root, reference["landing"], root / "home-maintained")
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
    assert snapshot(lake_root, TABLES) == reference["tables"]
