"""kill -9 at each stage of a run (issue 9 sections 1 and 7): during extraction, during the raw load,
in the middle of dbt and in the middle of the publish step.

Readers must see the last published version, every mart from the same version, every raw partition
whole or not at all, and a killed run must leave no dbt behind holding the DuckDB file's lock; a
re-run recovers and raw reconciles with the sandbox world (0 rows lost, 0 duplicated). Real
processes: ``ahw run`` (Dagster in-process, dbt through ``ahw-dbt``) against the folder's sandbox
(AHW_SANDBOX_URL), and the real publish step in a child process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.faults.conftest import END
from tests.faults.reconcile import reconcile

FIRST, SECOND = END - timedelta(days=1), END
BIN = Path(sys.executable).parent


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def alive(pid: int) -> bool:
    """Running (a zombie holds no file and no lock: it only waits to be reaped)."""
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z"


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live children of ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and stat[0] == pid and stat[1] != "Z":
                try:
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                found.append((int(entry.name), cmdline))
    return found


@pytest.fixture(scope="module")
def env(warehouse) -> dict[str, str]:
    """The module's warehouse for ``ahw`` children (no live credentials from the developer's shell)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AHW_", "LWA_"))}
    return {**base, **warehouse}


def ahw_run(env: dict[str, str], day: date, job: str = "daily_pipeline") -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "ahw"), "run", "--start", day.isoformat(), "--job", job], env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def fingerprint(path: str, schema: str = "marts") -> dict[str, tuple]:
    """Rows and an order-free content hash of every table of ``schema``."""
    with duckdb.connect(path, read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = ?",
                                            [schema]).fetchall()]  # fmt: skip
        return {t: con.execute(f'select count(*), bit_xor(hash(m)) from {schema}."{t}" as m').fetchall()[0]
                for t in tables}  # fmt: skip


def whole_or_absent(path: str, world, day: date) -> list[str]:
    """Raw partitions of ``day`` that are neither absent nor whole (a crash must never leave a part)."""
    partial = []
    with duckdb.connect(path, read_only=True) as con:
        tables = {
            t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        }
        for account in world.accounts:
            for marketplace_id in account.marketplace_ids:
                where = [account.name, marketplace_id, day]
                for table, want in (("orders", len(world.order_item_rows(account.name, marketplace_id, day))),
                                    ("seller_feedback", len(world.feedback_rows(account.name, marketplace_id, day))),
                                    ("returns", len(world.return_rows(account.name, marketplace_id, day)))):  # fmt: skip
                    if table not in tables:
                        continue
                    got = con.execute(f"select count(*) from raw.{table} where account_id = ? and marketplace_id = ? "
                                      "and partition_date = ?", where).fetchone()[0]  # fmt: skip
                    if got not in (0, want):
                        partial.append(f"raw.{table} {account.name} {marketplace_id} {day}: {got} of {want} rows")
    return partial


