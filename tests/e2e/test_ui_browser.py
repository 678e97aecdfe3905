"""What a person does in the Dagster UI, in a real browser: open the asset graph, launch a two-day backfill
of the daily pipeline with clicks, wait for it, and read the checks' results.

dagster-webserver and dagster-daemon run in their own process groups on this repo's workspace, with
the project's instance (``instance_home``: one DuckDB writer at a time) under the test's data folder
and the embedded sandbox. Debian's chromium is driven through Playwright (tests/browser.py). The
screenshots are kept under ``test-artifacts/ui/``. The API test (test_ui_backfill.py) stays as it is:
this one adds the clicks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

from orchestration.config import load_settings
from orchestration.instance import instance_home
from tests.browser import screenshot
from tests.e2e.test_ui_backfill import LOCATIONS, free_port, graphql

REPO = Path(__file__).resolve().parents[2]
DAYS = (date(2026, 6, 29), date(2026, 6, 30))
SHOTS = "ui"
#: Backfill statuses after which nothing more happens.
DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """The webserver and the daemon on a fresh instance; yields (base URL, data folder, instance folder)."""
    work = tmp_path_factory.mktemp("ui_browser")
    data = work / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AHW_", "DAGSTER_"))}
    env.update(AHW_DATA_DIR=str(data), AHW_SANDBOX_END_DATE=DAYS[-1].isoformat(), AHW_SANDBOX_VOLUME_SCALE="0.05")
    home = instance_home(load_settings({k: v for k, v in env.items() if k.startswith("AHW_")}))
    env["DAGSTER_HOME"] = str(home)
    port = free_port()
    logs = work / "logs"
    logs.mkdir()
    bin_dir = Path(sys.executable).parent

    def start(name: str, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(bin_dir / name), *args, "-w", str(REPO / "workspace.yaml")], cwd=REPO, env=env,
            stdout=(logs / f"{name}.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    procs = [start("dagster-webserver", "-h", "127.0.0.1", "-p", str(port))]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            with contextlib.suppress(httpx.HTTPError, KeyError, TypeError, AssertionError):
                entries = graphql(f"{base}/graphql", LOCATIONS)["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            if time.monotonic() > deadline:
                raise TimeoutError((logs / "dagster-webserver.log").read_text()[-3000:])
            time.sleep(1)
        procs.append(start("dagster-daemon", "run"))
        # A person opens the UI once the daemon runs (the launch dialog warns while it does not).
        instance = dg.DagsterInstance.from_config(str(home))
        while not any(h.daemon_type == "BACKFILL" for h in instance.get_daemon_heartbeats().values()):
            if time.monotonic() > deadline + 120:
                raise TimeoutError((logs / "dagster-daemon.log").read_text()[-3000:])
            time.sleep(1)
        yield base, data, home, logs
    finally:
        for proc in procs:  # the whole group: the daemon's run workers and the code servers too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def dismiss_community_popup(page) -> None:
    """Dagster asks a first-time visitor to join its community; a person clicks Skip."""
    skip = page.get_by_role("button", name="Skip")
    with contextlib.suppress(Exception):
        skip.wait_for(state="visible", timeout=8000)
    if skip.is_visible():
        skip.click()
        skip.wait_for(state="hidden", timeout=5000)


@pytest.mark.e2e
def test_a_two_day_backfill_launched_with_clicks_runs_and_its_checks_read_passed(ui, chromium):
    base, data, home, logs = ui
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)

    # The asset graph: every stage's group is there.
    page.goto(f"{base}/asset-groups", wait_until="networkidle")
    dismiss_community_popup(page)
    for group in ("extraction", "staging", "marts", "exports", "reports"):
        assert page.get_by_text(group, exact=True).first.is_visible(), group
    screenshot(page, SHOTS, "1-asset-graph")

    # Jobs -> daily_pipeline -> Materialize all -> two days -> Launch backfill.
    page.get_by_role("link", name="Jobs").first.click()
    page.get_by_role("link", name="daily_pipeline").first.click()
    page.get_by_role("button", name="Materialize all").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Partition selection").wait_for()
    more = dialog.get_by_text("Show all partitions")
    with contextlib.suppress(Exception):  # the dialog starts with the last 90 days, June is older
        more.wait_for(timeout=10_000)
    if more.is_visible():
        more.click()
        dialog.get_by_text("All time").wait_for()
    selection = dialog.get_by_role("textbox").first
    selection.click()
    selection.fill(f"[{DAYS[0]}...{DAYS[-1]}]")
    selection.press("Enter")
    dialog.get_by_text("2 partitions", exact=True).wait_for()
    screenshot(page, SHOTS, "2-backfill-dialog")
    dialog.get_by_role("button", name="Launch backfill").click()
    view = page.get_by_role("link", name="View").first
    view.wait_for()
    view.click()

    # The backfill's page until it completes (the instance says when; the page is what a person reads).
    # The UI launched the instance's only backfill: its id comes from the instance, not from a link's text.
    instance = dg.DagsterInstance.from_config(str(home))
    deadline = time.monotonic() + 900
    while not instance.get_backfills():
        if time.monotonic() > deadline:
            pytest.fail("the UI's launch recorded no backfill in the instance")
        time.sleep(1)
    (backfill,) = instance.get_backfills()
    backfill_id = backfill.backfill_id
    while instance.get_backfill(backfill_id).status.value not in DONE:
        if time.monotonic() > deadline:
            screenshot(page, SHOTS, "3-backfill-timeout")
            pytest.fail(f"backfill {backfill_id} not done: {(logs / 'dagster-daemon.log').read_text()[-3000:]}")
        time.sleep(5)
    status = instance.get_backfill(backfill_id).status.value
    if status != "COMPLETED_SUCCESS":
        screenshot(page, SHOTS, "3-backfill-not-successful")
        runs = [(r.run_id[:8], r.status.value) for r in instance.get_runs(dg.RunsFilter.for_backfill(backfill_id))]
        pytest.fail(f"backfill {backfill_id} ended {status}, runs {runs}: "
                    f"{(logs / 'dagster-daemon.log').read_text()[-2000:]}")  # fmt: skip
    # The backfill's own page (the "View" link of the launch toast is not always the backfill's).
    page.goto(f"{base}/runs/b/{backfill_id}", wait_until="networkidle")
    page.get_by_text("100% completed").wait_for()
    screenshot(page, SHOTS, "3-backfill-completed")
    backfill = instance.get_backfill(backfill_id)
    runs = instance.get_runs(dg.RunsFilter.for_backfill(backfill_id))
    assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs), [(r.run_id, r.status) for r in runs]
    assert backfill.status.value in ("COMPLETED", "COMPLETED_SUCCESS"), backfill.status
    assert instance.get_materialized_partitions(dg.AssetKey(["marts", "fct_account_health_rating"])) == {
        d.isoformat() for d in DAYS
    }

    # The checks of a raw table and of a mart: status and detail say the same, in words.
    for key, name in ((["raw", "orders"], "raw-orders"), (["marts", "fct_account_health_rating"], "mart-rating")):
        page.goto(f"{base}/assets/{'/'.join(key)}?view=checks", wait_until="networkidle")
        dismiss_community_popup(page)
        gate = page.get_by_text("great_expectations", exact=True).first
        gate.click()
        page.get_by_text("Latest execution").wait_for()
        time.sleep(1)
        screenshot(page, SHOTS, f"4-checks-{name}")
        body = page.inner_text("body")
        listing = body.split("Checks (", 1)[1].split("Overview", 1)[0]  # the list of checks, not the check's page
        assert "Skipped" not in listing and "Execution failed" not in listing, listing
        assert "Succeeded" in listing
        detail = body.split("Latest execution", 1)[1]
        assert "Passed: every blocking expectation held on" in detail
        assert "Skipped or Execution failed: the check did not run" in body  # what the statuses mean
    with duckdb.connect(str(data / "serving" / "warehouse.duckdb"), read_only=True) as con:
        published = con.execute("select partition_start, partition_end from ops.published").fetchall()
    assert published and published[0][1] in DAYS
    context.close()
