"""What ``ahw run`` and ``ahw demo`` show while a run works: a progress bar per stage, then a short account.

The run's full log (Dagster's events, dbt's output, every library's messages, Python warnings) goes to
a file under ``$AHW_DATA_DIR/logs/`` whose path is printed; the terminal gets only:

- a bar per stage: extraction per report type (with the account x marketplace it is on), the load
  into raw (rows), the quality checks (passed / failed), the dbt models, and the publishing steps
  (Parquet exports, the serving copy, the HTML report, alert deliveries);
- the run's warnings, each kind once with how often it occurred (a warning repeated per partition or
  per account is one line);
- when the run fails, the failing step and its cause in one line.

The Dagster side is the logger ``ahw_cli`` of the Definitions (orchestration/defs/loggers.py): a run
configured with it sends its records, structured events included, to the Python logger ``ahw.run``,
where :class:`RunDisplay` reads them. Nothing here changes what the run does.

With ``-v`` the full log is written to the terminal as well (and tracebacks are shown).
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from orchestration.defs.loggers import CLI_LOGGER_KEY, RUN_LOGGER, cli_logger
from orchestration.terminal import make_console

__all__ = ["CLI_LOGGER_KEY", "RUN_LOGGER", "RunDisplay", "cli_logger", "displayed_run", "quiet_run", "run_plan"]


# ---------------------------------------------------------------------------------------------- stages
#: Stages in the order a run passes them, each with the label its bar shows.
STAGES = {
    "extract": "extract",
    "load": "load into raw",
    "checks": "quality checks",
    "dbt": "dbt models",
    "publish": "publish",
}
#: Asset groups per stage (groups are the asset graph's; see orchestration/defs).
GROUP_STAGES = {
    "extraction": "extract",
    "notifications": "extract",
    "seeds": "dbt",
    "staging": "dbt",
    "intermediate": "dbt",
    "marts": "dbt",
    "exports": "publish",
    "reports": "publish",
    "alerts": "publish",
}


@dataclass(frozen=True)
class RunPlan:
    """What a run will do, from its job definition: assets per stage and the checks it evaluates."""

    assets: dict[dg.AssetKey, str]
    """Asset key -> stage."""
    checks: frozenset[dg.AssetCheckKey]
    extraction_steps: tuple[str, ...]
    """Step keys of the extraction assets (``raw__orders``, ...), one bar each."""

    def count(self, stage: str) -> int:
        return sum(1 for s in self.assets.values() if s == stage)


def run_plan(job_name: str, asset_selection: list[dg.AssetKey] | None = None) -> RunPlan:
    """The plan of ``job_name`` (optionally a part of it) of the code location."""
    from orchestration.definitions import defs

    job = defs.resolve_job_def(job_name)
    graph = job.asset_layer.asset_graph
    keys = set(asset_selection) if asset_selection else set(job.asset_layer.selected_asset_keys)
    assets = {k: GROUP_STAGES.get(graph.get(k).group_name or "", "publish") for k in keys if graph.has(k)}
    checks = frozenset(c for c in graph.asset_check_keys if c.asset_key in assets)
    steps = tuple(sorted("__".join(k.path) for k, stage in assets.items() if stage == "extract"))
    return RunPlan(assets, checks, steps)


# ---------------------------------------------------------------------------------------------- causes
_CLASS_PREFIX = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Failure|Failed|Refused|Busy)?: ")


def error_cause(error) -> str:
    """One line saying why a step failed, from Dagster's serialized error (the innermost cause is ours)."""
    while error is not None and (error.cause is not None or error.context is not None):
        error = error.cause or error.context
    if error is None:
        return "unknown error (see the log)"
    return one_line(error.message)


_LOCK = re.compile(
    r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in (?P<program>\S+) '
    r"\(PID (?P<pid>\d+)\)"
)


