"""The dbt project and CLI resource, created once and shared by every dbt asset.

dagster-dbt asks the dbt executable for its version (`dbt --version`) on every materialization, a
subprocess that costs ~4 s of Python imports here. The answer cannot change within an installed
environment, so this resource reads it from the installed package metadata instead.
"""

import shutil
import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is regenerated on load; make, CI and tests run `dbt parse` first.
dbt_project.prepare_if_dev()


class InstalledDbtCliResource(DbtCliResource):
    """DbtCliResource that knows dbt's version without spawning `dbt --version`."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))


def dbt_executable() -> str:
    """dbt beside the running interpreter (``.venv/bin/dbt``), so ``.venv/bin/ahw`` works without an
    activated virtual environment; else whatever ``dbt`` is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> InstalledDbtCliResource:
    return InstalledDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
