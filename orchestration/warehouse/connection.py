"""Opening the DuckDB file when another process may hold it: wait with backoff, then fail in one line.

DuckDB allows one writer process per file, and any open connection from another process (even a
read-only one, e.g. a BI tool or ``ahw report``) makes a writer's ``connect`` fail with "Could not set
lock on file ... Conflicting lock is held in <program> (PID <n>)". Runs are serialized by Dagster's
writer pool, so such a conflict is another process: :func:`connect` retries with exponential backoff
(tenacity) for up to ``AHW_DUCKDB_LOCK_TIMEOUT`` seconds, then raises :class:`WarehouseLocked`, whose
one-line message names the file, the process id and program holding the lock, and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class WarehouseLocked(RuntimeError):
    """Another process held the DuckDB file for longer than the lock timeout."""

    def __init__(self, path: Path | str, waited: float, pid: int | None, program: str | None):
        self.path, self.waited, self.pid, self.program = str(path), waited, pid, program
        holder = f"process {pid} ({program})" if pid else "another process"
        action = f"wait for it to finish or stop it (kill {pid})" if pid else "close the other connection"
        super().__init__(
            f"the warehouse {path} is locked by {holder} and stayed locked for {waited:.0f}s "
            f"(AHW_DUCKDB_LOCK_TIMEOUT); {action}, then run again"
        )


def lock_holder(error: BaseException) -> tuple[int, str] | None:
    """(pid, program) named by DuckDB's lock error, None when ``error`` is not one (or names no holder)."""
    match = _HOLDER.search(str(error))
    return (int(match["pid"]), match["program"]) if match else None


def is_lock_error(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def connect(
    path: Path | str,
    *,
    read_only: bool = False,
    config: dict | None = None,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file, waiting for another process's lock up to ``timeout`` seconds.

    ``timeout`` defaults to the settings' ``duckdb_lock_timeout_seconds`` (AHW_DUCKDB_LOCK_TIMEOUT).
    ``on_wait`` is told, once per retry, who holds the lock. Raises :class:`WarehouseLocked`.
    """
    if timeout is None:
        from orchestration.config import load_settings

        timeout = load_settings().duckdb_lock_timeout_seconds

    def told(state) -> None:
        if on_wait is not None:
            holder = lock_holder(state.outcome.exception())
            who = f"process {holder[0]} ({holder[1]})" if holder else "another process"
            on_wait(f"{path} is locked by {who}; waiting ({state.attempt_number} attempt(s) so far)")

    retrying = Retrying(
        retry=retry_if_exception(is_lock_error),
        stop=stop_after_delay(timeout),
        wait=wait_random_exponential(multiplier=0.1, max=5),
        before_sleep=told,
        **({"sleep": sleep} if sleep else {}),
    )
    try:
        return retrying(duckdb.connect, str(path), read_only=read_only, config=config or {})
    except RetryError as exc:
        error = exc.last_attempt.exception()
        holder = lock_holder(error) if error else None
        raise WarehouseLocked(path, timeout, *(holder or (None, None))) from None
