"""The sandbox speaks the Reports API wire protocol: auth, lifecycle, paging, downloads, throttling, faults."""

from __future__ import annotations

import gzip
import json
import time

import httpx
import pytest

from orchestration.sandbox import Fault, SandboxServer

API = "/reports/2021-06-30"
ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
FEEDBACK = "GET_SELLER_FEEDBACK_DATA"
RETURNS = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
V2 = "GET_V2_SELLER_PERFORMANCE_REPORT"
V1 = "GET_V1_SELLER_PERFORMANCE_REPORT"


def test_lwa_token_and_invalid_client(server):
    w = server.world
    form = {
        "grant_type": "refresh_token",
        "refresh_token": "Atzr|sandbox-acme-home",
        "client_id": w.lwa_client_id,
        "client_secret": w.lwa_client_secret,
    }
    ok = httpx.post(server.url + "/auth/o2/token", data=form)
    assert ok.status_code == 200
    assert {"access_token", "refresh_token", "token_type", "expires_in"} <= set(ok.json())
    bad = httpx.post(server.url + "/auth/o2/token", data={**form, "client_secret": "nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    grant = httpx.post(server.url + "/auth/o2/token", data={**form, "refresh_token": "Atzr|unknown"})
    assert grant.status_code == 400 and grant.json()["error"] == "invalid_grant"
    denied = httpx.get(server.url + f"{API}/reports/1", headers={"x-amz-access-token": "Atza|forged"})
    assert denied.status_code == 403 and denied.json()["errors"][0]["code"] == "Unauthorized"


def test_token_expires(small_world, make_api):
    with SandboxServer(small_world, speed=1000, token_ttl_seconds=50) as srv:  # 50 ms
        api = make_api(srv)
        time.sleep(0.1)
        r = api.get("1")
        assert r.status_code == 403
        assert r.json()["errors"][0]["details"] == "The access token you provided has expired."


def test_lifecycle_in_queue_to_done(small_world, make_api):
    with SandboxServer(small_world, speed=1, processing_seconds=0.4) as srv:
        api = make_api(srv)
        r = api.create(ORDERS)
        assert r.status_code == 202 and "x-amzn-RateLimit-Limit" in r.headers and "x-amzn-RequestId" in r.headers
        rid = r.json()["reportId"]
        assert api.get(rid).json()["processingStatus"] == "IN_QUEUE"
        time.sleep(0.2)
        assert api.get(rid).json()["processingStatus"] == "IN_PROGRESS"
        time.sleep(0.3)
        rep = api.get(rid).json()
        assert rep["processingStatus"] == "DONE" and rep["reportDocumentId"]
        assert rep["processingStartTime"] <= rep["processingEndTime"]


def test_download_is_gzip_without_content_encoding_and_matches_world(api, small_world):
    rep, _ = api.run(ORDERS)
    doc = api.document(rep["reportDocumentId"]).json()
    assert doc["compressionAlgorithm"] == "GZIP"
    dl = httpx.get(doc["url"])
    assert dl.status_code == 200 and "content-encoding" not in dl.headers
    assert dl.content[:2] == b"\x1f\x8b"
    lines = gzip.decompress(dl.content).decode().splitlines()
    from datetime import date

    expected = sum(len(small_world.order_item_rows("acme-home", "ATVPDKIKX0DER", date(2026, 11, d))) for d in (20, 21))
    assert len(lines) - 1 == expected


def test_window_and_marketplace_validation(api):
    r = api.create(ORDERS, start="2026-09-01T00:00:00Z", end="2026-11-21T00:00:00Z")
    assert r.status_code == 400 and "30 days" in r.json()["errors"][0]["message"]
    two = api.http.post(
        f"{API}/reports",
        headers=api.headers,
        json={"reportType": ORDERS, "marketplaceIds": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"]},
    )
    assert two.status_code == 400 and two.json()["errors"][0]["code"] == "InvalidInput"
    assert api.get("999").status_code == 404


def test_empty_returns_window_is_cancelled_and_snapshots_never(api):
    rep, body = api.run(RETURNS, start="2020-01-01T00:00:00Z", end="2020-01-31T00:00:00Z")
    assert rep["processingStatus"] == "CANCELLED" and body is None and "reportDocumentId" not in rep
    rep, body = api.run(V2, start="2020-01-01T00:00:00Z", end="2020-01-31T00:00:00Z")
    assert rep["processingStatus"] == "DONE"
    assert json.loads(body)["accountStatuses"][0]["marketplaceId"] == "ATVPDKIKX0DER"
    rep, body = api.run(V1)
    assert rep["processingStatus"] == "DONE" and body.startswith(b"<?xml")


def test_v2_document_agrees_with_ground_truth(server, make_api):
    api = make_api(server, "cobalt-gadgets")
    rep, body = api.run(V2)
    doc = json.loads(body)
    truth = server.world.performance("cobalt-gadgets", "ATVPDKIKX0DER", server.clock.now())
    pm = doc["performanceMetrics"][0]
    assert doc["accountStatuses"][0]["status"] == truth["account_status"]
    assert pm["accountHealthRating"]["ahrScore"] == truth["ahr_score"] < 100
    assert (
        pm["productSafetyCustomerComplaints"]["defectsCount"] == truth["violations"]["productSafetyCustomerComplaints"]
    )
    assert "prefulfillmentCancelRate" in pm and "documentRequest" in pm and "warningState" in pm


def test_get_reports_paging(api):
    ids = {api.create(V2).json()["reportId"] for _ in range(5)}
    seen, token, pages = set(), None, 0
    while True:
        params = {"nextToken": token} if token else {"reportTypes": V2, "pageSize": 2}
        r = api.http.get(f"{API}/reports", params=params, headers=api.headers)
        assert r.status_code == 200, r.text
        seen |= {x["reportId"] for x in r.json()["reports"]}
        pages += 1
        token = r.json().get("nextToken")
        if not token:
            break
    assert seen == ids and pages == 3
    r = api.http.get(f"{API}/reports", params={"reportTypes": V2, "pageSize": 101}, headers=api.headers)
    assert r.status_code == 400


def test_cancel_report(small_world, make_api):
    with SandboxServer(small_world, speed=1, processing_seconds=10) as srv:
        api = make_api(srv)
        rid = api.create(V2).json()["reportId"]
        r = api.http.delete(f"{API}/reports/{rid}", headers=api.headers)
        assert r.status_code == 200
        assert api.get(rid).json()["processingStatus"] == "CANCELLED"
        again = api.http.delete(f"{API}/reports/{rid}", headers=api.headers)
        assert again.status_code == 400 and again.json()["errors"][0]["code"] == "InvalidInput"


def test_url_expires(small_world, make_api):
    with SandboxServer(small_world, speed=1000, url_ttl_seconds=300, token_ttl_seconds=3_600_000) as srv:  # 300 ms
        api = make_api(srv)
        rep = api.wait(api.create(V2).json()["reportId"])
        url = api.document(rep["reportDocumentId"]).json()["url"]
        assert httpx.get(url).status_code == 200
        time.sleep(0.4)
        dl = httpx.get(url)
        assert dl.status_code == 403 and b"Request has expired" in dl.content and b"AccessDenied" in dl.content


def test_throttled_after_burst(small_world, make_api):
    with SandboxServer(small_world, speed=1) as srv:
        api = make_api(srv)
        codes = [api.http.get(f"{API}/reports", params={"reportTypes": V2}, headers=api.headers) for _ in range(11)]
        assert [c.status_code for c in codes[:10]] == [200] * 10
        assert codes[10].status_code == 429 and codes[10].json()["errors"][0]["code"] == "QuotaExceeded"
        assert "x-amzn-RateLimit-Limit" not in codes[10].headers
        assert srv.stats.throttled["getReports"] == 1 and srv.stats.requests["getReports"] == 11
        # another seller has its own bucket
        other = make_api(srv, "cobalt-gadgets")
        assert other.http.get(f"{API}/reports", params={"reportTypes": V2}, headers=other.headers).status_code == 200


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("throttle_storm", 429, "QuotaExceeded"),
        ("server_error", 500, "InternalFailure"),
        ("service_unavailable", 503, "ServiceUnavailable"),
    ],
)
def test_request_faults(api, server, kind, status, code):
    server.faults.add(Fault(kind, operation="createReport", times=2))
    for _ in range(2):
        r = api.create(V2)
        assert r.status_code == status and r.json()["errors"][0]["code"] == code
    assert api.create(V2).status_code == 202


def test_fatal_and_stuck(api, server):
    server.faults.add(Fault("fatal", report_type=V2))
    rep, body = api.run(V2)
    assert rep["processingStatus"] == "FATAL" and "errorDetails" in json.loads(body)
    server.faults.add(Fault("stuck", report_type=V2))
    rid = api.create(V2).json()["reportId"]
    time.sleep(0.02)
    assert api.wait(rid, timeout=0.1)["processingStatus"] == "IN_PROGRESS"


def test_url_and_download_faults(api, server):
    rep, _ = api.run(V2)
    server.faults.add(Fault("expired_url"))
    dl = httpx.get(api.document(rep["reportDocumentId"]).json()["url"])
    assert dl.status_code == 403 and b"Request has expired" in dl.content
    server.faults.add(Fault("truncated_gzip"))
    dl = httpx.get(api.document(rep["reportDocumentId"]).json()["url"])
    assert dl.status_code == 200
    with pytest.raises((EOFError, OSError)):
        gzip.decompress(dl.content)


def _header(body: bytes) -> list[str]:
    return body.decode().splitlines()[0].split("\t")


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("schema_missing_column", lambda h, n, base: "order-status" not in h),
        ("schema_extra_column", lambda h, n, base: "sandbox-unknown-column" in h),
        ("schema_renamed_column", lambda h, n, base: "order-state" in h and "order-status" not in h),
        ("duplicate_rows", lambda h, n, base: n > base),
        ("empty_document", lambda h, n, base: n == 0),
    ],
)
def test_flat_document_faults(api, server, kind, check):
    _, clean = api.run(ORDERS)
    base = len(clean.splitlines()) - 1
    server.faults.add(Fault(kind, report_type=ORDERS))
    rep, body = api.run(ORDERS)
    assert rep["processingStatus"] == "DONE"
    assert check(_header(body), len(body.splitlines()) - 1, base)


