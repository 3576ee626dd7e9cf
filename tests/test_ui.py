"""The Dagster UI in a real browser: the asset graph, a materialization launched from the UI,
an asset's lineage and checks. `dagster dev` runs on 127.0.0.1 in its own process group,
which the test kills at the end (it ignores SIGTERM); screenshots go to the test's tmp dir."""
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import FOOTAGE

REPO = Path(__file__).resolve().parent.parent
# The footage lands today, as in a deployment: the partitions then start today (the first day
# with footage), and after the run the graph has nothing missing.
DAY = time.strftime("%Y-%m-%d", time.gmtime())
# The daily-partitioned assets of the factory group (the main job's).
PARTITIONED = ["raw_footage", "failure_log", "episodes", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards", "lerobot_export"]
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    path = os.environ.get("FACTORY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "no system Chromium: scripts/setup.sh installs it for the dev set-up (or set FACTORY_CHROMIUM)"
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def webserver(tmp_path):
    landing = tmp_path / "landing" / DAY
    landing.mkdir(parents=True)
    shutil.copy(FOOTAGE / "tree_vfr.avi", landing)
    (tmp_path / "home").mkdir()
    # Runs launched from the UI start at once from the webserver's own code server. With the
    # default queued coordinator the daemon starts them, and a run queued before the daemon's
    # code server is up fails ("Could not reach user code server"), which makes a test flaky.
    (tmp_path / "home" / "dagster.yaml").write_text(
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\ntelemetry:\n  enabled: false\n"
    )
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "FACTORY_FIRST_DAY"}, "DAGSTER_HOME": str(tmp_path / "home"), "FACTORY_LAKE_ROOT": str(tmp_path / "lake"), "FACTORY_LANDING_DIR": str(tmp_path / "landing"),
        # Three clips, so the default scenario's shares plan variants (two would round to none),
        # and a strict adherence bar, so some variants fail and the failing-checks table has rows.
        "FACTORY_SIMULATOR_SCENES": "2", "FACTORY_SIMULATOR_EPISODES": "0", "FACTORY_SIMULATOR_NUM_FRAMES": "20",
        "FACTORY_EVALUATOR_MIN_ADHERENCE": "0.99",
    }
    log = open(tmp_path / "dagster-dev.log", "w")
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.Popen(
        [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "dagster-dev.log").read_text()[-3000:]
                time.sleep(1)
        yield {"url": url, "lake": tmp_path / "lake", "shots": tmp_path}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()


def _days_since(first: str) -> list[str]:
    """The daily partitions from ``first`` through today (UTC): one day, unless the test runs
    across midnight, when the next day is a partition too."""
    day, today, days = dt.date.fromisoformat(first), dt.datetime.now(dt.timezone.utc).date(), []
    while day <= today:
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=10))["data"]


def _wait_for_run(url: str, run_id: str, timeout_s: float = 600) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        status = _graphql(url, f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ status }} }} }}')["runOrError"].get("status")
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        assert time.monotonic() < deadline, f"the run is still {status} after {timeout_s} s"
        time.sleep(3)


