"""A local HTTP emulator of Login with Amazon + Reports API 2021-06-30, over real HTTP.

Why it exists: with no credentials everything runs against this server through the same client
code that talks to Amazon, so it speaks Amazon's wire protocol -- paths,
status codes, error shape, headers, throttling, pre-signed gzip downloads -- as described by the
official model ``reports_2021-06-30.json``. It imitates Amazon, never our extractor.

Time: report processing, URL lifetime, token lifetime and bucket refill are divided by ``speed``.
The *as-of* time of snapshots is ``clock.now()``, which starts at ``end_date 23:59:59 UTC`` and
advances with wall time from the moment it was set (``PUT /_sandbox/clock`` moves it).

Sandbox-only admin endpoints (not Amazon): ``GET/PUT /_sandbox/clock``, ``GET/POST/DELETE
/_sandbox/faults``, ``GET /_sandbox/world``.

The Notifications API (``/notifications/v1``, LWA ``client_credentials`` tokens, publishing to SQS as
the clock moves) lives in ``notifications.py``; this module only routes to it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import hmac
import itertools
import json
import logging
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from orchestration.sandbox import documents
from orchestration.sandbox.faults import (
    DOWNLOAD_KINDS,
    REPORT_KINDS,
    REQUEST_KINDS,
    URL_KINDS,
    Fault,
    FaultPlan,
)
from orchestration.sandbox.formats import STRUCTURED, TextEncoding, flat_file_encoding
from orchestration.sandbox.notifications import PREFIX as NOTIFICATIONS_PREFIX
from orchestration.sandbox.notifications import NotificationsApi
from orchestration.sandbox.world import SandboxAccount, World, WorldConfig
from orchestration.spapi.report_types import REPORT_TYPES, SELLER_PERFORMANCE, SELLER_PERFORMANCE_V1

log = logging.getLogger(__name__)

API = "/reports/2021-06-30"
FLAT_DOC_KINDS = {"schema_missing_column", "schema_extra_column", "schema_renamed_column",
                  "schema_localized_headers", "duplicate_rows", "empty_document", "out_of_range_values"}  # fmt: skip
V2_DOC_KINDS = {"unknown_keys", "stale_snapshot"}


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class SandboxClock:
    """The sandbox's notion of "now" for snapshots; advances with wall time from the moment it was set."""

    def __init__(self, initial: datetime):
        self._lock = threading.Lock()
        self.set(initial)

    def set(self, value: datetime) -> None:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        with self._lock:
            self._base, self._mono = value.astimezone(UTC), time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=time.monotonic() - self._mono)