def test_localized_feedback_headers(server, make_api):
    api = make_api(server, "brightline-outdoor")
    server.faults.add(Fault("schema_localized_headers", report_type=FEEDBACK))
    rep, body = api.run(
        FEEDBACK, marketplace_id="A1PA6795UKMFR9", start="2026-10-01T00:00:00Z", end="2026-11-25T00:00:00Z"
    )
    assert _header(body) == [
        "Datum",
        "Bewertung",
        "Kommentare",
        "Ihre Antwort",
        "Bestellnummer",
        "E-Mail-Adresse des Bewerters",
    ]


def test_v2_faults(api, server):
    server.faults.add(Fault("unknown_keys", report_type=V2))
    _, body = api.run(V2)
    doc = json.loads(body)
    assert doc["accountStatuses"][0]["status"] == "SUSPENDED" and "sandboxFutureMetric" in doc["performanceMetrics"][0]
    server.faults.add(Fault("stale_snapshot", report_type=V2))
    _, body = api.run(V2)
    to = json.loads(body)["performanceMetrics"][0]["accountHealthRating"]["reportingDateRange"]["reportingDateTo"]
    assert to[:10] < (server.clock.now().date().replace(day=1)).isoformat()


def test_admin_clock_faults_world(server):
    r = httpx.put(server.url + "/_sandbox/clock", json={"now": "2026-10-01T23:59:59Z"})
    assert r.status_code == 200 and r.json()["now"].startswith("2026-10-01T23:59:59")
    assert server.clock.now().date().isoformat() == "2026-10-01"
    assert httpx.post(server.url + "/_sandbox/faults", json={"kind": "fatal", "times": 1}).status_code == 201
    assert len(server.faults.active()) == 1
    assert httpx.post(server.url + "/_sandbox/faults", json={"kind": "bogus"}).status_code == 400
    assert httpx.delete(server.url + "/_sandbox/faults").status_code == 200 and not server.faults.active()
    world = httpx.get(server.url + "/_sandbox/world").json()
    assert [a["seller_id"] for a in world["accounts"]] == [a.seller_id for a in server.world.accounts]
    assert [a["name"] for a in world["accounts"]] == [
        "acme-home",
        "brightline-outdoor",
        "cobalt-gadgets",
        "hinoki-kitchen",
    ]
    assert world["lwa_client_id"] == server.world.lwa_client_id


