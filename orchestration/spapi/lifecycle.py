"""One report's life: create -> poll with backoff -> document -> download, with Amazon's failure modes.

python-amazon-sp-api makes the calls but has no retries and, for an error body without an
``errors`` key, raises nothing; this module adds what a production extractor needs:
- client-side rate limiting per (seller, operation), backing off and retrying on 429;
- bounded retries with backoff on 500/503/transport errors, and one renewal of an expired access token;
- FATAL: wait a cooldown (re-requesting at once fails again) and re-request a bounded number of times;
- CANCELLED: no data for the range, which is a successful, empty result;
- a report stuck in processing times out with a clear error (and is cancelled when still queued);
- an expired pre-signed URL or a truncated download is fetched again.
Retries, backoff and polling go through tenacity (one policy: ``Timings``); the FATAL re-request
logic is our own, since it is Amazon-specific (a cooldown, then a NEW report). Every retry is
counted in ``ExtractionStats`` (materialization metadata). Every error names report type, account,
marketplace and report id.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base.exceptions import (
    SellingApiException,
    SellingApiForbiddenException,
    SellingApiGatewayTimeoutException,
    SellingApiRequestThrottledException,
    SellingApiServerException,
    SellingApiTemporarilyUnavailableException,
)
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_random_exponential,
)

from orchestration.spapi.accounts import SellerAccount
from orchestration.spapi.client import SpApiEndpoint, clear_token_cache, reports_client
from orchestration.spapi.rate_limit import RateLimiter
from orchestration.spapi.report_types import ReportType
from orchestration.spapi.windows import RequestWindow

log = logging.getLogger(__name__)

TERMINAL = {"DONE", "CANCELLED", "FATAL"}
_TRANSIENT = (
    SellingApiServerException,
    SellingApiTemporarilyUnavailableException,
    SellingApiGatewayTimeoutException,
    httpx.TransportError,
)


@dataclass(frozen=True)
class Timings:
    """Waits of the lifecycle, in seconds at Amazon's pace; ``scaled`` divides them for the sandbox."""

    poll_initial: float = 10.0
    poll_max: float = 120.0
    report_timeout: float = 3600.0
    fatal_cooldown: float = 1800.0  # Airbyte's experience: re-requesting sooner fails again
    fatal_attempts: int = 3
    retry_base: float = 2.0
    retry_max: float = 120.0
    max_retries: int = 8
    download_attempts: int = 3

    def scaled(self, speed: float) -> Timings:
        if speed == 1:
            return self
        return Timings(
            poll_initial=self.poll_initial / speed,
            poll_max=self.poll_max / speed,
            report_timeout=self.report_timeout / speed,
            fatal_cooldown=self.fatal_cooldown / speed,
            fatal_attempts=self.fatal_attempts,
            retry_base=self.retry_base / speed,
            retry_max=self.retry_max / speed,
            max_retries=self.max_retries,
            download_attempts=self.download_attempts,
        )


