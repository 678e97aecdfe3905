"""A backfill launched the way the UI launches it: dagster-webserver's GraphQL API plus the daemon.

Starts the real webserver and daemon on this repo's workspace.yaml (own DAGSTER_HOME, loopback
only), asks for an asset backfill of every asset over three days, and waits for the daemon to run
it. With the single-run backfill policy the whole range is one run, which extracts from the
embedded sandbox and builds the marts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from orchestration.instance import write_instance_yaml

REPO = Path(__file__).resolve().parents[2]
DAYS = [date(2026, 6, 27) + timedelta(days=i) for i in range(3)]

LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"
ASSET_KEYS = "{ assetNodes { assetKey { path } isMaterializable } }"
LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidStepError { invalidStepKey }
  }
}
"""
STATUS = """
query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status numPartitions runs(limit: 10) { runId status } }
    ... on PythonError { message }
  }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dagster_services(tmp_path):
    home = tmp_path / "ui_dagster_home"
    home.mkdir()
    write_instance_yaml(home)  # the project's instance settings, as `ahw` writes them
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "AHW_DATA_DIR": str(tmp_path / "data"),
        "AHW_DUCKDB_PATH": str(tmp_path / "data" / "warehouse.duckdb"),
        "AHW_SANDBOX_END_DATE": "2026-06-30",
        "AHW_SANDBOX_VOLUME_SCALE": "0.05",
    }
    port = free_port()
    bin_dir = Path(os.sys.executable).parent
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(name: str, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(bin_dir / name), *args, "-w", str(REPO / "workspace.yaml")],
            cwd=REPO,
            env=env,
            stdout=(logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    # The webserver first: it creates the instance's storage; the daemon starts once that exists
    # (two processes migrating a fresh storage at once race on its schema version).
    procs = [start("dagster-webserver", "-h", "127.0.0.1", "-p", str(port))]
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                data = graphql(url, LOCATIONS)
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except (httpx.HTTPError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError((logs / "dagster-webserver.log").read_text()[-3000:])
            time.sleep(1)
        procs.append(start("dagster-daemon", "run"))
        yield url, env, logs
    finally:
        for proc in procs:  # the whole process group: the daemon starts run workers of its own
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.mark.e2e
def test_backfill_of_a_date_range_launched_through_the_ui_api(dagster_services):
    url, env, logs = dagster_services
    keys = [n["assetKey"] for n in graphql(url, ASSET_KEYS)["assetNodes"] if n["isMaterializable"]]
    launched = graphql(
        url,
        LAUNCH,
        {"params": {"assetSelection": keys, "partitionNames": [d.isoformat() for d in DAYS], "fromFailure": False}},
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    deadline = time.monotonic() + 600
    while True:
        backfill = graphql(url, STATUS, {"id": launched["backfillId"]})["partitionBackfillOrError"]
        if backfill.get("status") in ("COMPLETED", "COMPLETED_SUCCESS", "FAILED", "COMPLETED_FAILED", "CANCELED"):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"backfill still {backfill}; daemon log:\n{(logs / 'dagster-daemon.log').read_text()[-3000:]}")
        time.sleep(3)
    assert backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), backfill
    # single-run backfill policy: the three days were one run
    assert len(backfill["runs"]) == 1 and backfill["runs"][0]["status"] == "SUCCESS"
    with duckdb.connect(env["AHW_DUCKDB_PATH"], read_only=True) as con:
        days = {d for (d,) in con.execute("select distinct partition_date from raw.seller_performance").fetchall()}
        ratings = con.execute("select count(distinct rating_date) from marts.fct_account_health_rating").fetchall()
    assert days == set(DAYS)
    assert ratings == [(len(DAYS),)]
