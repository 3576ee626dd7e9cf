"""Storage faults: the S3 server stops in the middle of a run. The run fails saying the storage
cannot be reached; after the server is back, nothing half-committed is visible and a rerun
completes."""
import time

import pyarrow.fs as pafs
import pytest

from resources.lake import Lake
from resources.lake.tables import TABLES
from tests.conftest import DAY, copy_into
from tests.reliability.runs import materialize_day
from tests.s3_server import S3Server


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own: stopping it must not disturb the other S3 tests."""
    server = S3Server(tmp_path / "seaweedfs")
    server.start()
    yield server
    server.stop()


def _committed(server: S3Server, table_dir: str) -> bool:
    try:
        return any(i.path.endswith(".json") for i in server.filesystem().get_file_info(pafs.FileSelector(table_dir, allow_not_found=True)))
    except OSError:
        return False


def test_a_run_that_loses_its_storage_fails_clearly_and_a_rerun_completes(own_server, tmp_path, footage, monkeypatch):
    landing = tmp_path / "landing"
    copy_into(landing / DAY, footage["tree"])
    lake_uri = f"s3://{own_server.bucket}/lake"
    run = materialize_day(lake_uri, landing, tmp_path / "home", **own_server.env)
    deadline = time.monotonic() + 300
    while not _committed(own_server, f"{own_server.bucket}/lake/tables/curated_clips/_delta_log") and run.poll() is None:
        assert time.monotonic() < deadline, "curated_clips never committed"
        time.sleep(0.2)
    own_server.stop()  # mid-run: raw_footage and curated_clips are committed, the rest is not
    out, _ = run.communicate(timeout=900)
    assert run.returncode != 0, "the run finished before the storage went away"
    assert "the lake's storage at s3://factory/lake cannot be reached while" in out, out[-3000:]
    assert own_server.secret_key not in out

    own_server.start()
    for key, value in own_server.env.items():
        monkeypatch.setenv(key, value)
    lake = Lake(lake_uri)
    # Nothing half-committed: every table reads whole at its latest version, keys are unique,
    # and every blob a row names exists.
    for name, spec in TABLES.items():
        rows = lake.read(name).to_pylist()
        assert len({r[spec.key] for r in rows}) == len(rows), name
        for r in rows:
            for column in (c for c in r if c.endswith("blob_key") and r[c]):
                assert lake.blobs.exists(r[column]), (name, column)
    assert lake.row_count("curated_clips") > 0

    rerun = materialize_day(lake_uri, landing, tmp_path / "home", **own_server.env)
    out, _ = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, out[-4000:]
    assert lake.row_count("tokenized_shards", DAY) > 0
