"""Every kind of bad footage in one batch with good footage: each file ends ingested, rejected
with a reason, deferred, or recognised as a duplicate, and no exception escapes the assets."""
import hashlib
import threading

import dagster as dg
import pytest

from assets.curated_clips import curated_clips
from assets.raw_footage import raw_footage
from dagster_project.catalog import checks_on
from dagster_project.resources import resources_for
from tests.conftest import DAY, copy_into
from tests.reliability.corpus import make_corpus

EARLIER = "2026-11-19"


def _grow(path, stop: threading.Event) -> None:
    """A copy still in progress: the file keeps growing until the test ends."""
    with open(path, "ab") as fh:
        while not stop.wait(0.1):
            fh.write(b"\0" * 4096)
            fh.flush()


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, footage):
    root = tmp_path_factory.mktemp("corpus")
    landing = root / "landing"
    copy_into(landing / EARLIER, footage["megamind"])
    cases = make_corpus(landing / DAY, root / "outside", footage)
    resources = resources_for("local", lake={"root": str(root / "lake")}, landing={"path": str(landing), "settle_s": 30}, simulator={"episodes": 0, "scenes": 0})
    checks = checks_on("raw_footage", "curated_clips")
    assert dg.materialize([raw_footage, curated_clips, *checks], resources=resources, partition_key=EARLIER).success
    stop = threading.Event()
    writer = threading.Thread(target=_grow, args=(landing / DAY / "growing.mp4", stop))
    writer.start()
    try:
        result = dg.materialize([raw_footage, curated_clips, *checks], resources=resources, partition_key=DAY, raise_on_error=False)
    finally:
        stop.set()
        writer.join()
    lake = resources["lake"].lake()
    return {"cases": cases, "result": result, "lake": lake, "landing": landing}


def _outcomes(run) -> dict[str, tuple[str, str | None, str | None]]:
    lake = run["lake"]
    raw = {r["source_uri"]: r for r in lake.read("raw_footage").to_pylist()}
    rejects = {}
    for r in lake.read("rejects").to_pylist():
        rejects.setdefault(r["source_uri"], r)
    clips_by_footage = {}
    for c in lake.read("curated_clips", ["footage_id", "status"]).to_pylist():
        clips_by_footage.setdefault(c["footage_id"], []).append(c["status"])
    raw_run = next(e for e in run["result"].get_asset_materialization_events() if e.asset_key.path[-1] == "raw_footage")
    deferred = raw_run.materialization.metadata["files_deferred"].value
    out = {}
    for case in run["cases"]:
        rel = f"{DAY}/{case.rel}"
        if rel in rejects:
            out[case.name] = ("rejected", rejects[rel]["reason_code"], rejects[rel]["reason"])
        elif rel in raw:
            clips = clips_by_footage.get(raw[rel]["footage_id"], [])
            out[case.name] = ("ingested", None, f"{len(clips)} clips, {clips.count('kept')} kept")
        elif rel in deferred:
            out[case.name] = ("deferred", None, "still being written")
        else:
            path = run["landing"] / DAY / case.rel
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            out[case.name] = ("duplicate", None, "same bytes as an ingested file") if sha in lake.keys("raw_footage") else ("lost", None, None)
    return out


def test_no_exception_escapes_and_the_checks_pass(corpus_run):
    result = corpus_run["result"]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert len(corpus_run["cases"]) >= 15


def test_every_case_reaches_its_outcome_with_a_readable_reason(corpus_run):
    outcomes = _outcomes(corpus_run)
    print("\nbad-input corpus:")
    for case in corpus_run["cases"]:
        outcome, code, detail = outcomes[case.name]
        print(f"  {case.name:<44} {outcome:<9} {code or '':<22} {detail or ''}")
    for case in corpus_run["cases"]:
        outcome, code, detail = outcomes[case.name]
        assert outcome == case.outcome, (case.name, outcomes[case.name])
        if case.outcome == "rejected":
            assert code == case.reason_code, (case.name, code, detail)
            assert detail and len(detail) > 15, (case.name, detail)


def test_ingested_cases_were_curated(corpus_run):
    outcomes = _outcomes(corpus_run)
    for case in corpus_run["cases"]:
        if case.outcome == "ingested":
            assert not outcomes[case.name][2].startswith("0 clips"), (case.name, outcomes[case.name])


def test_a_deferred_file_is_taken_once_it_stops_changing(corpus_run, footage):
    # Runs last: it adds to the module's lake. The copy has finished; the next run looks at it.
    resources = resources_for(
        "local", lake={"root": corpus_run["lake"].root}, landing={"path": str(corpus_run["landing"]), "settle_s": 30}, simulator={"episodes": 0, "scenes": 0}
    )
    assert dg.materialize([raw_footage], resources=resources, partition_key=DAY).success
    rejects = {r["source_uri"]: r for r in corpus_run["lake"].read("rejects").to_pylist()}
    # What landed was only the first 2 KB of an MP4 and padding: now it is judged, and refused.
    assert rejects[f"{DAY}/growing.mp4"]["reason_code"] == "truncated_container"
