"""Delivery rules over real Apprise sends to local receivers: once when opened, again when it escalates,
once when it resolves; acknowledgements hold back until an escalation; failures retried and logged
without the URL. ``marts.fct_alerts`` is written by hand here (its SQL has its own dbt unit tests)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime

import duckdb
import pytest
from click.testing import CliRunner
from tenacity import wait_none

from orchestration.cli import main
from orchestration.notifications.alerts import acknowledge, scrub
from orchestration.notifications.delivery import deliver

COLUMNS = """alert_id varchar, dedupe_key varchar, kind varchar, kind_label varchar, account_id varchar,
    marketplace_id varchar, subject varchar, severity varchar, severity_rank integer, status varchar,
    first_seen_at timestamp, last_seen_at timestamp, resolved_at timestamp, trigger_value double,
    threshold_value double, details json, sources varchar, observations_count integer"""


def put_alert(con, alert_id: str, severity: str, rank: int, status: str = "open", kind: str = "stale_source",
              details: dict | None = None) -> None:  # fmt: skip
    con.execute("create schema if not exists marts")
    con.execute(f"create table if not exists marts.fct_alerts ({COLUMNS})")
    con.execute("delete from marts.fct_alerts where alert_id = ?", [alert_id])
    resolved = datetime(2026, 11, 5) if status == "resolved" else None
    details = details or {"last_snapshot_date": "2026-11-01", "missing_days": 4}
    con.execute(
        "insert into marts.fct_alerts values (?, ?, ?, 'Stale source', 'acme', 'ATVPDKIKX0DER', '', ?, ?, ?, "
        "'2026-11-04', '2026-11-04', ?, 4, 3, ?, 'snapshot', 1)",
        [alert_id, f"{kind}|acme|ATVPDKIKX0DER||2026-11-04|{alert_id}", kind, severity, rank, status, resolved,
         json.dumps(details)],
    )  # fmt: skip


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield con
    con.close()


def events(received, since: int = 0) -> list[str]:
    return [body["title"] for _, body in received.http[since:]]


def test_opened_escalated_acknowledged_and_resolved_each_delivered_once(warehouse, receivers):
    received, http_port, _ = receivers
    url = f"json://127.0.0.1:{http_port}/rules"
    put_alert(warehouse, "a1", "medium", 2)
    start = len(received.http)
    first = deliver(warehouse, [url], wait=wait_none())
    assert [p.event for p in first.delivered] == ["opened"]
    assert events(received, start) == ["[MEDIUM] Stale source: acme ATVPDKIKX0DER"]
    assert not deliver(warehouse, [url], wait=wait_none()).delivered  # nothing new
    put_alert(warehouse, "a1", "high", 3)  # the stale source is now twice as old
    assert [p.event for p in deliver(warehouse, [url], wait=wait_none()).delivered] == ["escalated"]
    acknowledge(warehouse, "a1", by="ops")
    put_alert(warehouse, "a1", "high", 3)
    assert not deliver(warehouse, [url], wait=wait_none()).delivered
    put_alert(warehouse, "a1", "critical", 4)  # above the acknowledged severity: delivered again
    assert [p.event for p in deliver(warehouse, [url], wait=wait_none()).delivered] == ["escalated"]
    put_alert(warehouse, "a1", "critical", 4, status="resolved")
    assert [p.event for p in deliver(warehouse, [url], wait=wait_none()).delivered] == ["resolved"]
    assert not deliver(warehouse, [url], wait=wait_none()).delivered
    assert events(received, start)[-1] == "[CRITICAL] Stale source resolved: acme ATVPDKIKX0DER"
    # An episode that opened and resolved between two deliveries is not announced at all.
    put_alert(warehouse, "a2", "high", 3, status="resolved")
    assert not deliver(warehouse, [url], wait=wait_none()).delivered


def test_an_alert_gone_from_the_mart_is_announced_as_resolved(warehouse, receivers):
    received, http_port, _ = receivers
    url = f"json://127.0.0.1:{http_port}/current"
    put_alert(warehouse, "p1", "medium", 2, kind="projected_breach")
    assert [p.event for p in deliver(warehouse, [url], wait=wait_none()).delivered] == ["opened"]
    warehouse.execute("delete from marts.fct_alerts where alert_id = 'p1'")  # no longer projected
    resolved = deliver(warehouse, [url], wait=wait_none()).delivered
    assert [(p.alert.alert_id, p.event) for p in resolved] == [("p1", "resolved")]
    assert "no longer observed" in received.http[-1][1]["message"]


def test_a_failing_target_is_retried_logged_without_its_url_and_tried_again_next_time(warehouse, receivers):
    received, http_port, _ = receivers
    dead = "json://user:hunter2-password@127.0.0.1:9/hook-token-abcdef"  # nothing listens on port 9
    good = f"json://127.0.0.1:{http_port}/good"
    put_alert(warehouse, "f1", "high", 3)
    result = deliver(warehouse, [dead, good], wait=wait_none(), max_attempts=3)
    assert [(p.target.scheme, p.event) for p in result.delivered] == [("json", "opened")]
    assert len(result.failed) == 1 and result.attempts == 4
    attempts = warehouse.execute(
        "select target_hash, attempt, success, error from ops.alert_deliveries where alert_id = 'f1' order by all"
    ).fetchall()
    failed = [a for a in attempts if not a[2]]
    assert [a[1] for a in failed] == [1, 2, 3] and all(a[3] for a in failed)
    log = json.dumps(warehouse.execute("select * from ops.alert_deliveries").fetchall(), default=str)
    for part in ("hunter2-password", "hook-token-abcdef", dead):
        assert part not in log
    again = deliver(warehouse, [dead, good], wait=wait_none(), max_attempts=1)
    assert not again.delivered and len(again.failed) == 1  # the good target is done; the dead one is retried


def test_alert_text_is_scrubbed_of_emails_and_secrets():
    text = "buyer 1a2b@marketplace.example.com wrote; token s3cr3t-value in http://x/s3cr3t-value"
    assert (
        scrub(text, ["s3cr3t-value"])
        == "buyer [e-mail removed] wrote; token [secret removed] in http://x/[secret removed]"
    )


def test_ahw_alerts_lists_and_acknowledges(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("AHW_DUCKDB_PATH", str(path))
    with duckdb.connect(str(path)) as con:
        put_alert(con, "c1", "critical", 4, kind="account_status_changed",
                  details={"account_status": "DEACTIVATED", "previous_account_status": "AT_RISK",
                           "affected_marketplace_ids": ["ATVPDKIKX0DER"]})  # fmt: skip
        put_alert(con, "r1", "low", 1, status="resolved")
    listed = CliRunner().invoke(main, ["alerts"])
    assert listed.exit_code == 0, listed.output
    assert "c1" in listed.output and "DEACTIVATED (was AT_RISK)" in listed.output and "r1" not in listed.output
    assert "r1" in CliRunner().invoke(main, ["alerts", "--all"]).output
    acked = CliRunner().invoke(main, ["alerts", "ack", "c1", "--by", "ops"])
    assert acked.exit_code == 0 and "acknowledged c1" in acked.output
    assert "[acknowledged]" in CliRunner().invoke(main, ["alerts"]).output
    unknown = CliRunner().invoke(main, ["alerts", "ack", "nope"])
    assert unknown.exit_code != 0 and "no alert nope" in unknown.output


#: URLs whose every part is a canary: the host (breaker8 F7: a webhook host is often the secret), user,
#: password, path and query token. Nothing listens there: every attempt fails and is logged by Apprise.
CANARY_URLS = [
    "json://canary-8f3k2tok.invalid/hook",
    "json://canary-user1:canary-pass1@127.0.0.1:9/canary-path1?token=canary-tok1",
    "mailtos://canary-user2:canary-pass2@canary-mx2.invalid?to=canary-rcpt@example.invalid",
]


@pytest.mark.parametrize("url", CANARY_URLS, ids=["host", "credentials-path-query", "mailto"])
def test_no_part_of_an_alert_url_reaches_any_log_at_any_level(url, warehouse, caplog, capfd):
    put_alert(warehouse, "s1", "high", 3)
    caplog.set_level(logging.DEBUG)  # the root logger, as `ahw -v` and Dagster's handlers see it
    result = deliver(warehouse, [url], wait=wait_none(), max_attempts=2)
    assert len(result.failed) == 1
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert "canary" not in logged.lower()
    # the failure itself is still recorded (without the URL), so nothing is lost by the silence
    errors = warehouse.execute("select error from ops.alert_deliveries where not success").fetchall()
    assert len(errors) == 2 and all(e[0] and "canary" not in e[0] for e in errors)


def test_ahw_alerts_deliver_prints_no_part_of_the_url(tmp_path):
    """breaker8's command: ``AHW_ALERT_URLS='json://canary-8f3k2tok.invalid/hook' ahw -v alerts deliver``."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        put_alert(con, "s1", "high", 3)
    env = {**os.environ, "AHW_DUCKDB_PATH": str(path), "AHW_ALERT_URLS": CANARY_URLS[0]}
    run = subprocess.run([sys.executable, "-m", "orchestration.cli", "-v", "alerts", "deliver"], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 1 and "1 failed after retries" in run.stdout
    assert "canary" not in (run.stdout + run.stderr).lower()