@dataclass
class ExtractionStats:
    """Counters reported as Dagster materialization metadata."""

    reports_requested: int = 0
    retries: int = 0
    throttled_429: int = 0
    token_renewals: int = 0
    """LWA access tokens fetched again because the SP-API refused the cached one (403: expired or revoked)
    and the call was made again with the new one; not counted in ``retries``."""
    fatal_reports: int = 0
    cancelled_reports: int = 0
    url_refreshes: int = 0
    truncated_downloads: int = 0
    bytes_downloaded: int = 0

    def add(self, other: ExtractionStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class ReceivedDocument:
    """A report's outcome: the document bytes exactly as downloaded, or no document (CANCELLED)."""

    report_type: ReportType
    account: SellerAccount
    marketplace_id: str
    window: RequestWindow
    report_id: str
    processing_status: str
    requested_at: datetime
    completed_at: datetime | None
    content: bytes | None = None
    compression: str | None = None
    content_type: str | None = None
    """The download's ``Content-Type`` (``text/plain; charset=Cp1252``): the document's declared charset."""
    problem: str | None = None
    """Set when the content is kept as evidence but is unusable (e.g. still truncated after retries)."""
    stats: ExtractionStats = field(default_factory=ExtractionStats)


class ReportError(RuntimeError):
    """A report could not be extracted; the message names everything needed to act on it."""

    def __init__(self, report_type: str, account: str, marketplace_id: str, report_id: str | None, problem: str):
        self.report_type = report_type
        self.account = account
        self.marketplace_id = marketplace_id
        self.report_id = report_id
        self.problem = problem
        super().__init__(
            f"{report_type} for account {account}, marketplace {marketplace_id}, "
            f"report {report_id or '(not created)'}: {problem}"
        )


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _describe(exc: Exception) -> str:
    if isinstance(exc, SellingApiException):
        return f"HTTP {type(exc).__name__} {getattr(exc, 'amzn_code', '')}: {getattr(exc, 'message', '')}".strip()
    if isinstance(exc, AuthorizationError):
        return f"LWA token request refused ({exc.status_code} {exc.error_code}: {exc.message})"
    return f"{type(exc).__name__}: {exc}"


class ReportLifecycle:
    """Runs report lifecycles for any account; thread-safe across accounts."""

    def __init__(
        self,
        endpoint: SpApiEndpoint,
        *,
        limiter: RateLimiter | None = None,
        timings: Timings | None = None,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ):
        self.endpoint = endpoint
        self.limiter = limiter or RateLimiter(speed=endpoint.speed)
        self.timings = timings or Timings().scaled(endpoint.speed)
        self.sleep = sleep
        self.http = http or httpx.Client(timeout=60)
        # Building a client costs two httpx clients (SSL contexts): keep one per thread and
        # account x marketplace. Per thread, because ReportsV2 keeps per-request state on itself.
        self._local = threading.local()
        self._clients: list = []
        self._clients_lock = threading.Lock()

    def _client(self, account: SellerAccount, marketplace_id: str):
        cache = self._local.__dict__.setdefault("clients", {})
        key = (account.name, marketplace_id)
        if key not in cache:
            cache[key] = reports_client(self.endpoint, account, marketplace_id)
            with self._clients_lock:
                self._clients.append(cache[key])
        return cache[key]

    def close(self) -> None:
        """Close every HTTP client this lifecycle opened."""
        with self._clients_lock:
            for client in self._clients:
                client.close()
            self._clients.clear()
        self.http.close()

    # -- one call, with throttling, retries and token refresh --------------------------------
    def _call(self, ctx: _Ctx, operation: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` within the seller's rate limit; 429 and transient errors retried with jittered
        exponential backoff (at most ``max_retries`` times), a 403 retried once at once with a new token."""
        retries = 0
        renewed = False

        def once() -> Any:
            nonlocal renewed
            self.limiter.acquire(ctx.account.selling_partner_id, operation)
            try:
                return fn()
            except SellingApiRequestThrottledException:
                ctx.stats.throttled_429 += 1
                self.limiter.bucket(ctx.account.selling_partner_id, operation).drain()
                raise _Retry(f"{operation} still throttled (429) after {{retries}} retries") from None
            except _TRANSIENT as exc:
                raise _Retry(f"{operation} failed after {{retries}} retries: {_describe(exc)}") from None
            except SellingApiForbiddenException as exc:
                if renewed:
                    raise ReportError(*ctx.names, f"{operation} refused: {_describe(exc)}") from None
                # An access token can expire between our cache and the server's clock: fetch a new one once.
                clear_token_cache()
                renewed = True
                ctx.stats.token_renewals += 1
                raise _RenewToken() from None
            except AuthorizationError as exc:
                raise ReportError(*ctx.names, _describe(exc)) from None
            except SellingApiException as exc:
                raise ReportError(*ctx.names, f"{operation} refused: {_describe(exc)}") from None

        backoff = wait_random_exponential(multiplier=self.timings.retry_base, max=self.timings.retry_max)

        def counted(state: RetryCallState) -> None:
            nonlocal retries
            if isinstance(state.outcome.exception(), _Retry):
                retries += 1
                ctx.stats.retries += 1

        retrying = Retrying(
            retry=retry_if_exception_type((_Retry, _RenewToken)),
            stop=lambda state: isinstance(state.outcome.exception(), _Retry) and retries >= self.timings.max_retries,
            wait=lambda state: 0.0 if isinstance(state.outcome.exception(), _RenewToken) else backoff(state),
            before_sleep=counted,
            sleep=lambda seconds: self.sleep(seconds),
            reraise=True,
        )
        try:
            return retrying(once)
        except _Retry as exc:
            raise ReportError(*ctx.names, exc.problem.replace("{retries}", str(retries))) from None

    # -- lifecycle ----------------------------------------------------------------------------
    def run(
        self, report_type: ReportType, account: SellerAccount, marketplace_id: str, window: RequestWindow
    ) -> ReceivedDocument:
        """Create the report and bring its document home, re-requesting after FATAL up to a bound."""
        ctx = _Ctx(report_type, account, marketplace_id)
        client = self._client(account, marketplace_id)
        for fatal_round in range(1, self.timings.fatal_attempts + 1):
            requested_at = datetime.now(UTC)
            report_id = self._create(ctx, client, window)
            report = self._wait(ctx, client, report_id)
            status = report["processingStatus"]
            completed_at = _parse_time(report.get("processingEndTime"))
            if status in ("DONE", "CANCELLED"):
                received = ReceivedDocument(
                    report_type, account, marketplace_id, window, report_id, status, requested_at, completed_at,
                    stats=ctx.stats,
                )  # fmt: skip
                if status == "DONE":
                    received.content, received.compression, received.content_type, received.problem = self._download(
                        ctx, client, report
                    )
                else:  # CANCELLED: Amazon has no data for the range, a successful empty result
                    ctx.stats.cancelled_reports += 1
                    log.info("%s %s %s %s: CANCELLED (no data for the range)", report_type.name, account.name,
                             marketplace_id, window)  # fmt: skip
                return received
            ctx.stats.fatal_reports += 1
            reason = self._fatal_reason(ctx, client, report)
            log.warning(
                "%s %s %s report %s FATAL (round %d/%d): %s",
                report_type.name,
                account.name,
                marketplace_id,
                report_id,
                fatal_round,
                self.timings.fatal_attempts,
                reason,
            )
            if fatal_round < self.timings.fatal_attempts:
                self.sleep(self.timings.fatal_cooldown)
        raise ReportError(
            *ctx.names,
            f"processing ended FATAL {self.timings.fatal_attempts} times "
            f"(cooldown {self.timings.fatal_cooldown:.0f}s between requests); last reason: {reason}",
        )

    def _create(self, ctx: _Ctx, client, window: RequestWindow) -> str:
        body = {
            "reportType": ctx.report_type.name,
            "marketplaceIds": [ctx.marketplace_id],
            "dataStartTime": window.data_start_time.isoformat().replace("+00:00", "Z"),
            "dataEndTime": window.data_end_time.isoformat().replace("+00:00", "Z"),
        }
        response = self._call(ctx, "createReport", lambda: client.create_report(**body))
        report_id = (response.payload or {}).get("reportId")
        if not report_id:
            raise ReportError(*ctx.names, f"createReport answered without a reportId: {response.payload!r:.300}")
        ctx.report_id = str(report_id)
        ctx.stats.reports_requested += 1
        log.info(
            "%s %s %s %s: created report %s",
            ctx.report_type.name,
            ctx.account.name,
            ctx.marketplace_id,
            window,
            report_id,
        )
        return str(report_id)

    def _wait(self, ctx: _Ctx, client, report_id: str) -> dict:
        """Poll getReport until a terminal status: waits grow 1.5x from ``poll_initial`` to ``poll_max``;
        after ``report_timeout`` the report is cancelled when still queued and the wait fails."""
        polling = Retrying(
            retry=retry_if_result(lambda report: report.get("processingStatus") not in TERMINAL),
            wait=wait_exponential(multiplier=self.timings.poll_initial, exp_base=1.5, max=self.timings.poll_max),
            stop=stop_after_delay(self.timings.report_timeout),
            sleep=lambda seconds: self.sleep(seconds),
            retry_error_callback=lambda state: state.outcome.result(),
        )
        report = polling(self._poll, ctx, client, report_id)
        status = report["processingStatus"]
        if status not in TERMINAL:
            self._try_cancel(ctx, client, report_id, status)
            raise ReportError(
                *ctx.names, f"still {status} after {self.timings.report_timeout:.0f}s: timed out waiting for Amazon"
            )
        return report

    def _poll(self, ctx: _Ctx, client, report_id: str) -> dict:
        report = self._call(ctx, "getReport", lambda: client.get_report(report_id)).payload or {}
        if report.get("processingStatus") is None:
            raise ReportError(*ctx.names, f"getReport answered without processingStatus: {report!r:.300}")
        return report

    def _try_cancel(self, ctx: _Ctx, client, report_id: str, status: str) -> None:
        if status != "IN_QUEUE":
            return  # Amazon cancels only reports that have not started processing
        try:
            self._call(ctx, "cancelReport", lambda: client.cancel_report(report_id))
        except ReportError as exc:
            log.warning("could not cancel %s: %s", report_id, exc)

    def _document_link(self, ctx: _Ctx, client, document_id: str) -> tuple[str, str | None]:
        doc = self._call(ctx, "getReportDocument", lambda: client.get_report_document(document_id)).payload or {}
        if not doc.get("url"):
            raise ReportError(*ctx.names, f"getReportDocument answered without a url: {doc!r:.300}")
        return doc["url"], doc.get("compressionAlgorithm")

    def _download(self, ctx: _Ctx, client, report: dict) -> tuple[bytes, str | None, str | None, str | None]:
        """(content as received, compressionAlgorithm, Content-Type header, problem or None).

        Each attempt asks for a fresh pre-signed URL; an expired URL, a transport error, another status
        than 200 or a truncated gzip is tried again, up to ``download_attempts`` times. A document still
        truncated after that is returned as evidence with its problem (the loader refuses it).
        """
        document_id = report.get("reportDocumentId")
        if not document_id:
            raise ReportError(*ctx.names, "report is DONE but has no reportDocumentId")
        evidence: dict[str, Any] = {}

        def once() -> tuple[bytes, str | None, str | None, str | None]:
            url, compression = self._document_link(ctx, client, document_id)
            try:
                response = self.http.get(url)
            except httpx.TransportError as exc:
                raise _Retry(f"document download failed: {exc}", counts=True) from None
            if response.status_code == 403 and b"xpired" in response.content:
                ctx.stats.url_refreshes += 1
                log.info("%s: document URL expired, fetching a new one", ctx.report_id)
                raise _Retry("document URL expired")
            if response.status_code != 200:
                raise _Retry(f"document download answered HTTP {response.status_code}", counts=True)
            content, content_type = response.content, response.headers.get("content-type")
            ctx.stats.bytes_downloaded += len(content)
            if compression == "GZIP" and not _gzip_complete(content):
                ctx.stats.truncated_downloads += 1
                evidence.update(content=content, compression=compression, content_type=content_type)
                problem = f"downloaded gzip document is truncated or corrupt ({len(content)} bytes)"
                log.warning("%s: %s", ctx.report_id, problem)
                raise _Retry(problem)
            return content, compression, content_type, None

        def counted(state: RetryCallState) -> None:
            if getattr(state.outcome.exception(), "counts", False):
                ctx.stats.retries += 1

        attempts = self.timings.download_attempts
        retrying = Retrying(
            retry=retry_if_exception_type(_Retry),
            stop=stop_after_attempt(attempts),
            before_sleep=counted,
            sleep=lambda seconds: self.sleep(seconds),
            reraise=True,
        )
        try:
            return retrying(once)
        except _Retry as exc:
            if evidence:  # keep what we received as evidence; the loader refuses it with this problem
                return evidence["content"], evidence["compression"], evidence["content_type"], exc.problem
            raise ReportError(*ctx.names, f"{exc.problem} after {attempts} attempts") from None

    def _fatal_reason(self, ctx: _Ctx, client, report: dict) -> str:
        document_id = report.get("reportDocumentId")
        if not document_id:
            return "no reason given"
        try:
            url, compression = self._document_link(ctx, client, document_id)
            content = self.http.get(url).content
            text = gzip.decompress(content) if compression == "GZIP" else content
            return text.decode("utf-8", "replace")[:500]
        except Exception as exc:  # the reason is a courtesy; the FATAL itself is what matters
            return f"reason document unreadable ({type(exc).__name__})"


def _gzip_complete(content: bytes) -> bool:
    try:
        gzip.decompress(content)
    except (EOFError, OSError, zlib.error):
        return False
    return True


class _Retry(Exception):
    """A failure worth another attempt; ``problem`` says what failed (``{retries}`` filled in at the end)."""

    def __init__(self, problem: str, *, counts: bool = False):
        super().__init__(problem)
        self.problem = problem
        self.counts = counts


class _RenewToken(Exception):
    """The access token was refused: the cache is cleared and the call made again at once."""


class _Ctx:
    """Identity of one lifecycle for error messages, plus its counters."""

    def __init__(self, report_type: ReportType, account: SellerAccount, marketplace_id: str):
        self.report_type = report_type
        self.account = account
        self.marketplace_id = marketplace_id
        self.report_id: str | None = None
        self.stats = ExtractionStats()

    @property
    def names(self) -> tuple[str, str, str, str | None]:
        return (self.report_type.name, self.account.name, self.marketplace_id, self.report_id)