@pytest.mark.parametrize(
    ("account", "marketplace_id", "charset", "codec"),
    [
        ("acme-home", "ATVPDKIKX0DER", "utf8", "utf-8"),
        ("brightline-outdoor", "A1PA6795UKMFR9", "Cp1252", "cp1252"),
        ("hinoki-kitchen", "A1VC38T7YXB528", "Windows-31J", "cp932"),
    ],
)
def test_download_declares_the_flat_files_charset_like_amazon(
    server, make_api, account, marketplace_id, charset, codec
):
    api = make_api(server, account)
    rep = api.wait(api.create(ORDERS, marketplace_id=marketplace_id, start="2026-11-01T00:00:00Z",
                              end="2026-11-25T23:59:59Z").json()["reportId"])  # fmt: skip
    dl = httpx.get(api.document(rep["reportDocumentId"]).json()["url"])
    assert dl.status_code == 200 and "content-encoding" not in dl.headers
    assert dl.headers["content-type"] == f"text/plain; charset={charset}"
    body = gzip.decompress(dl.content)
    text = body.decode(codec)
    from datetime import date, timedelta

    rows = [
        r
        for d in range(25)
        for r in server.world.order_item_rows(account, marketplace_id, date(2026, 11, 25) - timedelta(days=d))
    ]
    assert len(text.splitlines()) - 1 == len(rows)
    names = {r["product-name"] for r in rows}
    assert names <= {line.split("\t")[10] for line in text.splitlines()[1:]}
    if codec == "cp932":
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
    _, v2 = api.run(V2, marketplace_id=marketplace_id)
    assert json.loads(v2.decode("utf-8"))["accountStatuses"][0]["marketplaceId"] == marketplace_id


def test_v1_report_is_served_in_the_documented_shape(server, make_api):
    import xml.etree.ElementTree as ET

    api = make_api(server, "hinoki-kitchen")
    rep, body = api.run(V1, marketplace_id="A39IBJ37TRP1C6")
    assert rep["processingStatus"] == "DONE"
    root = ET.fromstring(body)
    assert root.find(".//marketplaceId") is None
    assert root.findall("sellerPerformanceReport/orderDefects/orderDefectMetrics")
    assert root.find("sellerPerformanceReport/performanceChecklist/orderDefectRate/status") is not None
