"""`make demo`'s job on the embedded default (the bundled footage, the default scenario, CPU
backends), into a lake of its own: every video it wrote plays back in time, as judged by the
ffmpeg command line and PyAV. Raw footage keeps its own bytes, so only clips and variants."""
import os
import subprocess
import sys
from pathlib import Path

from resources.lake import Lake
from tests.playback import judge_lake

REPO = Path(__file__).resolve().parents[1]


def test_every_video_make_demo_writes_plays_back_in_time(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTORY_") and k != "DAGSTER_HOME"}
    env["FACTORY_LAKE_ROOT"] = str(tmp_path / "lake")
    run = subprocess.run([sys.executable, "-m", "dagster_project.cli", "demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    clips, errors, worst = judge_lake(Lake(str(tmp_path / "lake")))
    assert len(clips) >= 5 and any(c["is_vfr"] for c in clips.values())
    assert errors == {}
    assert worst <= 0.5
