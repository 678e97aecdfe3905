"""Extract one report type for a range of partition days and load it into ``raw``.

This is the unit a Dagster asset (or the CLI) runs: for every account x marketplace, slice the
days into request windows, run each report's lifecycle (threads, so sellers proceed in parallel
within their own rate limits) and land every document as received; then load the landed documents
through the path ``ahw import-report`` takes too (``orchestration.warehouse.loader``): each is
streamed, parsed and written to staging as it arrives; once all are staged the raw gate audits the
new versions together (one validation per suite, not per document) and each document that passed
is published in one transaction, each that failed kept in ``raw_rejected`` with the run id. Loading
happens on the calling thread: DuckDB has a single writer.

A failure of one account x marketplace does not stop the others; the run ends with an error that
lists every failure (one line each), after the good data has been published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import httpx

from orchestration.config import Settings, load_settings
from orchestration.parsing import DocumentContext, DocumentError, ParseOptions, parse_bytes
from orchestration.parsing.encodings import charset_of_content_type
from orchestration.spapi.accounts import SellerAccount
from orchestration.spapi.client import SpApiEndpoint
from orchestration.spapi.lifecycle import ExtractionStats, ReceivedDocument, ReportError, ReportLifecycle
from orchestration.spapi.report_types import ReportType
from orchestration.spapi.windows import RequestWindow, slice_windows
from orchestration.warehouse.landing import LandedDocument, Landing, LandingMeta
from orchestration.warehouse.loader import (
    LoadResult,
    Rejection,
    StagedDocument,
    audit_and_publish,
    capped_memory,
    drop_abandoned_staging,
    drop_staging,
    parse_options,
    prepare,
    stage,
    stage_landed,
)
from orchestration.warehouse.schema import ensure_raw_schema

log = logging.getLogger(__name__)


class SnapshotRefused(ValueError):
    """A past day of a snapshot-only report was asked for in live mode."""


class IngestFailed(RuntimeError):
    """Some account x marketplace windows failed; the rest were loaded."""

    def __init__(self, report_type: ReportType, failures: list[str], result: IngestResult):
        self.failures = failures
        self.result = result
        listing = "\n  - ".join(failures)
        super().__init__(f"{report_type.name}: {len(failures)} report(s) failed:\n  - {listing}")


@dataclass
class IngestResult:
    report_type: ReportType
    rows_per_partition: dict[date, int] = field(default_factory=dict)
    rows_outside_window: int = 0
    rows_rejected: int = 0
    documents_landed: int = 0
    history_days: set[date] = field(default_factory=set)
    """Days before the run's range extracted as history (first run of an account x marketplace)."""
    unknown_columns: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    stats: ExtractionStats = field(default_factory=ExtractionStats)
    documents_published: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    """New versions the raw gate refused (kept in raw_rejected; the published partitions unchanged)."""
    audit_outcomes: list = field(default_factory=list)
    """The raw suites' ValidationOutcomes of this run's audit (what the asset's check reports)."""

    @property
    def rows(self) -> int:
        return sum(self.rows_per_partition.values())

    def metadata(self) -> dict[str, object]:
        """Figures for a Dagster materialization (plain values, no secrets)."""
        return {
            "rows": self.rows,
            "partitions": len(self.rows_per_partition),
            "documents_landed": self.documents_landed,
            "rows_outside_window": self.rows_outside_window,
            "rows_rejected": self.rows_rejected,
            "history_days": len(self.history_days),
            "unknown_columns": ", ".join(sorted(self.unknown_columns)) or "none",
            "document_flags": ", ".join(sorted(self.flags)) or "none",
            "documents_published": self.documents_published,
            "documents_rejected": len(self.rejected),
            "rejected_versions": "; ".join(r.where for r in self.rejected) or "none",
            **self.stats.as_dict(),
        }


class SandboxClock:
    """The sandbox's admin clock: snapshot reports return the state as of this time."""

    def __init__(self, admin_url: str):
        self.url = admin_url.rstrip("/") + "/_sandbox/clock"
        # One client for the run: a new httpx client per call costs ~50 ms of TLS set-up.
        self.http = httpx.Client(timeout=10)

    def get(self) -> datetime:
        return datetime.fromisoformat(self.http.get(self.url).raise_for_status().json()["now"])

    def set(self, moment: datetime) -> None:
        self.http.put(self.url, json={"now": moment.isoformat()}).raise_for_status()

    def close(self) -> None:
        self.http.close()


