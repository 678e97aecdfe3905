"""The one persistent Dagster instance every run is recorded in.

Runs launched from the UI, by the schedule or a sensor (the daemon), and by ``ahw run`` / ``ahw demo``
(in-process) all use the instance in ``DAGSTER_HOME`` (default ``$AHW_DATA_DIR/dagster_home``), so the
UI shows every run and every materialized partition, and the ``duckdb_writer`` pool (limit 1) serializes
the writers of the DuckDB file whoever started them: an in-process run claims the pool's slot for each
writing step just as a run the daemon launched does (pool granularity ``op``).

The project writes the instance's ``dagster.yaml`` when the folder has none (:data:`INSTANCE_YAML`);
an existing file is the operator's and is left as it is, unless it is the project's own written for
another folder (the data folder moved). It names the project's event log storage (Dagster's SQLite
one, writing a range run's per-partition events in batches: orchestration/instance_storage.py).
:func:`pool_problem` says when such a file would let two writers run at once.

A command-line run that is killed (``kill -9``, a closed laptop) cannot mark itself failed, and the slot
its step held would stay claimed, so every later writer would wait for ever. Each CLI run is tagged
with its process id and host; :func:`recover_abandoned_runs`, called before every CLI run, marks the
runs of processes that no longer exist on this host as failed and frees their slots.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import dagster as dg

from orchestration.config import Settings, load_settings
from orchestration.instance_storage import enable_event_batching

#: The pool every asset and check that writes the DuckDB file belongs to (one writer at a time).
DUCKDB_WRITER_POOL = "duckdb_writer"
#: Run tags of a command-line run: the process that executes it in-process, and its host.
CLI_PID_TAG = "ahw/cli_pid"
CLI_HOST_TAG = "ahw/cli_host"

#: First line of the ``dagster.yaml`` the project writes (a file without it is the operator's).
INSTANCE_YAML_MARKER = "# Dagster instance of the Account Health Warehouse, written by `ahw`."

INSTANCE_YAML = f"""\
{INSTANCE_YAML_MARKER}
# The UI (`ahw dev`), the daemon, `ahw run` and `ahw demo` all record their runs here. `ahw` rewrites
# this file when the folder has moved (the event log's path below names it); delete the first line to
# make the file yours, and `ahw` leaves it as it is.
telemetry:
  enabled: false
concurrency:
  pools:
    # One writer at a time on the DuckDB file: every asset and check that writes it is in pool
    # {DUCKDB_WRITER_POOL} (DuckDB allows a single writer process). `op` granularity makes each step
    # claim the slot, so in-process runs of the command line wait for it too.
    default_limit: 1
    granularity: op
  runs:
    # Runs may queue and start together; their writing steps still take turns through the pool.
    max_concurrent_runs: 4
run_monitoring:
  # The daemon marks runs whose worker process died as failed (and frees their pool slots).
  enabled: true
event_log_storage:
  # Dagster's SQLite event log, writing the per-partition events of a range run in one transaction each
  # (orchestration/instance_storage.py); the same databases as Dagster's default, in history/runs.
  module: orchestration.instance_storage
  class: BatchedSqliteEventLogStorage
  config:
    base_dir: {{event_log_dir}}
"""


def instance_yaml(home: Path) -> str:
    """The project's ``dagster.yaml`` for the instance folder ``home`` (an absolute path)."""
    return INSTANCE_YAML.format(event_log_dir=json.dumps(str(Path(home).resolve() / "history" / "runs")))


def write_instance_yaml(home: Path) -> None:
    """Write the project's ``dagster.yaml`` into ``home`` atomically (for tests and benches too)."""
    home.mkdir(parents=True, exist_ok=True)
    temp = home / f".dagster.yaml.{os.getpid()}.tmp"
    temp.write_text(instance_yaml(home), encoding="utf-8")
    os.replace(temp, home / "dagster.yaml")


def instance_home(settings: Settings | None = None) -> Path:
    """The instance folder (created, with the project's ``dagster.yaml`` when it has none, or when it
    has the project's from another folder: a data folder that moved)."""
    home = (settings or load_settings()).dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current is None or (current.startswith(INSTANCE_YAML_MARKER) and current != instance_yaml(home)):
        write_instance_yaml(home)
    enable_event_batching()
    return home


def get_instance(settings: Settings | None = None) -> dg.DagsterInstance:
    """The persistent instance of ``DAGSTER_HOME`` (see the module docstring)."""
    return dg.DagsterInstance.from_config(str(instance_home(settings)))


def pool_problem(instance: dg.DagsterInstance) -> str | None:
    """Why the instance would let two writers at the DuckDB file at once, or None when it would not."""
    config = instance.get_concurrency_config().pool_config
    limit = instance.event_log_storage.get_concurrency_info(DUCKDB_WRITER_POOL).slot_count
    if limit == 0 and config.default_pool_limit is None:
        return (f"the Dagster instance in {instance.root_directory} sets no limit for pool {DUCKDB_WRITER_POOL}: "
                "add `concurrency: pools: default_limit: 1` to its dagster.yaml")  # fmt: skip
    if (limit or config.default_pool_limit or 0) > 1:
        return (f"the Dagster instance in {instance.root_directory} lets {limit or config.default_pool_limit} "
                f"steps of pool {DUCKDB_WRITER_POOL} run at once; DuckDB allows one writer: set its limit to 1")  # fmt: skip
    if config.pool_granularity is not None and str(config.pool_granularity.value) == "run":
        return (f"the Dagster instance in {instance.root_directory} enforces pools per run only, so command-line "
                "runs would not wait for the writer slot: set `concurrency: pools: granularity: op`")  # fmt: skip
    return None


def cli_run_tags() -> dict[str, str]:
    """Tags that let a later command recognise this process's runs if it dies (see the module docstring)."""
    return {CLI_PID_TAG: str(os.getpid()), CLI_HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, someone else's
        return True
    return True


def recover_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark as failed the in-progress command-line runs of this host whose process is gone, and free
    the pool slots they held; returns their run ids."""
    records = instance.get_run_records(
        dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    )
    host = socket.gethostname()
    recovered = []
    for record in records:
        run = record.dagster_run
        pid = run.tags.get(CLI_PID_TAG)
        if not pid or run.tags.get(CLI_HOST_TAG) != host or not pid.isdigit() or _alive(int(pid)):
            continue
        instance.report_run_failed(
            run, f"the `ahw` process {pid} that ran it ended without finishing it (killed or crashed)"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(run.run_id)
    return recovered