class ServerStats:
    """Per-operation request and 429 counts (for tests and the demo)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.statuses: Counter[tuple[str, int]] = Counter()

    def record(self, operation: str, status: int) -> None:
        with self._lock:
            self.requests[operation] += 1
            self.statuses[(operation, status)] += 1
            if status == 429:
                self.throttled[operation] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"requests": dict(self.requests), "throttled": dict(self.throttled)}


@dataclass
class _Report:
    report_id: str
    account: SandboxAccount
    report_type: str
    marketplace_ids: list[str]
    data_start: datetime
    data_end: datetime
    created_time: datetime
    created_mono: float
    as_of: datetime
    report_fault: str | None
    doc_fault: str | None
    cancelled: bool = False
    final_status: str | None = None
    document_id: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class _Document:
    document_id: str
    report: _Report
    body: bytes  # gzip
    content_type: str
    """What the pre-signed URL's response declares: ``text/plain; charset=...`` of the document's text."""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: str = ""):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class SandboxServer:
    """LWA + Reports API emulator on 127.0.0.1; ``start()``/``stop()`` or use as a context manager."""

    def __init__(self, world: World, *, speed: float = 60.0, processing_seconds: float = 2.0,
                 url_ttl_seconds: float = 300, token_ttl_seconds: float = 3600,
                 host: str = "127.0.0.1", port: int = 0, sqs_endpoint_url: str | None = None):  # fmt: skip
        from orchestration.sandbox.throttling import TokenBuckets

        self.world = world
        self.speed = float(speed)
        self.processing_seconds = processing_seconds
        self.url_ttl_seconds = url_ttl_seconds
        self.token_ttl_seconds = token_ttl_seconds
        self.host, self.port = host, port
        self.clock = SandboxClock(documents.end_of_day(world.end_date))
        self.faults = FaultPlan()
        self.stats = ServerStats()
        self.buckets = TokenBuckets(speed=self.speed)
        self._lock = threading.Lock()
        self._secret = secrets.token_bytes(32)
        self._tokens: dict[str, tuple[SandboxAccount, float]] = {}
        self._reports: dict[str, _Report] = {}
        self._documents: dict[str, _Document] = {}
        self._next_tokens: dict[str, tuple[dict, int]] = {}
        # Amazon's report ids are unique for good; a restarted sandbox must not reuse one, or a
        # landing area kept across runs would see one id with two different documents.
        self._ids = itertools.count(time.time_ns() // 1000)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.notifications = NotificationsApi(self, sqs_endpoint_url)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SandboxServer:
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-spapi", daemon=True
        )
        self._thread.start()
        self.notifications.start()
        return self

    def stop(self) -> None:
        self.notifications.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _seconds(self, virtual_seconds: float) -> float:
        return virtual_seconds / self.speed

    # ------------------------------------------------------------------ LWA
    def issue_token(self, form: dict[str, str]) -> tuple[int, dict]:
        if form.get("grant_type") == "client_credentials":  # grantless operations (Notifications API)
            return self.notifications.issue_grantless_token(form)
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type", "error_description": "The authorization grant type is not supported by the authorization server"}  # fmt: skip
        if (
            form.get("client_id") != self.world.lwa_client_id
            or form.get("client_secret") != self.world.lwa_client_secret
        ):
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        refresh = form.get("refresh_token", "")
        account = next((a for a in self.world.accounts if a.refresh_token == refresh), None)
        if account is None:
            return 400, {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"}  # fmt: skip
        token = "Atza|sandbox." + secrets.token_urlsafe(32)
        ttl = self._seconds(self.token_ttl_seconds)
        with self._lock:
            self._tokens[token] = (account, time.monotonic() + ttl)
        return 200, {"access_token": token, "refresh_token": refresh, "token_type": "bearer",
                     "expires_in": max(1, int(ttl))}  # fmt: skip

    def authenticate(self, token: str | None) -> SandboxAccount:
        with self._lock:
            entry = self._tokens.get(token or "")
        if entry is None:
            raise ApiError(403, "Unauthorized", "Access to requested resource is denied.",
                           "The access token you provided is revoked, malformed or invalid.")  # fmt: skip
        account, expires = entry
        if time.monotonic() >= expires:
            raise ApiError(403, "Unauthorized", "Access to requested resource is denied.",
                           "The access token you provided has expired.")  # fmt: skip
        return account

    # ------------------------------------------------------------------ reports
    def create_report(self, account: SandboxAccount, body: dict) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, "InvalidInput", "Request body must be a JSON object.")
        rt_name = body.get("reportType")
        mkts = body.get("marketplaceIds")
        if not rt_name or not isinstance(rt_name, str):
            raise ApiError(400, "InvalidInput", "Missing required field: reportType.")
        rt = REPORT_TYPES.get(rt_name)
        if rt is None:
            raise ApiError(400, "InvalidInput", f"Report type {rt_name} is not supported.")
        if not isinstance(mkts, list) or not mkts:
            raise ApiError(400, "InvalidInput", "Missing required field: marketplaceIds.")
        if len(mkts) != 1:
            raise ApiError(400, "InvalidInput", f"Report type {rt_name} supports exactly one marketplaceId per request; got {len(mkts)}.")  # fmt: skip
        if mkts[0] not in account.marketplace_ids:
            raise ApiError(400, "InvalidInput", f"Invalid marketplaceId {mkts[0]} for this selling partner.")
        now = self.clock.now()
        try:
            end = _parse_time(body["dataEndTime"]) if body.get("dataEndTime") else now
            start = (_parse_time(body["dataStartTime"]) if body.get("dataStartTime")
                     else end - timedelta(days=min(rt.max_window_days or 1, 30)))  # fmt: skip
        except (ValueError, TypeError) as exc:
            raise ApiError(400, "InvalidInput", f"Invalid dataStartTime/dataEndTime: {exc}") from None
        if end < start:
            raise ApiError(400, "InvalidInput", "dataEndTime must not be earlier than dataStartTime.")
        if rt.max_window_days is not None and end - start > timedelta(days=rt.max_window_days):
            raise ApiError(400, "InvalidInput",
                           f"The requested date range exceeds the maximum of {rt.max_window_days} days allowed for {rt_name}.")  # fmt: skip
        ctx = {"report_type": rt_name, "seller_id": account.seller_id, "marketplace_id": mkts[0]}
        report_fault = self.faults.take(REPORT_KINDS, **ctx)
        doc_kinds = (
            V2_DOC_KINDS if rt.name == SELLER_PERFORMANCE.name else (set() if rt.is_snapshot else FLAT_DOC_KINDS)
        )
        doc_fault = self.faults.take(doc_kinds, **ctx) if doc_kinds else None
        report_id = str(next(self._ids))
        rep = _Report(report_id, account, rt_name, list(mkts), start, end, now, time.monotonic(), now,
                      report_fault.kind if report_fault else None, doc_fault.kind if doc_fault else None)  # fmt: skip
        with self._lock:
            self._reports[report_id] = rep
        return {"reportId": report_id}

    def _get(self, account: SandboxAccount, report_id: str) -> _Report:
        with self._lock:
            rep = self._reports.get(report_id)
        if rep is None or rep.account.seller_id != account.seller_id:
            raise ApiError(404, "NotFound", f"Report {report_id} not found.")
        return rep

    def _status(self, rep: _Report) -> str:
        with rep.lock:
            if rep.final_status:
                return rep.final_status
            if rep.cancelled:
                rep.final_status = "CANCELLED"
                return rep.final_status
            elapsed = time.monotonic() - rep.created_mono
            total = self._seconds(self.processing_seconds)
            if elapsed < 0.25 * total:
                return "IN_QUEUE"
            if elapsed < total or rep.report_fault == "stuck":
                return "IN_PROGRESS"
            self._finish(rep)
            return rep.final_status

    def _add_document(self, rep: _Report, raw: bytes, encoding: TextEncoding = STRUCTURED) -> str:
        doc_id = f"amzn1.spdoc.1.4.{rep.account.region.lower()}.{uuid.uuid4()}.T{rep.report_id}"
        with self._lock:
            self._documents[doc_id] = _Document(doc_id, rep, gzip.compress(raw, mtime=0), encoding.content_type)
        return doc_id

    def _finish(self, rep: _Report) -> None:
        """Render the document at the moment processing ends (called with rep.lock held)."""
        if rep.report_fault == "fatal":
            err = {"errorDetails": f"Report {rep.report_id} of type {rep.report_type} could not be generated "
                                   "because of an internal processing error. Please try again later."}  # fmt: skip
            rep.document_id = self._add_document(rep, documents.json_bytes(err))
            rep.final_status = "FATAL"
            return
        name, acct = rep.account.name, rep.account
        if rep.report_type == SELLER_PERFORMANCE.name:
            as_of = rep.as_of - timedelta(days=45) if rep.doc_fault == "stale_snapshot" else rep.as_of
            doc = documents.v2_document(self.world, name, rep.marketplace_ids, as_of,
                                        unknown_keys=rep.doc_fault == "unknown_keys")  # fmt: skip
            raw = documents.json_bytes(doc)
        elif rep.report_type == SELLER_PERFORMANCE_V1.name:
            raw = documents.v1_document(self.world, name, rep.marketplace_ids, rep.as_of)
        else:
            rows = documents.flat_rows(self.world, rep.report_type, acct.name, rep.marketplace_ids[0],
                                       rep.data_start, rep.data_end, rep.as_of)  # fmt: skip
            columns, rows = documents.apply_tsv_fault(rep.doc_fault, rep.report_type,
                                                      list(documents.FLAT_COLUMNS[rep.report_type]), rows)  # fmt: skip
            if not rows and rep.doc_fault != "empty_document":
                rep.final_status = "CANCELLED"
                return
            encoding = flat_file_encoding(rep.marketplace_ids[0])
            rep.document_id = self._add_document(rep, documents.render_tsv(columns, rows, encoding), encoding)
            rep.final_status = "DONE"
            return
        rep.document_id = self._add_document(rep, raw)
        rep.final_status = "DONE"

    def report_json(self, rep: _Report) -> dict:
        status = self._status(rep)
        out = {"reportId": rep.report_id, "reportType": rep.report_type, "dataStartTime": _iso(rep.data_start),
               "dataEndTime": _iso(rep.data_end), "marketplaceIds": list(rep.marketplace_ids),
               "createdTime": _iso(rep.created_time), "processingStatus": status}  # fmt: skip
        if status != "IN_QUEUE" and not (status == "CANCELLED" and rep.cancelled):
            out["processingStartTime"] = _iso(rep.created_time + timedelta(seconds=0.25 * self.processing_seconds))
        if status in ("DONE", "FATAL", "CANCELLED") and not rep.cancelled:
            out["processingEndTime"] = _iso(rep.created_time + timedelta(seconds=self.processing_seconds))
        if rep.document_id:
            out["reportDocumentId"] = rep.document_id
        return out

    def get_report(self, account: SandboxAccount, report_id: str) -> dict:
        return self.report_json(self._get(account, report_id))

    def cancel_report(self, account: SandboxAccount, report_id: str) -> None:
        rep = self._get(account, report_id)
        status = self._status(rep)
        with rep.lock:
            if status != "IN_QUEUE":
                raise ApiError(400, "InvalidInput", f"Report {report_id} cannot be cancelled: its processingStatus is {status}; only IN_QUEUE reports can be cancelled.")  # fmt: skip
            rep.cancelled = True
            rep.final_status = "CANCELLED"

    def get_reports(self, account: SandboxAccount, query: dict[str, list[str]]) -> dict:
        def listed(name: str) -> list[str] | None:
            values = [v for raw in query.get(name, []) for v in raw.split(",") if v]
            return values or None

        if query.get("nextToken"):
            token = query["nextToken"][0]
            with self._lock:
                found = self._next_tokens.get(token)
            if found is None or found[0]["seller_id"] != account.seller_id:
                raise ApiError(400, "InvalidInput", "Invalid nextToken.")
            filters, offset = found
        else:
            report_types = listed("reportTypes")
            if not report_types:
                raise ApiError(400, "InvalidInput", "Either reportTypes or nextToken is required.")
            if len(report_types) > 10:
                raise ApiError(400, "InvalidInput", "reportTypes accepts at most 10 values.")
            statuses = listed("processingStatuses")
            bad = set(statuses or []) - {"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"}
            if bad:
                raise ApiError(400, "InvalidInput", f"Invalid processingStatuses: {', '.join(sorted(bad))}.")
            try:
                page_size = int(query.get("pageSize", ["10"])[0])
                now = self.clock.now()
                since = _parse_time(query["createdSince"][0]) if "createdSince" in query else now - timedelta(days=90)
                until = _parse_time(query["createdUntil"][0]) if "createdUntil" in query else None
            except ValueError as exc:
                raise ApiError(400, "InvalidInput", f"Invalid query parameter: {exc}") from None
            if not 1 <= page_size <= 100:
                raise ApiError(400, "InvalidInput", "pageSize must be between 1 and 100.")
            filters = {"seller_id": account.seller_id, "report_types": report_types, "statuses": statuses,
                       "marketplace_ids": listed("marketplaceIds"), "page_size": page_size, "since": since,
                       "until": until}  # fmt: skip
            offset = 0
        with self._lock:
            candidates = [r for r in self._reports.values() if r.account.seller_id == account.seller_id]
        matching = []
        for rep in sorted(candidates, key=lambda r: (r.created_time, int(r.report_id)), reverse=True):
            if rep.report_type not in filters["report_types"]:
                continue
            if rep.created_time < filters["since"] or (filters["until"] and rep.created_time > filters["until"]):
                continue
            if filters["marketplace_ids"] and not set(rep.marketplace_ids) & set(filters["marketplace_ids"]):
                continue
            doc = self.report_json(rep)
            if filters["statuses"] and doc["processingStatus"] not in filters["statuses"]:
                continue
            matching.append(doc)
        size = filters["page_size"]
        out: dict = {"reports": matching[offset : offset + size]}
        if offset + size < len(matching):
            token = secrets.token_urlsafe(24)
            with self._lock:
                self._next_tokens[token] = (filters, offset + size)
            out["nextToken"] = token
        return out

    def get_report_document(self, account: SandboxAccount, document_id: str) -> dict:
        with self._lock:
            doc = self._documents.get(document_id)
        if doc is None or doc.report.account.seller_id != account.seller_id:
            raise ApiError(404, "NotFound", f"Report document {document_id} not found.")
        expires = time.time() + self._seconds(self.url_ttl_seconds)
        rep = doc.report
        if self.faults.take(URL_KINDS, report_type=rep.report_type, seller_id=rep.account.seller_id,
                            marketplace_id=rep.marketplace_ids[0]):  # fmt: skip
            expires = time.time() - 1
        exp = f"{expires:.3f}"
        return {"reportDocumentId": document_id, "url": f"{self.url}/_documents/{document_id}?expires={exp}&signature={self._sign(document_id, exp)}",
                "compressionAlgorithm": "GZIP"}  # fmt: skip

    def _sign(self, document_id: str, expires: str) -> str:
        return hmac.new(self._secret, f"{document_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def download(self, document_id: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """(status, body, Content-Type) of a pre-signed URL: the raw gzip bytes, declared as the text
        they decompress to (``text/plain; charset=Cp1252`` ...), never with a Content-Encoding."""
        exp = (query.get("expires") or [""])[0]
        sig = (query.get("signature") or [""])[0]
        with self._lock:
            doc = self._documents.get(document_id)
        if doc is None:
            return 404, _s3_error("NoSuchKey", "The specified key does not exist."), "application/xml"
        if not hmac.compare_digest(sig, self._sign(document_id, exp)):
            return 403, _s3_error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."), "application/xml"  # fmt: skip
        if time.time() > float(exp):
            return 403, _s3_error("AccessDenied", "Request has expired", expires=exp), "application/xml"
        body = doc.body
        rep = doc.report
        if self.faults.take(DOWNLOAD_KINDS, report_type=rep.report_type, seller_id=rep.account.seller_id,
                            marketplace_id=rep.marketplace_ids[0]):  # fmt: skip
            body = body[: len(body) // 2]
        return 200, body, doc.content_type

    def world_info(self) -> dict:
        return {
            "accounts": [
                {
                    "name": a.name,
                    "seller_id": a.seller_id,
                    "region": a.region,
                    "marketplace_ids": list(a.marketplace_ids),
                    "refresh_token": a.refresh_token,
                    "scenario": a.scenario,
                }
                for a in self.world.accounts
            ],  # fmt: skip
            "config": self.world.config.as_dict(),
            "start_date": self.world.start_date.isoformat(),
            "end_date": self.world.end_date.isoformat(),
            "lwa_client_id": self.world.lwa_client_id,
            "lwa_client_secret": self.world.lwa_client_secret,
            "speed": self.speed,
            **self.notifications.info(),
        }


def _s3_error(code: str, message: str, expires: str | None = None) -> bytes:
    extra = ""
    if expires is not None:
        extra = (f"<Expires>{_iso(datetime.fromtimestamp(float(expires), UTC))}</Expires>"
                 f"<ServerTime>{_iso(datetime.now(UTC))}</ServerTime>")  # fmt: skip
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>{extra}'
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>sandbox</HostId></Error>"
    ).encode()


_ROUTES = [
    ("POST", f"{API}/reports", "createReport"),
    ("GET", f"{API}/reports", "getReports"),
    ("GET", f"{API}/reports/", "getReport"),
    ("DELETE", f"{API}/reports/", "cancelReport"),
    ("GET", f"{API}/documents/", "getReportDocument"),
]


class _Handler(BaseHTTPRequestHandler):
    sandbox: SandboxServer
    protocol_version = "HTTP/1.1"
    server_version = "ahw-sandbox-spapi"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        log.debug("sandbox %s - %s", self.address_string(), format % args)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    # -------------------------------------------------------------- plumbing
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, doc: dict, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(doc).encode(), "application/json", headers)

    def _error(self, err: ApiError, headers: dict[str, str] | None = None) -> None:
        item = {"code": err.code, "message": err.message}
        if err.details:
            item["details"] = err.details
        self._json(err.status, {"errors": [item]}, headers)

    def _dispatch(self, method: str) -> None:
        try:
            parts = urlsplit(self.path)
            path, query = parts.path.rstrip("/") or "/", parse_qs(parts.query, keep_blank_values=False)
            body = self._body()
            if path == "/auth/o2/token" and method == "POST":
                return self._token(body)
            if path.startswith("/_documents/") and method == "GET":
                status, data, ctype = self.sandbox.download(path[len("/_documents/") :], query)
                return self._send(status, data, ctype)
            if path.startswith("/_sandbox/"):
                return self._admin(method, path, body)
            if path.startswith(NOTIFICATIONS_PREFIX + "/"):
                return self.sandbox.notifications.handle(self, method, path, query, body)
            for m, prefix, op in _ROUTES:
                if m == method and (path == prefix if not prefix.endswith("/") else
                                    path.startswith(prefix) and "/" not in path[len(prefix):]):  # fmt: skip
                    return self._api(op, path[len(prefix) :] if prefix.endswith("/") else None, query, body)
            self._error(ApiError(404, "NotFound", f"Resource {method} {path} not found."))
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout) before the answer was written: as on Amazon, its retry asks again.
            log.info("client closed the connection before %s %s was answered", method, self.path.split("?")[0])
        except Exception as exc:  # the server must answer, never hang the client
            log.exception("sandbox internal error")
            with contextlib.suppress(Exception):
                self._error(
                    ApiError(500, "InternalFailure", "We encountered an internal error. Please try again.", str(exc))
                )

    def _token(self, body: bytes) -> None:
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            form = {k: str(v) for k, v in (json.loads(body or b"{}") or {}).items()}
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        status, doc = self.sandbox.issue_token(form)
        self._json(status, doc)

    def _api(self, op: str, ident: str | None, query: dict, body: bytes) -> None:
        sb = self.sandbox
        status = 500
        try:
            account = sb.authenticate(self.headers.get("x-amz-access-token"))
            payload = None
            ctx: dict = {"seller_id": account.seller_id}
            if op == "createReport":
                try:
                    payload = json.loads(body or b"null")
                except ValueError:
                    raise ApiError(400, "InvalidInput", "Request body is not valid JSON.") from None
                if isinstance(payload, dict):
                    mk = payload.get("marketplaceIds") or [None]
                    ctx.update(
                        report_type=payload.get("reportType"), marketplace_id=mk[0] if isinstance(mk, list) else None
                    )
            elif op in ("getReport", "cancelReport") and ident:
                with sb._lock:
                    rep = sb._reports.get(ident)
                if rep is not None:
                    ctx.update(report_type=rep.report_type, marketplace_id=rep.marketplace_ids[0])
            fault = sb.faults.take(REQUEST_KINDS, operation=op, **ctx)
            if fault is not None:
                if fault.kind == "throttle_storm":
                    raise ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
                if fault.kind == "server_error":
                    raise ApiError(500, "InternalFailure", "We encountered an internal error. Please try again.")
                raise ApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.")
            if not sb.buckets.try_acquire(account.seller_id, op):
                raise ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
            limit = {"x-amzn-RateLimit-Limit": f"{sb.buckets.rate(op):g}"}
            if op == "createReport":
                doc, status = sb.create_report(account, payload), 202
            elif op == "getReport":
                doc, status = sb.get_report(account, ident), 200
            elif op == "getReports":
                doc, status = sb.get_reports(account, query), 200
            elif op == "cancelReport":
                sb.cancel_report(account, ident)
                doc, status = {}, 200
            else:
                doc, status = sb.get_report_document(account, ident), 200
            self._json(status, doc, limit)
        except ApiError as err:
            status = err.status
            headers = {} if err.status == 429 else {"x-amzn-RateLimit-Limit": f"{sb.buckets.rate(op):g}"}
            self._error(err, headers)
        finally:
            sb.stats.record(op, status)

    def _admin(self, method: str, path: str, body: bytes) -> None:
        sb = self.sandbox
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return self._error(ApiError(400, "InvalidInput", "Request body is not valid JSON."))
        if path == "/_sandbox/clock":
            if method == "PUT":
                try:
                    sb.clock.set(_parse_time(data["now"]))
                except (KeyError, ValueError, TypeError) as exc:
                    return self._error(ApiError(400, "InvalidInput", f'Expected {{"now": ISO timestamp}}: {exc}'))
                sb.notifications.advance()  # publish the status changes the move crossed before answering
            if method in ("GET", "PUT"):
                return self._json(200, {"now": sb.clock.now().isoformat()})
        if path == "/_sandbox/faults":
            if method == "POST":
                try:
                    fault = sb.faults.add(Fault(**data))
                except (TypeError, ValueError) as exc:
                    return self._error(ApiError(400, "InvalidInput", str(exc)))
                return self._json(201, fault.to_dict())
            if method == "DELETE":
                sb.faults.clear()
                return self._json(200, {"faults": []})
            if method == "GET":
                return self._json(200, {"faults": [f.to_dict() for f in sb.faults.active()]})
        if path == "/_sandbox/notifications":
            return sb.notifications.admin(self, method, path)
        if path == "/_sandbox/world" and method == "GET":
            return self._json(200, sb.world_info())
        if path == "/_sandbox/stats" and method == "GET":
            return self._json(200, sb.stats.snapshot())
        self._error(ApiError(404, "NotFound", f"Resource {method} {path} not found."))


def serve_forever(host: str = "127.0.0.1", port: int = 8765, world_config: WorldConfig | None = None,
                  speed: float = 60.0, with_sqs: bool = True) -> None:  # fmt: skip
    """Run the sandbox in the foreground until interrupted (what ``ahw sandbox`` calls).

    With ``with_sqs`` a local SQS server (moto, a child process) starts first, so notifications
    have a queue to go to; it stops with the sandbox, and dies with this process even on SIGKILL.
    """
    from orchestration.sandbox.sqs import SqsServer

    sqs = SqsServer(host=host).start() if with_sqs else None
    server = SandboxServer(World(world_config or WorldConfig()), speed=speed, host=host, port=port,
                           sqs_endpoint_url=sqs.endpoint_url if sqs else None).start()  # fmt: skip
    log.info("sandbox SP-API listening on %s (speed %sx)", server.url, speed)
    print(f"sandbox SP-API listening on {server.url} (speed {speed}x); Ctrl-C to stop", flush=True)
    if sqs:
        print(f"local SQS (moto) on {sqs.endpoint_url}, pid {sqs.pid}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if sqs:
            sqs.stop()
