"""Deliver alert episodes with Apprise to the URLs of AHW_ALERT_URLS; every attempt logged.

Rules, per alert and target URL (state from the successful rows of ``ops.alert_deliveries``):
- an open episode is delivered once (``opened``); again when its severity rises above the highest
  delivered (``escalated``); once when it resolves (``resolved``), also when it vanished from the
  mart (a current-state alert no longer observed);
- an acknowledged alert (``ahw alerts ack``) is not delivered until its severity rises above the
  severity it had when acknowledged; its resolution is still announced;
- an episode that opened and resolved between two deliveries is not announced at all;
- a failed send is retried with exponential backoff (tenacity); a target still failing is retried
  at the next delivery run, since only successes count as delivered.

Secrets: the URLs carry tokens and passwords. They are never logged or stored: the table keeps the
scheme and a SHA-256 prefix of the URL, and error text has every part of the URL removed. Alert text
is scrubbed of e-mail addresses and known secrets before it leaves (``alerts.scrub``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import duckdb
from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

from orchestration.notifications.alerts import Alert, acknowledgements, message, read_alerts, scrub
from orchestration.notifications.tables import ALERT_DELIVERIES, ensure_tables

log = logging.getLogger(__name__)


class _SecretScrubber(logging.Filter):
    """Rewrites records of the libraries a delivery goes through without the URLs' secret parts.

    Apprise names the target host in its warnings (``... sending JSON notification to <host>``) and
    urllib3 names it at DEBUG (``Starting new HTTP connection (1): <host>:80``); the host of a webhook
    is often the secret part (per-user subdomains, internal hosts). The parts of every URL being
    delivered to are registered for the duration of :func:`deliver`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            clean = scrub(text, self.secrets)
            if clean != text:
                record.msg, record.args = clean, None
        return True


_SCRUBBER = _SecretScrubber()
#: Loggers of the libraries an Apprise send goes through (a filter applies to records created on its
#: own logger, so each module's logger is named).
_LIBRARY_LOGGERS = ("apprise", "urllib3", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry",
                    "urllib3.response", "requests", "requests.packages.urllib3")  # fmt: skip


def _configure_library_logging() -> None:
    """Apprise's records reach only the capture of each send (scrubbed there), never the root logger.

    Apprise logs at WARNING on every failed attempt and names the URL's host; propagated to the root
    logger, that reached stderr (the CLI's handler) and Dagster's captured logs unscrubbed. Its logger
    no longer propagates; a NullHandler keeps Python's last-resort handler from printing what nothing
    else handles; the failure text is still captured per send (``apprise.LogCapture``), scrubbed and
    stored in ``ops.alert_deliveries``.
    """
    apprise_logger = logging.getLogger("apprise")
    apprise_logger.setLevel(logging.WARNING)  # its DEBUG lines list whole service URLs
    apprise_logger.propagate = False
    if not any(isinstance(h, logging.NullHandler) for h in apprise_logger.handlers):
        apprise_logger.addHandler(logging.NullHandler())
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _SCRUBBER not in logger.filters:
            logger.addFilter(_SCRUBBER)


_configure_library_logging()

OPENED, ESCALATED, RESOLVED = "opened", "escalated", "resolved"


@dataclass(frozen=True)
class Target:
    """An Apprise URL, known to the logs only by its scheme and hash."""

    url: str = field(repr=False)

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0].lower() if "://" in self.url else "unknown"

    @property
    def url_hash(self) -> str:
        return hashlib.sha256(self.url.encode()).hexdigest()[:16]

    def secret_parts(self) -> list[str]:
        """The URL and every part of it long enough to identify it (host, user, password, path, query)."""
        parts = [self.url]
        try:
            split = urlsplit(self.url)
            parts += [split.netloc, split.username or "", split.password or "", split.hostname or "", split.path]
            parts += [p for p in split.path.split("/") if p]
            parts += [v for _, v in parse_qsl(split.query, keep_blank_values=False)]
        except ValueError:
            pass
        return [p for p in parts if p and len(p) >= 4]


@dataclass(frozen=True)
class Planned:
    alert: Alert
    event: str
    target: Target


@dataclass
class DeliveryResult:
    delivered: list[Planned] = field(default_factory=list)
    failed: list[Planned] = field(default_factory=list)
    attempts: int = 0
    skipped_acknowledged: int = 0
    targets: int = 0

    def summary(self) -> str:
        if not self.targets:
            return "alerts recorded only (AHW_ALERT_URLS is unset)"
        events: dict[str, int] = {}
        for p in self.delivered:
            events[p.event] = events.get(p.event, 0) + 1
        done = ", ".join(f"{n} {e}" for e, n in sorted(events.items())) or "nothing new"
        return (f"delivered to {self.targets} target(s): {done}; {len(self.failed)} failed after retries; "
                f"{self.skipped_acknowledged} acknowledged alert(s) held back; {self.attempts} attempt(s)")  # fmt: skip


def _delivered_state(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[str, int, tuple]]:
    """(alert_id, target_hash) -> (last successful event, highest rank delivered since it opened, alert fields)."""
    rows = con.execute(
        f"select alert_id, target_hash, event, severity_rank, dedupe_key, kind, account_id, marketplace_id, severity "
        f"from {ALERT_DELIVERIES.qualified} where success order by attempted_at"
    ).fetchall()
    state: dict[tuple[str, str], tuple[str, int, tuple]] = {}
    for alert_id, target_hash, event, rank, *fields in rows:
        key = (alert_id, target_hash)
        previous = state.get(key)
        if event == RESOLVED or previous is None or previous[0] == RESOLVED:
            state[key] = (event, rank or 0, tuple(fields))
        else:
            state[key] = (event, max(previous[1], rank or 0), tuple(fields))
    return state


