"""Gating: a poisoned batch (NaN metrics, negative durations, duplicate keys) is never
published, and the rejects table explains each refused row. Also: credentials stay out of
metadata, logs and errors, and every server binds to 127.0.0.1 by default."""
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.metadata import suite_check
from resources.lake import Lake
from resources.lake.publish import BatchRefused, publish
from resources.lake.report import SuiteOutcome
from tests.test_gate import _clip

REPO = Path(__file__).resolve().parents[2]


def test_rows_with_nan_metrics_or_negative_durations_are_refused_with_reasons(lake):
    poisoned = [_clip(1, motion=float("nan")), _clip(2, duration_s=-1.0), _clip(3, sharpness=float("nan"), duration_s=-0.5)]
    pub = publish(lake, "curated_clips", [_clip(0), *poisoned])
    assert pub.rows_inserted == 1 and lake.keys("curated_clips") == {_clip(0)["clip_id"]}
    # The asset's gx_suite check warns, with the figures.
    check = suite_check(SuiteOutcome.of(pub))
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert (check.metadata["rows_validated"].value, check.metadata["rows_rejected"].value) == (4, 3) and "3 of 4 rows" in check.description
    assert suite_check(SuiteOutcome.of(publish(lake, "curated_clips", [_clip(4)]))).passed
    refused = {}
    for r in lake.read("rejects").to_pylist():
        refused.setdefault(r["subject_id"], []).append(r)
    assert set(refused) == {c["clip_id"] for c in poisoned}
    for clip in poisoned:
        for r in refused[clip["clip_id"]]:
            assert r["stage"] == "curated_clips" and r["reason_code"].startswith("expect_") and "failed" in r["reason"]
    assert any("motion" in r["reason"] for r in refused[_clip(1)["clip_id"]])
    assert any("duration_s" in r["reason"] for r in refused[_clip(2)["clip_id"]])
    # Row 3 is wrong twice: both reasons are recorded.
    assert {"sharpness", "duration_s"} <= {c for r in refused[_clip(3)["clip_id"]] for c in ("sharpness", "duration_s") if c in r["reason"]}


def test_a_batch_with_duplicate_keys_is_not_published_at_all(lake):
    publish(lake, "curated_clips", [_clip(0)])
    version = lake.version("curated_clips")
    with pytest.raises(BatchRefused, match="the batch was not committed"):
        publish(lake, "curated_clips", [_clip(1), _clip(1, motion=float("nan")), _clip(2)])
    assert lake.version("curated_clips") == version and lake.keys("curated_clips") == {_clip(0)["clip_id"]}
    assert lake.row_count("rejects") == 0


def test_credentials_never_reach_errors(monkeypatch, tmp_path):
    from resources.lake.storage_errors import StorageUnavailable

    secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on port 9
    monkeypatch.setenv("AWS_ALLOW_HTTP", "true")
    lake = Lake("s3://nowhere/lake")
    with pytest.raises(StorageUnavailable) as err:
        lake.read("raw_footage")
    assert secret not in str(err.value) and "AKIAEXAMPLE" not in str(err.value)
    assert "s3://nowhere/lake cannot be reached" in str(err.value)
    # A stage fetching a clip to a local file meets the same storage, and says so the same way
    # (a CI run lost its server during a download and ended in a bare pyarrow error).
    with pytest.raises(StorageUnavailable, match="cannot be reached while reading blob blobs/ab/c.mp4"), lake.blobs.local_path("blobs/ab/c.mp4"):
        pass
    with pytest.raises(StorageUnavailable, match="cannot be reached while listing the blobs"):
        list(lake.blobs.iter_keys())


def test_the_ui_binds_to_loopback_by_default():
    dry_run = subprocess.run(["make", "-n", "ui"], cwd=REPO, capture_output=True, text=True, timeout=60)
    line = next(line for line in dry_run.stdout.splitlines() if "dagster dev" in line)
    assert "-h 127.0.0.1" in line
    # The S3 server the tests start binds to loopback too.
    assert "-ip.bind=127.0.0.1" in (REPO / "tests" / "s3_server.py").read_text()