def one_line(message: str) -> str:
    """A multi-line error message as one line: its first line, the first item of a list it announces,
    and how many more lines the log holds. DuckDB's lock error becomes what to do about it."""
    lock = _LOCK.search(str(message))
    if lock:
        return (f"the DuckDB file {lock['path']} is held by process {lock['pid']} ({lock['program']}): close the "
                "program that holds it open (a BI tool should read the serving copy) or wait for it, then run again")  # fmt: skip
    lines = [line.strip().lstrip("- ").strip() for line in str(message).splitlines() if line.strip()]
    if not lines:
        return "unknown error (see the log)"
    first = _CLASS_PREFIX.sub("", lines[0], count=1)
    rest = lines[1:]
    if first.endswith(":") and rest:
        first = f"{first} {rest.pop(0)}"
    return first + (f" (+{len(rest)} more line(s) in the log)" if rest else "")


# ---------------------------------------------------------------------------------------------- warnings
_VARYING = [
    (re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?"), "<day>"),
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "<n>"),
]


def warning_kind(message: str) -> str:
    """A warning with its days and numbers blanked: the same problem on other days is the same kind."""
    text = message.splitlines()[0] if message else ""
    for pattern, placeholder in _VARYING:
        text = pattern.sub(placeholder, text)
    return text


