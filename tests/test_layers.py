"""The layering holds: import-linter's contracts (pyproject.toml) pass on the code as it is, and
fail on a copy of it with one violation put in, so the contracts can be broken."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ["dagster_project", "assets", "resources", "spark_jobs", "expectations"]
LINT = str(Path(sys.executable).parent / "lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    # lint-imports puts its working directory first on the import path, so a copy is linted as itself.
    return subprocess.run([LINT, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    out = _lint(REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 kept, 0 broken" in out.stdout


@pytest.fixture
def copy(tmp_path) -> Path:
    for name in PACKAGES:
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("resources/lake/blobs.py", "import dagster", "Engines and suites never import Dagster"),
        ("resources/curation/dedup.py", "from dagster_project.configurable import LakeResource", "Engines and suites never import Dagster"),
        ("spark_jobs/curation.py", "from assets.curated_clips import curated_clips", "Spark jobs run the engines only"),
        ("resources/media/codec.py", "from resources.curation import engine", "No import cycles"),
    ],
)
def test_a_violation_breaks_its_contract(copy, module, line, contract):
    path = copy / module
    path.write_text(path.read_text() + f"\n{line}  # injected by the test\n")
    out = _lint(copy)
    assert out.returncode != 0
    broken = [para for para in out.stdout.split("\n\n") if "BROKEN" in para]
    assert any(contract in " ".join(para.split()) for para in broken), out.stdout