@dataclass
class _Outcome:
    account: SellerAccount
    marketplace_id: str
    window: RequestWindow
    document: ReceivedDocument | None = None
    landed: LandedDocument | None = None
    error: Exception | None = None


def snapshot_moment(day: date) -> datetime:
    """When the sandbox takes partition ``day``'s snapshot: late on that day, with an hour's margin so
    the clock (which keeps running while the round's reports are processed) never crosses midnight."""
    return datetime.combine(day, time(23, 0), tzinfo=UTC)


def check_snapshot_days(
    report_type: ReportType, days: Sequence[date], *, live: bool, today: date | None = None
) -> None:
    """Refuse past days of a snapshot report in live mode: Amazon serves only the current state."""
    if not (live and report_type.is_snapshot):
        return
    today = today or datetime.now(UTC).date()
    past = sorted(d for d in days if d < today - timedelta(days=1))
    if past:
        raise SnapshotRefused(
            f"{report_type.name} is a snapshot of the current state: Amazon ignores the requested dates, so "
            f"partition(s) {past[0]}{'..' + str(past[-1]) if len(past) > 1 else ''} cannot be materialized in "
            f"live mode (only today or yesterday can). Load saved documents with `ahw import-report` instead."
        )


def history_days_to_add(
    connection: duckdb.DuckDBPyConnection,
    report_type: ReportType,
    pairs: Sequence[tuple[SellerAccount, str]],
    days: Sequence[date],
    history_days: int,
    *,
    earliest: date | None = None,
) -> dict[tuple[str, str], list[date]]:
    """Days to extract before the run's range, per (account name, marketplace id) that has no history yet.

    Why: the volume credit counts the orders of the last 180 days, so the first run of an account
    x marketplace (nothing of this report type in ``raw.load_log`` for it) extracts ``history_days``
    days ending with the run's last day, never before ``earliest`` (the first daily partition).
    Snapshot reports get no history: Amazon serves only the current state. Returns only the days
    outside ``days``; pairs with history are absent.
    """
    if report_type.is_snapshot or history_days <= 0 or not days or not pairs:
        return {}
    first = max(days) - timedelta(days=history_days - 1)
    if earliest is not None:
        first = max(first, earliest)
    wanted = set(days)
    extra = [first + timedelta(days=i) for i in range((max(days) - first).days + 1)]
    extra = [d for d in extra if d not in wanted]
    if not extra:
        return {}
    loaded = {
        (account, marketplace)
        for account, marketplace in connection.execute(
            "select distinct account_id, marketplace_id from raw.load_log where report_type = ?", [report_type.name]
        ).fetchall()
    }
    return {
        (account.name, marketplace_id): extra
        for account, marketplace_id in pairs
        if (account.name, marketplace_id) not in loaded
    }


