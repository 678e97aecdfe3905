"""Live mode, whole, against the sandbox (issue 9 section 7), and the canary scan after it.

Live mode is chosen by configuration only: an accounts file naming the variable that holds the refresh
token, the app's LWA credentials, and the LWA and SP-API endpoints pointed at the sandbox
(AHW_LWA_ENDPOINT, AHW_SPAPI_ENDPOINT_NA). ``ahw`` runs as a child process with that environment and
goes through the real python-amazon-sp-api client; the sandbox knows nothing of the test.

The extraction first meets faults (throttling, an expired URL, a document missing a required column)
and fails with one line naming the report; the re-run (the whole pipeline, with an alert target that
refuses) recovers and raw reconciles with the world. Every credential is a canary; afterwards no output, table, file, event log
or alert may hold one, and no BI-readable column or export may hold buyer data.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from orchestration.config import DEFAULT_SANDBOX_SEED
from orchestration.instance import write_instance_yaml
from orchestration.sandbox import Fault, SandboxServer, World, WorldConfig
from orchestration.spapi.report_types import ORDERS, SELLER_PERFORMANCE
from tests.canary import buyer_data_in_bi, buyer_data_in_exports, leaks_in_files, leaks_in_tables
from tests.faults.conftest import ACCOUNT, SCALE, SPEED
from tests.faults.reconcile import reconcile

BIN = Path(sys.executable).parent
TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)
US = "ATVPDKIKX0DER"
CANARY_REFRESH_TOKEN = "Atzr|canary-refresh-token-7c41e0"
CANARY_CLIENT_SECRET = "canary-client-secret-d93b5a"
CANARY_URL_TOKEN = "canary-url-token-51aa0c"
CANARY_SALT = "canary-salt-08f2e4"
#: A Fernet key (URL-safe base64 of 32 bytes) that spells itself out, so a leak is easy to grep.
CANARY_LANDING_KEY = base64.urlsafe_b64encode(b"canary-landing-key-0123456789abc").decode()
CANARIES = [CANARY_REFRESH_TOKEN, CANARY_CLIENT_SECRET, CANARY_URL_TOKEN, CANARY_SALT, CANARY_LANDING_KEY]
TOKEN_VARIABLE = "AHW_TEST_REFRESH_TOKEN_COBALT"
#: An instance kept in DAGSTER_HOME, so the run's event log (SQLite) is on disk for the scan.
PERSISTENT_RUN = """
import sys
from datetime import date
import dagster as dg
from orchestration.pipeline import run_job
day = date.fromisoformat(sys.argv[1])
result = run_job("daily_pipeline", day, day, instance=dg.DagsterInstance.get(), raise_on_error=False)
print("success" if result.success else "failed", flush=True)
"""


class _Hook(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        _Hook.received.append(self.path + "\n" + self.rfile.read(length).decode("utf-8", "replace"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def ahw(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "ahw"), *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    world = World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=YESTERDAY, volume_scale=SCALE),
                  accounts=(replace(ACCOUNT, refresh_token=CANARY_REFRESH_TOKEN),))  # fmt: skip
    world.lwa_client_secret = CANARY_CLIENT_SECRET  # this app's secret, as Amazon would know it
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    accounts_file = root / "accounts.json"
    accounts_file.write_text(json.dumps({"accounts": [{
        "name": ACCOUNT.name, "selling_partner_id": ACCOUNT.seller_id, "region": ACCOUNT.region,
        "marketplaces": list(ACCOUNT.marketplace_ids), "refresh_token_env": TOKEN_VARIABLE,
    }]}))  # fmt: skip
    home = root / "dagster_home"
    home.mkdir()
    write_instance_yaml(home)  # the project's instance settings, as `ahw` writes them
    data = root / "data"
    with SandboxServer(world, speed=SPEED, token_ttl_seconds=3600 * SPEED, url_ttl_seconds=30 * SPEED) as sandbox:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AHW_", "LWA_"))},
            "AHW_DATA_DIR": str(data), "AHW_DUCKDB_PATH": str(data / "warehouse.duckdb"), "DAGSTER_HOME": str(home),
            "AHW_ACCOUNTS_FILE": str(accounts_file), TOKEN_VARIABLE: CANARY_REFRESH_TOKEN,
            "LWA_APP_ID": world.lwa_client_id, "LWA_CLIENT_SECRET": CANARY_CLIENT_SECRET,
            "AHW_LWA_ENDPOINT": f"{sandbox.url}/auth/o2/token", "AHW_SPAPI_ENDPOINT_NA": sandbox.url,
            "AHW_PII_SALT": CANARY_SALT, "AHW_LANDING_KEY": CANARY_LANDING_KEY, "AHW_HISTORY_DAYS": "0",
            "AHW_ALERT_URLS": f"json://127.0.0.1:{hook.server_address[1]}/hook?token={CANARY_URL_TOKEN},"
                              f"json://127.0.0.1:9/refused?token={CANARY_URL_TOKEN}",
        }  # fmt: skip
        # getReport: live mode waits at Amazon's real rates, and createReport's is one a minute
        for fault in (Fault("throttle_storm", operation="getReport", times=2),
                      Fault("expired_url", report_type=SELLER_PERFORMANCE.name, times=1),
                      Fault("schema_missing_column", report_type=ORDERS.name, marketplace_id=US, times=1)):  # fmt: skip
            sandbox.faults.add(fault)
        faulty = ahw(env, "run", "--start", YESTERDAY.isoformat(), "--job", "extract_reports")
        left = sandbox.faults.active()
        sandbox.faults.clear()
        again = subprocess.run([sys.executable, "-c", PERSISTENT_RUN, YESTERDAY.isoformat()], env=env,
                               capture_output=True, text=True, timeout=600)  # fmt: skip
        refused = ahw(env, "run", "--start", (TODAY - timedelta(days=10)).isoformat(), "--job", "extract_reports")
        yield {"world": world, "faulty": faulty, "again": again, "refused": refused, "left": left, "data": data,
               "home": home, "stats": sandbox.stats.snapshot(), "alerts": list(_Hook.received)}  # fmt: skip
    hook.shutdown()
    hook.server_close()


def test_the_live_path_reaches_the_sandbox_by_configuration_alone(live):
    assert live["left"] == [], "the faults were never reached: the run did not talk to the sandbox"
    assert live["stats"]["requests"].get("createReport", 0) >= 10
    assert "(live)" in live["faulty"].stdout


def test_a_faulty_live_run_fails_with_one_line_and_the_rerun_recovers(live):
    faulty = live["faulty"]
    assert faulty.returncode == 1
    assert "Traceback" not in faulty.stdout + faulty.stderr
    lines = [line for line in (faulty.stdout + faulty.stderr).splitlines() if ORDERS.name in line and US in line]
    assert [line for line in lines if ACCOUNT.name in line and "order-status" in line], faulty.stdout[-3000:]
    assert live["again"].returncode == 0 and live["again"].stdout.strip().endswith("success"), live["again"].stderr[
        -3000:
    ]
    check = reconcile(str(live["data"] / "warehouse.duckdb"), live["world"], [YESTERDAY])
    assert (check.lost, check.duplicated) == (0, 0), check.details
    assert check.reconciled > 0
    assert live["alerts"], "no alert reached the webhook"


def test_past_snapshot_days_are_refused_in_live_mode_with_one_line(live):
    refused = live["refused"]
    assert refused.returncode == 1
    output = refused.stdout + refused.stderr
    assert "Traceback" not in output
    assert [line for line in output.splitlines()
            if SELLER_PERFORMANCE.name in line and "snapshot of the current state" in line], output[-3000:]  # fmt: skip


def test_no_canary_secret_in_any_output_table_file_event_log_or_alert(live):
    outputs = [live[k].stdout + live[k].stderr for k in ("faulty", "again", "refused")]
    assert not [(s, o[-500:]) for o in outputs for s in CANARIES if s in o]
    assert not [(s, a) for a in live["alerts"] for s in CANARIES if s in a]
    assert leaks_in_tables(live["data"] / "warehouse.duckdb", CANARIES) == []
    files = [p for root in (live["data"], live["home"]) for p in root.rglob("*") if p.is_file()]
    assert {"landing", "exports"} <= {p.relative_to(live["data"]).parts[0] for p in files if live["data"] in p.parents}
    assert [p for p in files if p.suffix == ".db" or "storage" in p.parts], "no Dagster event log to scan"
    assert leaks_in_files([live["data"], live["home"]], CANARIES) == []


def test_no_buyer_data_in_bi_readable_columns_or_exports(live):
    world = live["world"]
    emails, postal_codes = set(), set()
    for marketplace_id in ACCOUNT.marketplace_ids:
        for day in (YESTERDAY - timedelta(days=d) for d in range(30)):
            emails |= {r["Rater Email"] for r in world.feedback_rows(ACCOUNT.name, marketplace_id, day)}
            postal_codes |= {r["ship-postal-code"] for r in world.order_item_rows(ACCOUNT.name, marketplace_id, day)}
    assert emails and postal_codes
    database = live["data"] / "warehouse.duckdb"
    assert buyer_data_in_bi(database, emails | postal_codes) == []
    assert buyer_data_in_exports(live["data"] / "exports", emails | postal_codes) == []
    # the HTML report people read: no buyer's e-mail (postal codes are plain numbers, as are its figures)
    assert buyer_data_in_exports(live["data"] / "report", emails, any_email=False) == []
