"""`ahw run` as a user runs it: `.venv/bin/ahw` with no virtual environment on PATH, one run of two days.

What it must do: print a few lines of progress and the summary (the full log in a file it names),
record the run and its materialized partitions in the persistent Dagster instance under the data
folder, wait for the `duckdb_writer` pool's slot like any other run (the test holds the slot for a
while first), and publish the serving copy, which DuckDB 1.1.3 opens and answers the README's BI
queries from exactly as DuckDB 2 answers them from the working file. `ahw status` and `ahw summary`
answer while another process holds the working file's write lock.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.config import load_settings
from orchestration.instance import DUCKDB_WRITER_POOL, get_instance
from tests.old_duckdb import VERSION, normalized, query

REPO = Path(__file__).resolve().parents[2]
AHW = Path(sys.executable).parent / "ahw"
DAYS = (date(2026, 6, 29), date(2026, 6, 30))
#: Seconds the test keeps the writer slot after the CLI run is seen waiting for it.
HOLD = 10


def cli_env(data: Path) -> dict[str, str]:
    """A user's environment: no venv on PATH, no DAGSTER_HOME (the default under the data folder), a
    short first-run history."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AHW_", "DAGSTER_", "VIRTUAL_ENV"))}
    env.update(
        PATH="/usr/bin:/bin",
        AHW_DATA_DIR=str(data),
        AHW_SANDBOX_END_DATE=DAYS[-1].isoformat(),
        AHW_SANDBOX_VOLUME_SCALE="0.05",
        # The first run's history, shortened (the 180-day default is tested in tests/extraction/test_ingest.py).
        AHW_HISTORY_DAYS="30",
    )
    return env


def ahw(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(AHW), *args], env=env, cwd="/", capture_output=True, text=True, timeout=timeout)


def blocked(instance: dg.DagsterInstance) -> bool:
    """Whether a run of the instance logged that a step waits for the duckdb_writer pool."""
    return any(
        "blocked by limit for pool duckdb_writer" in (entry.message or "")
        for run in instance.get_runs()
        for entry in instance.all_logs(run.run_id)
    )


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("cli_run") / "data"
    env = cli_env(data)
    settings = load_settings({k: v for k, v in env.items() if k.startswith("AHW_")})
    instance = get_instance(settings)
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(DUCKDB_WRITER_POOL)
    assert storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, "holder-run", "holder-step").is_claimed
    started = time.monotonic()
    proc = subprocess.Popen([str(AHW), "run", "--start", DAYS[0].isoformat(), "--end", DAYS[-1].isoformat()], env=env,
                            cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        # Hold the slot until the run is seen waiting for it, then HOLD seconds more.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None and not blocked(instance):
            time.sleep(0.5)
        time.sleep(HOLD)
        storage.free_concurrency_slots_for_run("holder-run")
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    return {"data": data, "env": env, "settings": settings, "stdout": stdout, "stderr": stderr,
            "code": proc.returncode, "seconds": time.monotonic() - started}  # fmt: skip


def test_the_run_succeeds_from_the_venv_binary_without_an_activated_venv(cli_run):
    assert cli_run["code"] == 0, cli_run["stdout"][-3000:] + cli_run["stderr"][-3000:]
    assert "Traceback" not in cli_run["stdout"] + cli_run["stderr"]


def test_the_terminal_gets_progress_and_the_summary_and_the_log_file_gets_everything(cli_run):
    out = cli_run["stdout"]
    lines = out.splitlines()
    before_summary = lines[: next(i for i, line in enumerate(lines) if line.startswith("run succeeded"))]
    # one line per stage (no terminal: no live bars): 6 extraction steps, load, dbt, checks, publish, + 3 headers
    assert len(before_summary) <= 16, "\n".join(before_summary)
    for stage in ("extract", "load into raw", "quality checks", "dbt models", "publish"):
        assert any(line.startswith(stage) for line in before_summary), stage
    assert not any(" - dagster - " in line or "Running dbt command" in line for line in lines)
    assert "Account health per account x marketplace" in out and "Open alerts:" in out
    assert not re.search(r"\bint128\b|\bint64\b|\bvarchar\b", out)
    (log_line,) = {line for line in lines if line.startswith("full log: ")}
    log = Path(log_line.removeprefix("full log: "))
    assert log.parent == cli_run["data"] / "logs"
    text = log.read_text()
    assert "Running dbt command" in text and "STEP_SUCCESS" in text and "raw__orders" in text


def test_the_run_and_its_partitions_are_in_the_persistent_instance(cli_run):
    instance = dg.DagsterInstance.from_config(str(cli_run["data"] / "dagster_home"))
    runs = instance.get_runs(dg.RunsFilter(job_name="daily_pipeline"))
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS]
    assert runs[0].tags["ahw/cli_pid"].isdigit()
    for key in (["marts", "fct_account_health_rating"], ["exports", "serving_copy"]):
        partitions = instance.get_materialized_partitions(dg.AssetKey(key))
        assert partitions == {d.isoformat() for d in DAYS}, key
    # The account's first run also extracted AHW_HISTORY_DAYS of orders: recorded as those days' partitions.
    settings = load_settings(cli_run["env"])
    first = max(settings.partitions_start, DAYS[-1] - timedelta(days=settings.history_days - 1))
    history = {(first + timedelta(days=i)).isoformat() for i in range((DAYS[-1] - first).days + 1)}
    assert instance.get_materialized_partitions(dg.AssetKey(["raw", "orders"])) == history