def plan(con: duckdb.DuckDBPyConnection, targets: Sequence[Target]) -> tuple[list[Planned], int]:
    """What to deliver now, and how many deliveries acknowledgements held back."""
    ensure_tables(con)
    alerts = read_alerts(con)
    acked = acknowledgements(con)
    state = _delivered_state(con)
    planned: list[Planned] = []
    held = 0
    in_mart = {a.alert_id for a in alerts}
    for target in targets:
        for alert in alerts:
            last = state.get((alert.alert_id, target.url_hash))
            if alert.is_open:
                if last is None or last[0] == RESOLVED:
                    event = OPENED
                elif alert.severity_rank > last[1]:
                    event = ESCALATED
                else:
                    continue
                if alert.alert_id in acked and alert.severity_rank <= acked[alert.alert_id]:
                    held += 1
                    continue
                planned.append(Planned(alert, event, target))
            elif last is not None and last[0] != RESOLVED:
                planned.append(Planned(alert, RESOLVED, target))
        for (alert_id, target_hash), (event, rank, fields) in state.items():
            if target_hash == target.url_hash and event != RESOLVED and alert_id not in in_mart:
                dedupe_key, kind, account_id, marketplace_id, severity = fields
                gone = Alert(alert_id, dedupe_key, kind, None, account_id, marketplace_id, "", severity, rank, "resolved",
                             None, None, None, None, None, {}, None)  # fmt: skip
                planned.append(Planned(gone, RESOLVED, target))
    return planned, held


def _send_with_apprise(target: Target, title: str, body: str, notify_type: str) -> tuple[bool, str | None]:
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(target.url):
        return False, f"not a valid Apprise URL (scheme {target.scheme})"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = bool(notifier.notify(title=title, body=body, notify_type=apprise.NotifyType(notify_type),
                                  body_format=apprise.NotifyFormat.TEXT))  # fmt: skip
    return ok, None if ok else (captured.getvalue().strip() or "Apprise reported a failure")


def _notify_type(planned: Planned) -> str:
    if planned.event == RESOLVED:
        return "success"
    return "failure" if planned.alert.severity_rank >= 4 else "warning" if planned.alert.severity_rank >= 2 else "info"


def deliver(
    con: duckdb.DuckDBPyConnection,
    urls: Iterable[str],
    *,
    secrets: Iterable[str] = (),
    max_attempts: int = 3,
    wait=None,
    send: Callable[[Target, str, str, str], tuple[bool, str | None]] = _send_with_apprise,
) -> DeliveryResult:
    """Deliver what :func:`plan` says to every URL; log each attempt in ``ops.alert_deliveries``.

    ``secrets`` are removed from any text sent or stored (the settings' secrets); ``wait`` is
    tenacity's wait between attempts (default exponential 1, 2, 4 ... s, at most 30 s).
    """
    targets = [Target(u) for u in urls if u]
    result = DeliveryResult(targets=len(targets))
    ensure_tables(con)
    if not targets:
        return result
    hidden = [*secrets, *(part for t in targets for part in t.secret_parts())]
    _configure_library_logging()  # again: a logging set-up after our import may have reset it
    _SCRUBBER.secrets = hidden
    try:
        _deliver_planned(con, targets, hidden, result, max_attempts, wait, send)
    finally:
        _SCRUBBER.secrets = []
    log.info(result.summary())
    return result


def _deliver_planned(con, targets, hidden, result, max_attempts, wait, send) -> None:
    planned, result.skipped_acknowledged = plan(con, targets)
    for item in planned:
        title, body = message(item.alert, item.event)
        title, body = scrub(title, hidden), scrub(body, hidden)
        attempt = 0

        def once(item=item, title=title, body=body) -> bool:
            nonlocal attempt
            attempt += 1
            try:
                ok, error = send(item.target, title, body, _notify_type(item))
            except Exception as exc:  # a plugin bug must not stop the other deliveries
                ok, error = False, f"{type(exc).__name__}: {exc}"
            _log_attempt(con, item, attempt, ok, scrub(error, hidden) if error else None, title)
            result.attempts += 1
            return ok

        retrying = Retrying(
            stop=stop_after_attempt(max_attempts),
            wait=wait or wait_exponential(multiplier=1, max=30),
            retry=retry_if_result(lambda ok: not ok),
            retry_error_callback=lambda state: False,
        )
        if retrying(once):
            result.delivered.append(item)
        else:
            result.failed.append(item)
            log.warning("alert %s (%s) could not be delivered to a %s target after %d attempt(s)",
                        item.alert.alert_id, item.event, item.target.scheme, attempt)  # fmt: skip


def _log_attempt(con, item: Planned, attempt: int, ok: bool, error: str | None, title: str) -> None:
    a = item.alert
    con.execute(
        f"insert into {ALERT_DELIVERIES.qualified} ({', '.join(ALERT_DELIVERIES.column_names)}) "
        f"values ({', '.join('?' * len(ALERT_DELIVERIES.columns))})",
        [a.alert_id, a.dedupe_key, a.kind, a.account_id, a.marketplace_id, item.event, a.severity, a.severity_rank,
         item.target.scheme, item.target.url_hash, attempt, datetime.now(UTC).replace(tzinfo=None), ok,
         (error or "")[:2000] or None, title],
    )  # fmt: skip


def settings_secrets(settings) -> list[str]:
    """Every secret value of the settings (removed from any alert text and error)."""
    values = [settings.lwa_client_secret, settings.aws_secret_access_key, settings.pii_salt_secret,
              settings.alert_urls_secret]  # fmt: skip
    return [v.get_secret_value() for v in values if v is not None]