def _skip_community_invitation(page) -> None:
    """A fresh instance invites you to Dagster's community a few seconds after the first page
    loads; the modal would swallow the next clicks, so wait for it and skip it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=15_000)
    except PlaywrightTimeout:
        return
    skip.click()
    skip.wait_for(state="detached")


def test_materialize_from_the_ui_then_inspect_lineage_and_checks(webserver):
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default, apart from the page's timeout; on a loaded CI machine
    # "Launching..." alone took longer than that.
    expect.set_options(timeout=60_000)
    url, shots = webserver["url"], webserver["shots"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1300})  # the whole graph at a zoom that shows names
        page.set_default_timeout(60_000)

        # The asset graph of the factory group: its partitions start at the first footage.
        keys = _graphql(url, '{ assetNodeOrError(assetKey: {path: ["raw_footage"]}) { ... on AssetNode { partitionKeys } } }')
        assert keys["assetNodeOrError"]["partitionKeys"] == _days_since(DAY)
        page.goto(f"{url}/locations/physical_ai_data_factory/asset-groups/factory")
        expect(page.get_by_text("tokenized_shards").first).to_be_visible()
        _skip_community_invitation(page)
        # With rejects below every stage the whole graph is drawn small, names as shapes, not text:
        # the nodes' names are checked on the lineage view below, at a zoom that shows them.
        page.screenshot(path=shots / "1-asset-graph.png")

        # Materialize every asset of the group for one day's partition.
        page.get_by_role("button", name="Materialize all").first.click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("Partition selection")).to_be_visible()
        partition_input = dialog.locator("input:not([type=checkbox])").first
        partition_input.fill(DAY)
        partition_input.press("Enter")
        launch = dialog.get_by_role("button", name="Launch 1 run")
        expect(launch).to_be_enabled()
        page.screenshot(path=shots / "2-launch-dialog.png")
        launch.click()
        # Wait for the launch to be acknowledged before leaving the page (leaving would cancel it).
        expect(page.get_by_text("Launched run")).to_be_visible()
        run_url = page.get_by_role("link", name="View", exact=True).first.get_attribute("href")
        assert run_url.startswith("/runs/"), run_url

        # Wait for the run to finish (asking the webserver's GraphQL API), then look at its page.
        status = _wait_for_run(url, run_url.rsplit("/", 1)[-1])
        assert status == "SUCCESS", f"the run ended {status}"
        page.goto(f"{url}{run_url}")
        expect(page.get_by_text("Success", exact=True).first).to_be_visible()
        expect(page.get_by_text(f"partition: {DAY}")).to_be_visible()
        # Its logs show per-footage progress.
        page.get_by_placeholder("Filter").fill("curated footage")
        expect(page.get_by_text("curated footage 1/3").first).to_be_visible()  # the landed file and two sim scenes
        page.screenshot(path=shots / "3-run-succeeded.png")

        # An asset's lineage, and its checks.
        page.goto(f"{url}/assets/curated_clips?view=lineage&lineageScope=neighbors&lineageDepth=1")
        expect(page.get_by_text("raw_footage", exact=True).first).to_be_visible()
        expect(page.get_by_text("transfer_plan", exact=True).first).to_be_visible()
        page.screenshot(path=shots / "4-lineage.png")
        page.goto(f"{url}/assets/curated_clips?view=checks")
        expect(page.get_by_text("curated_clips_trace_to_footage").first).to_be_visible()
        expect(page.get_by_text("Passed").first).to_be_visible()
        page.screenshot(path=shots / "5-checks.png")

        # What the variants look like: the contact sheet in transferred_variants' latest
        # materialization (a retry round the sensor started since carries it too).
        page.goto(f"{url}/assets/transferred_variants?view=events")
        sheet_row = page.locator("tr", has_text="variant_contact_sheet").first
        sheet_row.get_by_text("[Show Markdown]").click()
        sheet = page.get_by_role("img", name="transferred variants beside their clips")
        expect(sheet).to_be_visible()
        assert sheet.evaluate("img => img.naturalWidth") >= 400  # the PNG decoded, not a broken image
        page.screenshot(path=shots / "6-contact-sheet.png")
        page.keyboard.press("Escape")

        # Why samples failed: evaluation_summary's table of failing checks, with their counts
        # (the UI draws a table entry in place, under its name).
        page.goto(f"{url}/assets/evaluation_summary?view=events")
        failing = page.locator("tr", has_text="failing_checks").first
        for column in ("check", "category", "failed", "typical_score", "threshold", "example_samples"):
            expect(failing.get_by_role("columnheader", name=column, exact=True)).to_be_visible()
        expect(failing.get_by_role("cell", name="condition_adherence", exact=True).first).to_be_visible()  # the check the strict bar fails
        failing.scroll_into_view_if_needed()
        page.screenshot(path=shots / "7-failing-checks.png")

        # The graph after the run: today's partition filled, no backlog before the first footage
        # (the partition counts in the nodes load after the graph).
        # A retry round the sensor started may be refreshing a partition: Dagster counts it as
        # materializing then, not as materialized.
        for name in PARTITIONED:
            node = _graphql(url, f'{{ assetNodeOrError(assetKey: {{path: ["{name}"]}}) {{ ... on AssetNode {{ partitionStats {{ numMaterialized numMaterializing numPartitions numFailed }} }} }} }}')
            counts = node["assetNodeOrError"]["partitionStats"]
            assert (counts["numMaterialized"] + counts["numMaterializing"], counts["numPartitions"], counts["numFailed"]) == (1, len(_days_since(DAY)), 0), (name, counts)
        page.goto(f"{url}/locations/physical_ai_data_factory/asset-groups/factory")
        expect(page.get_by_text("tokenized_shards").first).to_be_visible()
        expect(page.get_by_text("Loading...")).to_have_count(0)
        page.screenshot(path=shots / "8-graph-after.png")
        page.goto(f"{url}/assets/tokenized_shards?view=partitions")
        expect(page.get_by_text(DAY).first).to_be_visible()
        page.screenshot(path=shots / "9-partitions.png")
        browser.close()

    from resources.lake import Lake

    lake = Lake(str(webserver["lake"]))
    assert lake.partitions("tokenized_shards") == [DAY] and lake.row_count("tokenized_shards") > 0
    assert all((shots / f).stat().st_size > 10_000 for f in ("1-asset-graph.png", "2-launch-dialog.png", "3-run-succeeded.png", "4-lineage.png", "5-checks.png", "6-contact-sheet.png", "7-failing-checks.png", "8-graph-after.png", "9-partitions.png"))