# ---------------------------------------------------------------------------------------------- display
@dataclass
class RunOutcome:
    """What the display saw of one run."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    """(step key, cause) of every failed step, in order."""
    checks_failed: list[str] = field(default_factory=list)
    checks_passed: int = 0
    steps_skipped: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    warnings: Counter = field(default_factory=Counter)
    warning_examples: dict[str, str] = field(default_factory=dict)


class RunDisplay(logging.Handler):
    """Turns a run's records (from :data:`RUN_LOGGER`) into progress bars and a :class:`RunOutcome`."""

    def __init__(self, console: Console, plan: RunPlan):
        super().__init__(level=logging.DEBUG)
        self.console = console
        self.plan = plan
        self.outcome = RunOutcome()
        self.progress = Progress(
            TextColumn("{task.fields[stage]:<16}"),
            BarColumn(bar_width=28),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", markup=False),
            console=console,
            redirect_stdout=False,
            redirect_stderr=False,
            refresh_per_second=4,
        )
        self._tasks: dict[str, TaskID] = {}
        self._done_assets: set[dg.AssetKey] = set()
        self._done_checks: set[dg.AssetCheckKey] = set()
        self._rows: dict[str, int] = {}
        self._plain = not console.is_terminal
        self._announced: set[str] = set()
        for step in plan.extraction_steps:
            self._task(step, "extract", 1, step.removeprefix("raw__"))
        if plan.extraction_steps:
            self._task("load", "load into raw", len(plan.extraction_steps), "")
        if plan.checks:
            self._task("checks", "quality checks", len(plan.checks), "")
        if plan.count("dbt"):
            self._task("dbt", "dbt models", plan.count("dbt"), "")
        if plan.count("publish"):
            self._task("publish", "publish", plan.count("publish"), "")

    # ------------------------------------------------------------------ tasks
    def _task(self, name: str, stage: str, total: int, description: str) -> None:
        self._tasks[name] = self.progress.add_task(description, total=total, stage=stage)

    def _update(self, name: str, **kwargs) -> None:
        task = self._tasks.get(name)
        if task is None:
            return
        self.progress.update(task, **kwargs)
        # Without a terminal (a pipe, CI) there are no live bars: a stage prints one line when it is done.
        # An extraction step is done when its step succeeds (its last report comes before its rows).
        if self._plain and name not in self.plan.extraction_steps and self.progress.tasks[task].finished:
            self._announce(name)

    def _announce(self, name: str, suffix: str = "") -> None:
        if not self._plain or name in self._announced or name not in self._tasks:
            return
        self._announced.add(name)
        state = self.progress.tasks[self._tasks[name]]
        self.console.print(f"{state.fields['stage']:<16} {state.completed:>5g}/{state.total:<5g} "
                           f"{state.description}{suffix}", markup=False, highlight=False)  # fmt: skip

    def __enter__(self) -> RunDisplay:
        if not self._plain:
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self._plain:
            self.progress.stop()

    # ------------------------------------------------------------------ records
    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._handle(record)
        except Exception:  # a display problem never stops a run; the record is in the log file anyway
            self.handleError(record)

    def _handle(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        if event is None:
            if record.levelno >= logging.WARNING and record.levelno < logging.ERROR:
                kind = warning_kind(message)
                self.outcome.warnings[kind] += 1
                self.outcome.warning_examples.setdefault(kind, message.splitlines()[0])
            if step in self._tasks:
                self._extraction_progress(step, message)
            return
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            self._materialized(event, step)
        elif kind == "ASSET_CHECK_EVALUATION":
            self._checked(event.event_specific_data)
        elif kind == "STEP_FAILURE":
            self.outcome.failures.append((step, error_cause(event.step_failure_data.error)))
            self._announce(step, " (failed)")
        elif kind == "ENGINE_EVENT" and "blocked by limit for pool" in message and self._task_of(step):
            # Another run (the UI's, the schedule's) holds the DuckDB writer slot: say so instead of stalling.
            self._update(self._task_of(step), description="waiting for the DuckDB writer slot (another run is writing)")
        elif kind == "STEP_SKIPPED":
            self.outcome.steps_skipped.append(step)
        elif kind == "STEP_SUCCESS" and step in self._tasks:
            task = self.progress.tasks[self._tasks[step]]
            self._update(step, completed=task.total)
            self._announce(step)

    def _task_of(self, step: str) -> str | None:
        """The bar a step advances: its own (extraction), dbt's, or publishing's."""
        if step in self._tasks:
            return step
        if step.startswith("dbt"):
            return "dbt"
        if step.startswith(("exports__", "reports__", "alerts__")):
            return "publish"
        return None

    _PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (?:FAILED )?(.*)$")

    def _extraction_progress(self, step: str, message: str) -> None:
        """Ingest's ``[done/total] <report> <account> <marketplace> <window>: ...`` lines."""
        match = self._PROGRESS.match(message)
        if not match:
            return
        done, total, rest = int(match[1]), int(match[2]), match[3]
        words = rest.split(":", 1)[0].split()
        where = " ".join(words[1:4]) if len(words) >= 4 else rest[:60]
        self._update(step, total=total, completed=done, description=f"{step.removeprefix('raw__')}: {where}")

    def _materialized(self, event, step: str) -> None:
        materialization = event.event_specific_data.materialization
        key = materialization.asset_key
        if key in self._done_assets:
            return  # a range run records one materialization per partition
        self._done_assets.add(key)
        stage = self.plan.assets.get(key)
        if stage == "extract":
            rows = materialization.metadata.get("rows")
            value = int(rows.value) if rows is not None and isinstance(rows.value, int | float) else 0
            self._rows[key.path[-1]] = value
            self.outcome.rows_loaded = sum(self._rows.values())
            loaded = sum(1 for k in self._done_assets if self.plan.assets.get(k) == "extract")
            self._update("load", completed=loaded, description=f"{self.outcome.rows_loaded:,} rows")
            if step in self._tasks:
                task = self.progress.tasks[self._tasks[step]]
                self._update(step, completed=task.total, description=f"{key.path[-1]}: {value:,} rows")
        elif stage in ("dbt", "publish"):
            done = sum(1 for k in self._done_assets if self.plan.assets.get(k) == stage)
            self._update(stage, completed=done, description="/".join(key.path))

    def _checked(self, evaluation) -> None:
        key = evaluation.asset_check_key
        if key in self._done_checks:
            return
        self._done_checks.add(key)
        if evaluation.passed:
            self.outcome.checks_passed += 1
        else:
            self.outcome.checks_failed.append(f"{key.asset_key.to_user_string()}:{key.name}")
        failed = len(self.outcome.checks_failed)
        self._update("checks", completed=len(self._done_checks),
                     description=f"{self.outcome.checks_passed} passed" + (f", {failed} failed" if failed else ""))  # fmt: skip

    # ------------------------------------------------------------------ account
    def finish(self, success: bool) -> None:
        """Close unfinished bars as they stand (their steps failed or were skipped)."""
        for name, task in self._tasks.items():
            state = self.progress.tasks[task]
            if not state.finished:
                self.progress.update(task, description=f"{state.description} (not completed)".strip())
            self._announce(name)

    def print_warnings(self, log_path: Path, limit: int = 8) -> None:
        warnings = self.outcome.warnings
        if not warnings:
            return
        self.console.print(f"warnings: {len(warnings)} kind(s), {sum(warnings.values())} in all "
                           f"(each below once; full text in {log_path})", markup=False, highlight=False)  # fmt: skip
        for kind, count in warnings.most_common(limit):
            self.console.print(f"  {count:>4}x {self.outcome.warning_examples[kind][:200]}", markup=False,
                               highlight=False)  # fmt: skip
        if len(warnings) > limit:
            self.console.print(f"  ... {len(warnings) - limit} more kind(s) in the log", markup=False)


# ---------------------------------------------------------------------------------------------- the log file
#: Log files kept per command: about two months of daily runs to look back at; older ones are removed
#: when a new run starts (each is a few hundred kB to a few MB).
LOG_FILES_KEPT = 60


def log_file_path(log_dir: Path, command: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return log_dir / f"{command}-{stamp}.log"


def prune_logs(log_dir: Path, command: str, keep: int = LOG_FILES_KEPT) -> list[Path]:
    """Remove all but the newest ``keep`` log files of ``command``; returns those removed."""
    files = sorted(log_dir.glob(f"{command}-*.log"), key=lambda p: p.name, reverse=True)
    for path in files[keep:]:
        path.unlink(missing_ok=True)
    return files[keep:]


def _not_forwarded(record: logging.LogRecord) -> bool:
    """Records of ``get_dagster_logger()`` (dagster-dbt's, for one) reach the file through the run's logger
    already, with the run and step named: not a second time through the root logger."""
    return not record.name.startswith("dagster.builtin")


@contextlib.contextmanager
def quiet_run(log_dir: Path, command: str, *, verbose: bool = False) -> Iterator[tuple[Console, Path]]:
    """For the block: every log record and everything written to stdout/stderr (dbt's output, library
    messages, warnings) goes to a new log file; yields a console on the real terminal and the file's path.

    With ``verbose`` the records go to the terminal (stderr) as well, and nothing is redirected.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    prune_logs(log_dir, command, keep=LOG_FILES_KEPT - 1)
    path = log_file_path(log_dir, command)
    stream = path.open("a", encoding="utf-8", buffering=1)
    console = make_console()
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # The run's own records (RUN_LOGGER) at every level: Dagster logs its step events at DEBUG. Libraries
    # at INFO (the root logger's level), everything with -v.
    handler.setLevel(logging.DEBUG)
    handler.addFilter(_not_forwarded)
    saved_level = root.level
    saved_handlers = list(root.handlers)
    if not verbose:
        for existing in saved_handlers:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.captureWarnings(True)
    started = time.monotonic()
    try:
        if verbose:
            yield console, path
        else:
            with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
                yield console, path
    finally:
        stream.write(f"--- {command} ended after {time.monotonic() - started:.1f}s\n")
        logging.captureWarnings(False)
        root.removeHandler(handler)
        for existing in saved_handlers:
            if existing not in root.handlers:
                root.addHandler(existing)
        root.setLevel(saved_level)
        stream.close()


@contextlib.contextmanager
def displayed_run(console: Console, plan: RunPlan) -> Iterator[RunDisplay]:
    """Progress bars for one run: the display reads the records of :data:`RUN_LOGGER` for the block."""
    display = RunDisplay(console, plan)
    logger = logging.getLogger(RUN_LOGGER)
    logger.addHandler(display)
    try:
        with display:
            yield display
    finally:
        logger.removeHandler(display)
