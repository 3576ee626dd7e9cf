"""``pool="gpu"`` with the shipped GPU instance settings (deploy/gpu/dagster.yaml) serializes
GPU steps under the multiprocess executor - and without the limit the same steps overlap,
so the test can tell the two apart.

Two assets in the gpu pool each hold their "GPU" for a while and record when they held it;
they run in one job on the multiprocess executor (each step in its own process) against a
real DagsterInstance on disk (sqlite storage, as a single node's instance has).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parent.parent
_RECORDS = "FACTORY_TEST_GPU_POOL_RECORDS"
HOLD_S = 2.0


def _hold_the_gpu(name: str) -> None:
    start = time.time()
    time.sleep(HOLD_S)
    Path(os.environ[_RECORDS], f"{name}.json").write_text(json.dumps([start, time.time()]))


@dg.asset(pool="gpu")
def gpu_step_a() -> None:
    _hold_the_gpu("a")


@dg.asset(pool="gpu")
def gpu_step_b() -> None:
    _hold_the_gpu("b")


def gpu_pool_job() -> dg.JobDefinition:
    """Module level, so the multiprocess executor's step processes can rebuild it."""
    defs = dg.Definitions(
        assets=[gpu_step_a, gpu_step_b],
        jobs=[dg.define_asset_job("gpu_pool_job", selection=[gpu_step_a, gpu_step_b], executor_def=dg.multiprocess_executor)],
    )
    return defs.resolve_job_def("gpu_pool_job")


def _run(home: Path, records: Path, monkeypatch) -> list[tuple[float, float]]:
    records.mkdir()
    monkeypatch.setenv(_RECORDS, str(records))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.execute_job(dg.reconstructable(gpu_pool_job), instance=instance)
        assert result.success
    return sorted(tuple(json.loads((records / f"{n}.json").read_text())) for n in ("a", "b"))


def _overlap(intervals: list[tuple[float, float]]) -> bool:
    (_, end_first), (start_second, _) = intervals
    return start_second < end_first


@pytest.mark.timeout(300)
def test_gpu_pool_limit_serializes_gpu_steps(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "gpu" / "dagster.yaml", home / "dagster.yaml")  # the settings we ship
    with dg.DagsterInstance.from_config(str(home)) as instance:
        config = instance.get_concurrency_config().pool_config
        assert config.default_pool_limit == 1 and config.pool_granularity.value == "op"
    intervals = _run(home, tmp_path / "limited", monkeypatch)
    assert not _overlap(intervals), intervals


@pytest.mark.timeout(300)
def test_without_the_limit_the_same_steps_overlap(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # no pool limit
    intervals = _run(home, tmp_path / "unlimited", monkeypatch)
    assert _overlap(intervals), intervals