def ingest(
    report_type: ReportType,
    days: Sequence[date],
    *,
    connection: duckdb.DuckDBPyConnection,
    accounts: Sequence[SellerAccount],
    endpoint: SpApiEndpoint,
    landing: Landing,
    salt: str,
    lifecycle: ReportLifecycle | None = None,
    max_workers: int = 12,
    on_progress: Callable[[str], None] | None = None,
    run_id: str | None = None,
    history_days: int = 0,
    earliest_day: date | None = None,
) -> IngestResult:
    """Extract ``report_type`` for ``days`` for every account x marketplace, audit it and publish it to raw.

    Raises IngestFailed (after publishing what passed) when a report failed to extract or parse, or
    when the raw gate rejected a new version; ``run_id`` names the run in the rejected area and in
    ``quality.validation_results``.

    With ``history_days``, an account x marketplace with no loads of this flat-file report yet also
    gets the days before the range that complete ``history_days`` (``history_days_to_add``); they
    are listed in ``IngestResult.history_days``.
    """
    check_snapshot_days(report_type, days, live=not endpoint.is_sandbox)
    owns_lifecycle = lifecycle is None
    lifecycle = lifecycle or ReportLifecycle(endpoint)
    progress = on_progress or log.info
    ensure_raw_schema(connection)
    settings = load_settings()
    result = IngestResult(report_type)
    failures: list[str] = []
    pairs = [(a, m) for a in accounts for m in a.marketplace_ids]
    history = history_days_to_add(connection, report_type, pairs, days, history_days, earliest=earliest_day)
    for extra in history.values():
        result.history_days.update(extra)
    if history:
        progress(
            f"{report_type.key}: first run of {len(history)} account x marketplace(s): also extracting "
            f"{min(result.history_days)}..{min(days) - timedelta(days=1)} ({history_days} days of history)"
        )
    pair_windows = {(a, m): slice_windows([*history.get((a.name, m), []), *days], report_type) for a, m in pairs}
    # Snapshots: one round per day with the sandbox clock on that day; flat files: one round.
    if report_type.is_snapshot:
        rounds = [[(a, m, w) for a, m in pairs] for w in slice_windows(list(days), report_type)]
    else:
        rounds = [[(a, m, w) for a, m in pairs for w in pair_windows[(a, m)]]]
    clock = SandboxClock(endpoint.sandbox_admin_url) if endpoint.is_sandbox and report_type.is_snapshot else None
    saved_clock = clock.get() if clock else None
    total = sum(len(r) for r in rounds)
    done = 0
    staged_documents: list[StagedDocument] = []

    def stage_round(futures: list[Future[_Outcome]]) -> None:
        nonlocal done
        for future in futures:
            outcome = future.result()
            done += 1
            if outcome.document is not None:
                result.stats.add(outcome.document.stats)
            if outcome.error is not None:
                failures.append(f"{outcome.error} [partition(s) {outcome.window}]")
                progress(f"[{done}/{total}] FAILED {outcome.error}")
                continue
            try:
                staged = _stage(connection, landing, salt, settings, report_type, outcome)
            except DocumentError as exc:
                failures.append(f"{exc} [partition(s) {outcome.window}]")
                progress(f"[{done}/{total}] FAILED {exc}")
                continue
            if staged is not None:
                staged_documents.append(staged)
                if outcome.landed is not None:
                    result.documents_landed += 1
            # Every report of a small run; about every tenth of a large one (and the last).
            if total > 20 and done % (total // 10) and done != total:
                continue
            progress(
                f"[{done}/{total}] {report_type.key} {outcome.account.name} {outcome.marketplace_id} "
                f"{outcome.window}: {outcome.document.processing_status if outcome.document else '-'}, "
                f"{staged.rows if staged else 0} rows staged"
            )

    try:
        with capped_memory(connection, settings.load_memory_limit):
            drop_abandoned_staging(connection)
            with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(pairs)))) as pool:
                extracted: list[Future[_Outcome]] = []
                for round_tasks in rounds:
                    if clock:
                        clock.set(snapshot_moment(round_tasks[0][2].last_day))
                    futures: list[Future[_Outcome]] = [
                        pool.submit(_extract_and_land, lifecycle, landing, report_type, a, m, w)
                        for a, m, w in round_tasks
                    ]
                    # The previous round is staged (this thread: DuckDB's single writer) while this one
                    # is extracted; the clock moves on only once every report of this round is home, so
                    # a re-requested (FATAL) report still sees its own day.
                    stage_round(extracted)
                    wait(futures)
                    extracted = futures
                stage_round(extracted)
            # The audit streams each suite's frame in bounded chunks and counts duplicates in DuckDB,
            # spilling beyond its cap (AHW_AUDIT_MEMORY_LIMIT): a first run's 180 days of orders fit.
            audited = audit_and_publish(connection, staged_documents, run_id=run_id)
        result.audit_outcomes = audited.outcomes
        for staged in staged_documents:
            loaded = audited.published.get(staged.load_id)
            if loaded is not None:
                _count(result, loaded)
        for rejection in audited.rejected:
            result.rejected.append(rejection)
            failures.append(rejection.message())
            progress(f"REJECTED {rejection.message()}")
        progress(
            f"{report_type.key}: {len(audited.published)} document(s) published ({result.rows} rows), "
            f"{len(audited.rejected)} rejected by the raw gate"
        )
    finally:
        for staged in staged_documents:
            drop_staging(connection, staged)
        if clock:
            if saved_clock:
                clock.set(saved_clock)
            clock.close()
        if owns_lifecycle:
            lifecycle.close()
    if failures:
        raise IngestFailed(report_type, failures, result)
    return result


