"""End to end against the sandbox world: Amazon's push in, the warehouse reacts, people are told.

The sandbox clock moves over the scripted day the Critical account (cobalt-gadgets) turns AT_RISK;
the sandbox publishes ACCOUNT_STATUS_CHANGED to a real local SQS; the notifications sensor records it
and requests one account_refresh run, which takes a fresh snapshot of that account only, rebuilds the
marts and delivers the alerts with Apprise to a local JSON webhook, a Slack-shaped webhook and a local
SMTP server. The alert URLs and the PII salt carry canaries that must appear in no alert text.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import httpx
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.defs.extraction.assets import ACCOUNT_TAG
from orchestration.pipeline import run_job
from orchestration.sandbox import SandboxServer
from tests.canary import buyer_data_in_bi, buyer_data_in_exports, leaks_in_files, leaks_in_tables

CANARY_URL = "canary-url-token-5f1e2d"
CANARY_SALT = "canary-salt-9a8b7c"
BUYER_DOMAIN = "@marketplace.example.com"  # the sandbox's buyers' (rater) e-mail addresses
CRITICAL_ACCOUNT = "cobalt-gadgets"


@pytest.fixture(scope="module")
def flow(notification_world, sqs_server, receivers, tmp_path_factory):
    """Subscribe, move the clock over the critical day, run the sensor and the run it requests."""
    received, http_port, smtp_port = receivers
    data = tmp_path_factory.mktemp("alerts_e2e")
    urls = ",".join([
        f"json://127.0.0.1:{http_port}/generic?token={CANARY_URL}",
        f"json://127.0.0.1:{http_port}/slack/{CANARY_URL}?:message=text&:title=&:type=&:version=&:attachments=",
        f"mailto://127.0.0.1:{smtp_port}?from=alerts@example.com&to=seller@example.com&mode=insecure",
    ])  # fmt: skip
    with SandboxServer(notification_world, speed=3600, token_ttl_seconds=3600 * 3600, url_ttl_seconds=30 * 3600,
                       sqs_endpoint_url=sqs_server.endpoint_url) as sandbox:  # fmt: skip
        env = {
            "AHW_DATA_DIR": str(data), "AHW_DUCKDB_PATH": str(data / "warehouse.duckdb"),
            "AHW_SANDBOX_URL": sandbox.url, "AHW_ALERT_URLS": urls, "AHW_PII_SALT": CANARY_SALT,
            "AHW_SQS_WAIT_SECONDS": "1",
        }  # fmt: skip
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            setup = CliRunner().invoke(main, ["notifications", "setup"])
            assert setup.exit_code == 0, setup.output
            critical = notification_world.critical_date(CRITICAL_ACCOUNT)
            eve = datetime.combine(critical, datetime.min.time(), tzinfo=UTC) - timedelta(hours=1)
            for moment in (eve, eve + timedelta(hours=2)):
                httpx.put(f"{sandbox.url}/_sandbox/clock", json={"now": moment.isoformat()}).raise_for_status()
            from orchestration.defs.notifications.sensors import account_status_notifications

            with dg.build_sensor_context() as context:
                tick = account_status_notifications(context)
            (request,) = tick.run_requests
            day = datetime.fromisoformat(request.partition_key).date()
            instance = dg.DagsterInstance.ephemeral()
            refresh = run_job("account_refresh", day, day, instance=instance, tags=request.tags, raise_on_error=False)
            again = CliRunner().invoke(main, ["alerts", "deliver"])
            listing = CliRunner().invoke(main, ["alerts"])
            yield {
                "sandbox": sandbox, "critical": critical, "request": request, "refresh": refresh, "data": data,
                "received": received, "again": again, "listing": listing, "setup": setup,
                "published": sandbox.notifications.published(), "stats": sandbox.stats.snapshot(),
            }  # fmt: skip
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def query(flow, sql):
    with duckdb.connect(str(flow["data"] / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_one_notification_is_recorded_and_one_refresh_of_that_account_is_requested(flow):
    (published,) = flow["published"]
    assert (published["account"], published["currentAccountStatus"]) == (CRITICAL_ACCOUNT, "AT_RISK")
    assert query(
        flow,
        "select notification_id, account_id, previous_account_status, current_account_status from raw.notifications",
    ) == [  # fmt: skip
        (published["notificationId"], CRITICAL_ACCOUNT, "NORMAL", "AT_RISK")
    ]
    request = flow["request"]
    assert request.tags[ACCOUNT_TAG] == CRITICAL_ACCOUNT
    assert request.partition_key == flow["critical"].isoformat()


def test_the_refresh_takes_one_fresh_snapshot_of_that_account_only(flow):
    assert flow["refresh"].success
    loads = query(flow, "select account_id, marketplace_id, partition_date from raw.load_log "
                        "where report_type = 'GET_V2_SELLER_PERFORMANCE_REPORT' order by all")  # fmt: skip
    account = flow["sandbox"].world.account(CRITICAL_ACCOUNT)
    assert loads == [(CRITICAL_ACCOUNT, m, flow["critical"]) for m in sorted(account.marketplace_ids)]
    assert flow["stats"]["requests"]["createReport"] == len(account.marketplace_ids)
    statuses = dict(query(flow, "select marketplace_id, account_status from marts.fct_account_health_snapshots"))
    assert statuses == {"ATVPDKIKX0DER": "AT_RISK", "A1AM78C64UM0Y8": "NORMAL"}


def test_one_account_status_alert_merges_the_notification_and_the_snapshot(flow):
    rows = query(flow, "select alert_id, status, severity, sources, first_seen_at, details from marts.fct_alerts "
                       "where kind = 'account_status_changed'")  # fmt: skip
    ((alert_id, status, severity, sources, first_seen, details),) = rows
    assert (status, severity, sources) == ("open", "high", "notification,snapshot")
    assert first_seen == datetime.combine(flow["critical"], datetime.min.time())  # Amazon's eventTime
    assert json.loads(details)["affected_marketplace_ids"] == ["ATVPDKIKX0DER"]
    assert alert_id in flow["listing"].output and "AT_RISK" in flow["listing"].output


def _status_alerts(flow) -> tuple[list[dict], list[dict], list]:
    received = flow["received"]
    generic = [body for path, body in received.http if path.startswith("/generic")]
    slack = [body for path, body in received.http if path.startswith("/slack")]
    return generic, slack, received.mails


def test_the_status_alert_reaches_the_webhooks_and_the_mailbox_once(flow):
    generic, slack, mails = _status_alerts(flow)
    status_generic = [b for b in generic if "Account status changed" in b["title"]]
    assert len(status_generic) == 1 and CRITICAL_ACCOUNT in status_generic[0]["title"]
    assert "AT_RISK (was NORMAL)" in status_generic[0]["message"] and status_generic[0]["type"] == "warning"
    # Slack's incoming-webhook shape: a single "text" field.
    status_slack = [b for b in slack if "Amazon account status is AT_RISK" in b.get("text", "")]
    assert len(status_slack) == 1 and set(status_slack[0]) == {"text"}
    status_mails = [m for m in mails if "Account status changed" in str(m["Subject"])]
    assert len(status_mails) == 1 and "AT_RISK" in status_mails[0].get_payload(decode=True).decode()
    # Every open alert went to every target once; the attempt log says so, with no URL in it.
    opened = query(flow, "select count(*) from marts.fct_alerts where status = 'open'")[0][0]
    assert len(generic) == len(slack) == len(mails) == opened
    deliveries = query(flow, "select target_scheme, count(*), bool_and(success) from ops.alert_deliveries "
                             "group by all order by all")  # fmt: skip
    assert deliveries == [("json", 2 * opened, True), ("mailto", opened, True)]
    # Delivered once: a second delivery finds nothing new.
    assert flow["again"].exit_code == 0 and "nothing new" in flow["again"].output


def test_no_alert_text_carries_a_secret_or_a_buyer_email(flow):
    world = flow["sandbox"].world
    secrets = [CANARY_URL, CANARY_SALT, world.lwa_client_secret, *(a.refresh_token for a in world.accounts)]
    texts = flow["received"].texts()
    assert texts
    for text in texts:
        assert not [s for s in secrets if s in text], text
        assert BUYER_DOMAIN not in text, text
    stored = query(flow, "select string_agg(cast(d as varchar), '|') from ops.alert_deliveries as d")[0][0]
    assert not [s for s in secrets if s in stored]
    logs = "\n".join(e.message or "" for e in flow["refresh"].all_events)
    assert not [s for s in secrets if s in logs]
    assert not [s for s in secrets if s in flow["setup"].output + flow["listing"].output]
    # ... nor any table (every column of every schema) or file of the data folder (landing, exports, report)
    database = flow["data"] / "warehouse.duckdb"
    assert leaks_in_tables(database, secrets) == []
    assert leaks_in_files([flow["data"]], secrets) == []


def test_no_buyer_data_in_bi_readable_columns_or_exports(flow):
    database = flow["data"] / "warehouse.duckdb"
    assert query(flow, "select count(*) from marts.fct_alerts")[0][0] > 0
    assert buyer_data_in_bi(database) == []
    assert buyer_data_in_exports(flow["data"] / "exports") == []
