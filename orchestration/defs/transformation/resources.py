"""The dbt project and CLI resource, created once and shared by every dbt asset.

dbt runs through ``ahw-dbt`` (``dbt_child.py``): a child process that dies with the run's process, so a
killed run never leaves dbt holding the DuckDB file's lock, and that answers dagster-dbt's
``dbt --version`` (asked on every materialization) without starting dbt (~4 s of imports saved).
"""

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is regenerated on load; make, CI and tests run `dbt parse` first.
dbt_project.prepare_if_dev()


def dbt_executable() -> str:
    """``ahw-dbt`` beside the running interpreter (``.venv/bin/ahw-dbt``), so ``.venv/bin/ahw`` works
    without an activated virtual environment; else whatever ``ahw-dbt`` is on PATH."""
    beside = Path(sys.executable).parent / "ahw-dbt"
    return str(beside) if beside.exists() else (shutil.which("ahw-dbt") or "ahw-dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