def _extract_and_land(
    lifecycle: ReportLifecycle,
    landing: Landing,
    report_type: ReportType,
    account: SellerAccount,
    marketplace_id: str,
    window: RequestWindow,
) -> _Outcome:
    """Worker: lifecycle -> landing. Errors are returned, not raised, so others go on."""
    outcome = _Outcome(account, marketplace_id, window)
    try:
        document = outcome.document = lifecycle.run(report_type, account, marketplace_id, window)
        if document.content is None:  # CANCELLED: Amazon has no data for the range
            return outcome
        landed = outcome.landed = landing.save(
            document.content,
            LandingMeta(
                report_id=document.report_id,
                report_type=report_type.name,
                account_id=account.name,
                marketplace_id=marketplace_id,
                data_start_time=window.data_start_time,
                data_end_time=window.data_end_time,
                requested_at=document.requested_at,
                completed_at=document.completed_at,
                processing_status=document.processing_status,
                compression=document.compression,
                source="sp-api",
                content_type=document.content_type,
                charset=charset_of_content_type(document.content_type),
            ),
        )
        if document.problem:
            raise DocumentError(
                report_type.name,
                account.name,
                marketplace_id,
                document.report_id,
                f"{document.problem}; the received bytes are kept at {landing.relative(landed.path)}",
            )
    except (ReportError, DocumentError) as exc:
        outcome.error = exc
    except Exception as exc:  # anything else still names the report it happened to
        outcome.error = ReportError(
            report_type.name,
            account.name,
            marketplace_id,
            outcome.document.report_id if outcome.document else None,
            f"{type(exc).__name__}: {exc}",
        )
    return outcome


def _stage(
    connection: duckdb.DuckDBPyConnection,
    landing: Landing,
    salt: str,
    settings: Settings,
    report_type: ReportType,
    outcome: _Outcome,
) -> StagedDocument | None:
    """Stage one outcome's new version (prepared, not published); None for a CANCELLED snapshot."""
    document = outcome.document
    assert document is not None
    context = DocumentContext(report_type.name, outcome.account.name, outcome.marketplace_id, document.report_id)
    if outcome.landed is None:
        if report_type.is_snapshot:  # a CANCELLED snapshot: nothing to replace the previous version with
            return None
        # CANCELLED flat file: no data for the window, so its partitions are replaced by zero rows.
        empty = parse_bytes(report_type, b"", context=context, options=ParseOptions(salt=salt))
        staged = stage(connection, report_type, empty, context)
        landing_file, sha256, snapshot_at = None, None, document.completed_at
    else:
        options = parse_options(
            salt=salt, declared_charset=charset_of_content_type(document.content_type), settings=settings
        )
        staged = stage_landed(connection, landing, outcome.landed, report_type, context, options)
        landing_file, sha256, snapshot_at = (
            landing.relative(outcome.landed.path),
            outcome.landed.sha256,
            document.completed_at,
        )
    try:
        return prepare(
            connection, staged, landing_file=landing_file, partition_dates=outcome.window.days,
            snapshot_at=snapshot_at, sha256=sha256,
        )  # fmt: skip
    except BaseException:
        drop_staging(connection, staged)
        raise


def _count(result: IngestResult, loaded: LoadResult) -> None:
    result.documents_published += 1
    for day, rows in loaded.rows_per_partition.items():
        result.rows_per_partition[day] = result.rows_per_partition.get(day, 0) + rows
    result.rows_outside_window += loaded.rows_outside_window
    result.rows_rejected += loaded.rows_rejected
    result.unknown_columns.update(loaded.unknown_columns)
    result.flags.update(loaded.facts.flags)
    result.warnings.extend(loaded.warnings)
