"""A day of the factory run as a real `dagster asset materialize` subprocess on a small
landing zone (one simulated scene at 160x120), and a table snapshot to compare runs by."""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

from resources.lake import Lake
from resources.lake.tables import TABLES
from tests.conftest import DAY

REPO = Path(__file__).resolve().parents[2]
# Columns that record when, not what: they differ between any two runs.
_WHEN = {"ingested_at", "rejected_at"}


def materialize_day(lake: str | Path, landing: Path, home: Path, **env: str) -> subprocess.Popen:
    """Start the whole day's materialization in its own process group (so it can be killed whole)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home), "FACTORY_LAKE_ROOT": str(lake), "FACTORY_LANDING_DIR": str(landing),
           "FACTORY_SIMULATOR_SCENES": "1", "FACTORY_SIMULATOR_EPISODES": "0", "FACTORY_SIMULATOR_WIDTH": "160", "FACTORY_SIMULATOR_HEIGHT": "120",
           "FACTORY_SIMULATOR_NUM_FRAMES": "20", "FACTORY_LANDING_SETTLE_S": "0", **env}
    dagster = Path(sys.executable).parent / "dagster"
    return subprocess.Popen(
        [str(dagster), "asset", "materialize", "-m", "dagster_project.definitions", "--select", "group:factory", "--partition", DAY],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def _comparable(value):
    """NaN as text, at any depth: an unmeasured check scores NaN, and NaN != NaN."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def snapshot(root: str | Path, tables: list[str] | None = None) -> dict[str, dict]:
    """Each table's rows by key, without timestamps, comparable with ``==``; asserts keys are unique."""
    lake = Lake(str(root))
    out = {}
    for name in tables or list(TABLES):
        key = TABLES[name].key
        rows = lake.read(name).to_pylist()
        assert len({r[key] for r in rows}) == len(rows), f"{name} has duplicated keys"
        out[name] = {r[key]: {k: _comparable(v) for k, v in r.items() if k not in _WHEN} for r in rows}
    return out
