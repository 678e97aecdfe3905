"""The dbt project and CLI resource, created once and shared by every dbt asset.

dbt runs through ``ahw-dbt`` (``dbt_child.py``): a child process that dies with the run's process, so a
killed run never leaves dbt holding the DuckDB file's lock, and that answers dagster-dbt's
``dbt --version`` (asked on every materialization) without starting dbt (~4 s of imports saved).

dagster-dbt gives every invocation a target folder of its own (``target/<op>-<run>-<id>``, about
13 MB at demo size: logs, compiled SQL, run results). Before each invocation the resource removes all
but the newest :data:`RUN_TARGETS_KEPT`, so ``dbt_project/target`` does not grow with every run.
"""

import re
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is regenerated on load; make, CI and tests run `dbt parse` first.
dbt_project.prepare_if_dev()


#: Per-invocation target folders kept: the last few runs' dbt.log and run_results.json stay to look at.
RUN_TARGETS_KEPT = 5
#: dagster-dbt's per-invocation folder names: ``<op name>-<run id[:7]>-<uuid[:7]>``, or ``<uuid[:7]>``.
_RUN_TARGET = re.compile(r"^(?:[\w.]+-[0-9a-f]{7}-)?[0-9a-f]{7}$")


def prune_run_targets(target_dir: Path, keep: int = RUN_TARGETS_KEPT) -> list[Path]:
    """Remove all but the ``keep`` newest per-invocation folders of ``target_dir``; returns those removed.

    Only folders named as dagster-dbt names them are touched (``manifest.json`` and the partial-parse
    file beside them stay)."""
    if not target_dir.is_dir():
        return []
    runs = [p for p in target_dir.iterdir() if p.is_dir() and _RUN_TARGET.fullmatch(p.name)]
    runs.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed = runs[keep:]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


class PrunedDbtCliResource(DbtCliResource):
    """DbtCliResource that keeps only the newest per-invocation target folders."""

    def cli(self, args, *, raise_on_error=True, manifest=None, dagster_dbt_translator=None, context=None,
            target_path=None):  # fmt: skip
        # One dbt invocation at a time writes the DuckDB file (pool duckdb_writer), so no folder removed
        # here belongs to a dbt that is still running.
        prune_run_targets(Path(self.project_dir) / "target", keep=RUN_TARGETS_KEPT - 1)
        return super().cli(args, raise_on_error=raise_on_error, manifest=manifest,
                           dagster_dbt_translator=dagster_dbt_translator, context=context, target_path=target_path)  # fmt: skip


def dbt_executable() -> str:
    """``ahw-dbt`` beside the running interpreter (``.venv/bin/ahw-dbt``), so ``.venv/bin/ahw`` works
    without an activated virtual environment; else whatever ``ahw-dbt`` is on PATH."""
    beside = Path(sys.executable).parent / "ahw-dbt"
    return str(beside) if beside.exists() else (shutil.which("ahw-dbt") or "ahw-dbt")


def dbt_resource() -> DbtCliResource:
    return PrunedDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