def kill_when(env: dict[str, str], day: date, seen) -> tuple[str, list[str]]:
    """Start ``ahw run --job extract_reports`` for ``day``, kill -9 it at the first output line ``seen``
    accepts; (that line, the lines before it)."""
    # -v: the log records reach the terminal too (the quiet CLI prints only a line per stage)
    run = subprocess.Popen([str(BIN / "ahw"), "-v", "run", "--start", day.isoformat(), "--job", "extract_reports"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines: list[str] = []
    try:
        for line in run.stdout:
            if seen(line):
                os.kill(run.pid, signal.SIGKILL)
                return line, lines
            lines.append(line)
        raise AssertionError("the run ended before the moment to kill it:\n" + "".join(lines[-30:]))
    finally:
        if run.poll() is None:
            run.kill()
        run.wait(timeout=30)
        run.stdout.close()


def writable(path: str) -> None:
    with duckdb.connect(path) as con:
        con.execute("create table main.lock_probe as select 1 as x")
        con.execute("drop table main.lock_probe")


def log_events(path: str) -> list[str]:
    with duckdb.connect(path, read_only=True) as con:
        return [e for (e,) in con.execute("select event from ops.marts_build_log order by logged_at, rowid").fetchall()]


def test_kill_9_during_dbt_leaves_no_dbt_process_and_readers_on_the_last_publication(env, world):
    path = env["AHW_DUCKDB_PATH"]
    first = ahw_run(env, FIRST)
    assert first.returncode == 0, first.stderr[-3000:]
    published = fingerprint(path)
    assert published and published["fct_account_health_rating"][0] > 0

    run = subprocess.Popen([str(BIN / "ahw"), "run", "--start", SECOND.isoformat()], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline, dbt = time.monotonic() + 300, None
        while dbt is None and time.monotonic() < deadline and run.poll() is None:
            dbt = next((pid for pid, cmd in children(run.pid) if "dbt" in cmd and " build" in cmd), None)
            time.sleep(0.1)
        assert dbt is not None, "ahw run never started dbt"
        time.sleep(4)  # dbt has started building the models (its start-up alone takes a few seconds)
        assert alive(dbt), "dbt finished before the kill: the test did not kill in the middle of dbt"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    deadline = time.monotonic() + 5
    while alive(dbt) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(dbt), "dbt outlived the killed run"

    # the file is writable right away, and readers are on the last publication, all marts from it
    with duckdb.connect(path) as con:
        con.execute("create table main.lock_probe as select 1 as x")
        con.execute("drop table main.lock_probe")
    assert fingerprint(path) == published
    assert log_events(path)[-1] == "build"  # the build area is ahead of the publication

    again = ahw_run(env, SECOND)
    assert again.returncode == 0, again.stderr[-3000:]
    assert log_events(path)[-3:] == ["reset", "build", "publish"]
    with duckdb.connect(path, read_only=True) as con:
        days = {
            d for (d,) in con.execute("select distinct rating_date from marts.fct_account_health_rating").fetchall()
        }
    assert days == {FIRST, SECOND}
    check = reconcile(path, world, [FIRST, SECOND])
    assert (check.lost, check.duplicated) == (0, 0), check.details


PUBLISHER = """
import sys, time, duckdb
from orchestration.warehouse.marts import publish_marts
con = duckdb.connect(sys.argv[1])
print("go", flush=True)
started = time.perf_counter()
publish_marts(con, run_id="crash-test")
print(f"{time.perf_counter() - started:.4f}", flush=True)
con.close()
"""


def _next_version(path: str) -> None:
    """Make the build area differ from the publication (a build that passed its gates): one row fewer in
    every table that has rows. One row, not a share: rounds must not empty the tables (with a share
    taken by rowid, three rounds removed every row and later rounds compared empty with empty)."""
    with duckdb.connect(path) as con:
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts_build'"
        ).fetchall():
            con.execute(
                f'delete from marts_build."{table}" where rowid = (select min(rowid) from marts_build."{table}")'
            )


def test_kill_9_during_publish_leaves_every_mart_on_one_version(env):
    path = env["AHW_DUCKDB_PATH"]
    if not Path(path).exists() or not fingerprint(path):
        assert ahw_run(env, FIRST).returncode == 0
    # how long one publication takes here, so the kills can land inside it
    _next_version(path)
    timed = subprocess.run([sys.executable, "-c", PUBLISHER, path], capture_output=True, text=True, check=True)
    seconds = float(timed.stdout.split()[-1])
    killed_inside = 0
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        _next_version(path)
        old, new = fingerprint(path), fingerprint(path, "marts_build")
        assert old != new
        logged_before = len(log_events(path))
        child = subprocess.Popen([sys.executable, "-c", PUBLISHER, path], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "go"
        time.sleep(seconds * fraction)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            killed_inside += 1
        child.wait(timeout=30)
        after = fingerprint(path)
        assert after in (old, new), f"a mix of versions after a kill at {fraction:.0%} of {seconds:.3f}s"
        events = log_events(path)
        # the log commits with the copy, never apart (a kill before the commit leaves the log as it was)
        assert (len(events) > logged_before and events[-1] == "publish") == (after == new)
    assert killed_inside >= 3, f"publishing took {seconds:.3f}s: the kills landed after it"


def test_kill_9_during_extraction_leaves_no_partial_partition_and_the_rerun_recovers(env, sandbox, world):
    path, day = env["AHW_DUCKDB_PATH"], END - timedelta(days=3)
    requested = lambda: sandbox.stats.snapshot()["requests"].get("createReport", 0)  # noqa: E731
    before = requested()
    # -v: the log records reach the terminal too (the quiet CLI prints only a line per stage)
    run = subprocess.Popen([str(BIN / "ahw"), "-v", "run", "--start", day.isoformat(), "--job", "extract_reports"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        # the sandbox has received the run's first report request: the run is in the middle of extraction
        deadline = time.monotonic() + 120
        while requested() == before and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert run.poll() is None and requested() > before, "the run never requested a report"
        os.kill(run.pid, signal.SIGKILL)
    finally:
        if run.poll() is None:
            run.kill()
        run.wait(timeout=30)
    if Path(path).exists():
        writable(path)
        assert whole_or_absent(path, world, day) == []
    again = ahw_run(env, day, job="extract_reports")
    assert again.returncode == 0, again.stderr[-3000:]
    check = reconcile(path, world, [day])
    assert (check.lost, check.duplicated) == (0, 0), check.details


def test_kill_9_during_the_raw_load_leaves_no_partial_partition_and_the_rerun_recovers(env, world):
    path, day = env["AHW_DUCKDB_PATH"], END - timedelta(days=4)
    # a document has been staged in DuckDB; the next one is being staged, the audit and publish follow
    line, before = kill_when(env, day, lambda line: " orders " in line and "rows staged" in line)
    assert not [b for b in before if "document(s) published" in b and "orders:" in b]
    writable(path)
    assert whole_or_absent(path, world, day) == []
    with duckdb.connect(path, read_only=True) as con:
        loaded = con.execute("select count(*) from raw.load_log where report_type like '%ORDERS%' and partition_date = ?",
                             [day]).fetchone()[0]  # fmt: skip
    assert loaded == 0, "orders were published before the kill: the test did not kill inside the raw load"
    again = ahw_run(env, day, job="extract_reports")
    assert again.returncode == 0, again.stderr[-3000:]
    check = reconcile(path, world, [day])
    assert (check.lost, check.duplicated) == (0, 0), check.details