def test_the_cli_run_waited_for_the_writer_slot_the_test_held(cli_run):
    instance = dg.DagsterInstance.from_config(str(cli_run["data"] / "dagster_home"))
    (run,) = instance.get_runs(dg.RunsFilter(job_name="daily_pipeline"))
    events = [e for e in instance.all_logs(run.run_id) if e.dagster_event is not None]
    waiting = min(e.timestamp for e in events if "blocked by limit for pool duckdb_writer" in (e.message or ""))
    first_write = min(
        e.timestamp
        for e in events
        if e.dagster_event.event_type_value == "STEP_START" and e.dagster_event.step_key.startswith("raw__")
    )
    assert first_write - waiting >= HOLD - 1, (waiting, first_write)


def bi_queries() -> list[str]:
    """The SQL of the README's BI section, in order."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## BI tools: the serving copy", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


def test_duckdb_1_x_answers_the_readme_queries_from_the_serving_copy_as_duckdb_2_does_from_the_working_file(
    cli_run, old_duckdb_python
):
    queries = bi_queries()
    assert len(queries) == 3
    serving = cli_run["data"] / "serving" / "warehouse.duckdb"
    old = query(old_duckdb_python, serving, queries)
    assert old["version"] == VERSION
    with duckdb.connect(str(cli_run["data"] / "warehouse.duckdb"), read_only=True) as con:
        current = [normalized(con.execute(q).fetchall()) for q in queries]
        pairs = con.execute("select count(*) from marts.fct_account_health_summary").fetchall()[0][0]
        open_alerts = con.execute("select count(*) from marts.fct_alerts where status = 'open'").fetchall()[0][0]
    assert old["results"] == current
    ratings, worst, alerts = old["results"]
    assert len(ratings) == pairs == 10 and len(worst) == pairs and len(alerts) == open_alerts > 0


def test_status_and_summary_answer_while_another_process_holds_the_working_file(cli_run):
    env = cli_run["env"]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(120)", str(cli_run["data"] / "warehouse.duckdb")], stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(duckdb.IOException, match=f"PID {holder.pid}"):
            duckdb.connect(str(cli_run["data"] / "warehouse.duckdb"), read_only=True)
        status = ahw(env, "status")
        summary = ahw(env, "summary")
        alerts = ahw(env, "alerts")
    finally:
        holder.kill()
        holder.wait()
    for done in (status, summary, alerts):
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    assert "serving copy" in status.stdout and "last run: daily_pipeline for 2026-06-29..2026-06-30" in status.stdout
    assert "cobalt-gadgets" in status.stdout and "2026-06-30" in status.stdout
    assert "checks: " in status.stdout and " 0 failed, 0 not run" in status.stdout
    assert "Account health per account x marketplace" in summary.stdout
    assert "Open alerts:" in alerts.stdout


def test_every_example_query_of_docs_marts_answers_from_the_serving_copy(cli_run):
    text = (REPO / "docs" / "marts.md").read_text()
    queries = re.findall(r"```sql\n(.*?)```", text, re.S)
    assert len(queries) >= 6
    with duckdb.connect(str(cli_run["data"] / "serving" / "warehouse.duckdb"), read_only=True) as con:
        for sql in queries:
            assert con.execute(sql).fetchall(), sql


def test_import_report_with_build_rebuilds_the_marts_and_the_serving_copy_of_its_day(cli_run, tmp_path):
    import json
    from datetime import UTC, datetime
    from datetime import time as day_time

    from orchestration.config import DEFAULT_SANDBOX_SEED
    from orchestration.sandbox import World, WorldConfig
    from orchestration.sandbox.documents import v2_document

    world = World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=DAYS[-1], volume_scale=0.05))
    document = v2_document(world, "acme-home", ["ATVPDKIKX0DER"], datetime.combine(DAYS[-1], day_time(23), UTC))
    document["performanceMetrics"][0]["accountHealthRating"]["ahrScore"] = 777  # what the saved file says
    path = tmp_path / "seller-performance.json"
    path.write_text(json.dumps(document))
    done = ahw(cli_run["env"], "import-report", "--report-type", "GET_V2_SELLER_PERFORMANCE_REPORT", "--account",
               "acme-home", "--marketplace", "ATVPDKIKX0DER", "--partition-date", DAYS[-1].isoformat(), "--build",
               str(path), timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert f"loaded 1 row(s) into raw.seller_performance over 1 day(s) {DAYS[-1]}..{DAYS[-1]}" in out
    assert "decoded as utf-8" in out and "running daily_pipeline (marts only)" in out and "run succeeded" in out
    assert not any(line.startswith("extract ") for line in out.splitlines())  # nothing extracted
    with duckdb.connect(str(cli_run["data"] / "serving" / "warehouse.duckdb"), read_only=True) as con:
        rating = con.execute(
            "select reported_ahr from marts.fct_account_health_rating where account_id = 'acme-home' "
            "and marketplace_id = 'ATVPDKIKX0DER' and rating_date = ?",
            [DAYS[-1]],
        ).fetchall()
    assert rating == [(777,)]
