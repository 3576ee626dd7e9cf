"""Shared fixtures: real footage from tests/data, real Delta tables in temp dirs,
simulated scenes rendered by the test itself, and bad inputs generated on the spot."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# The tests land footage on fixed days from 2026-11-01 on; a deployment's partitions start at
# its first footage (dagster_project/partitions.py), which would be the day this checkout was made.
os.environ.setdefault("FACTORY_FIRST_DAY", "2026-11-01")
# The platform's tests (commits, crashes, resumes, Spark, S3, the UI) run the DAG with
# PySceneDetect and no OCR: they test what the DAG does with a curator's rows, whichever
# curator, and TransNetV2 and OCR would add about a minute to every full curation on two
# cores. The models are tested on real footage (test_shot_detection.py, test_text_overlay.py),
# and in the whole DAG by tests/test_demo.py, which clears these and runs `make demo`'s defaults.
os.environ.setdefault("FACTORY_CURATOR_DETECTOR", "content")
os.environ.setdefault("FACTORY_CURATOR_TEXT_DETECTOR", "none")

DATA = Path(__file__).parent / "data"
# The daily partition the tests land their footage in (as <landing>/DAY/...).
DAY = "2026-11-20"
FOOTAGE = DATA / "footage"


@pytest.fixture
def lake(tmp_path):
    from resources.lake import Lake

    return Lake(str(tmp_path / "lake"))


@pytest.fixture(scope="session")
def footage() -> dict[str, Path]:
    return {
        "vtest": FOOTAGE / "vtest_walkway_200f.mp4",
        "megamind": FOOTAGE / "Megamind.avi",
        "tree": FOOTAGE / "tree_vfr.avi",
    }


@pytest.fixture(scope="session")
def sim_scene(tmp_path_factory):
    """One small simulated road scene, rendered by pybullet in this test session."""
    from resources.sources.simulator import render_scene, scene_params

    params = scene_params(1, seed=11, width=160, height=120, fps=10, num_frames=24)
    return render_scene(params, tmp_path_factory.mktemp("sim"))


def make_bad_inputs(folder: Path, good_mp4: Path) -> dict[str, Path]:
    """The six bad inputs of the end-to-end issue, each a different way of not being video."""
    import cv2

    from resources.media.encoder import write_h264

    folder.mkdir(parents=True, exist_ok=True)
    bad = {
        "zero_byte": folder / "empty.mp4",
        "random_bytes": folder / "noise.mp4",
        "truncated_mp4": folder / "truncated.mp4",
        "text_file": folder / "notes.txt",
        "still_image": folder / "frame.png",
        "one_frame": folder / "one_frame.mp4",
    }
    bad["zero_byte"].write_bytes(b"")
    bad["random_bytes"].write_bytes(np.random.default_rng(3).bytes(64_000))
    data = good_mp4.read_bytes()
    bad["truncated_mp4"].write_bytes(data[: len(data) // 2])
    bad["text_file"].write_text("camera 3 log\nno video here\n" * 20)
    cv2.imwrite(str(bad["still_image"]), np.full((48, 64, 3), 90, np.uint8))
    write_h264(bad["one_frame"], [np.full((48, 64, 3), 120, np.uint8)], fps=10)
    return bad


@pytest.fixture
def small_mp4(tmp_path, footage) -> Path:
    """A real 3 s H.264 clip cut from the walkway footage."""
    from resources.media.codec import iter_frames
    from resources.media.encoder import H264Writer

    out = tmp_path / "walkway_3s.mp4"
    with H264Writer(out, 768, 576, 10.0) as w:
        for f in iter_frames(footage["vtest"], 0, 30):
            w.write(f.decoded, f.time_s)
    return out


def copy_into(folder: Path, *paths: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        shutil.copy(p, folder / p.name)


def table_rows(table: str, keys: list[str], day: str = "2026-11-20", **values) -> "pa.Table":
    """Rows for ``table`` with the given keys, every other column null unless given: enough
    for tests of the lake's machinery (releases, maintenance) that do not look at content."""
    import pyarrow as pa

    from resources.lake.tables import TABLES

    spec = TABLES[table]
    rows = []
    for key in keys:
        row = {name: None for name in spec.schema.names}
        row.update(values, **{spec.key: key})
        if spec.partition_by:
            row[spec.partition_by] = day
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=spec.schema)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A SeaweedFS S3 server on 127.0.0.1 for the whole session (see tests/s3_server.py)."""
    from tests.s3_server import S3Server

    server = S3Server(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch):
    """The S3 server's credentials and endpoint in the environment, where the factory reads them."""
    for key, value in s3_server.env.items():
        monkeypatch.setenv(key, value)
    return s3_server


@pytest.fixture(scope="session")
def java_runtime() -> None:
    """The Spark tests need a JVM. scripts/setup.sh installs one; without it they fail here with
    that sentence rather than being skipped, so a CI machine without Java cannot pass them."""
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.fail("no Java runtime (java on PATH or JAVA_HOME): run scripts/setup.sh, which installs one")
