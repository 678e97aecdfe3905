"""Fixtures for the dbt tests: a temp DuckDB with schema raw filled by raw_fixtures, and an
in-process dbt runner (dbtRunner; ~1-3 s per invocation instead of 5-10 s for the CLI).

Each call points AHW_DUCKDB_PATH at its own file and uses its own target/log directories, so the
tests never touch data/ or dbt_project/target (which Dagster and other runs may use).

dbt builds the marts into the build area (schema marts_build); after a successful build or run the
invoker publishes them to schema marts the way the pipeline does after its gates
(``orchestration.warehouse.marts.publish_marts``), so the tests read what BI tools read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.dbt import raw_fixtures

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

DbtInvoke = Callable[..., object]


def make_invoker(db_path: Path, work_dir: Path) -> DbtInvoke:
    """Return invoke(*args, vars=None) running dbt in-process against `db_path`; raises on failure."""
    from dbt.cli.main import dbtRunner

    def invoke(*args: str, vars: dict | None = None, expect_success: bool = True):
        cli = [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
            "--threads",
            "2",
        ]
        if vars:
            cli += ["--vars", ", ".join(f"{k}: '{v}'" for k, v in vars.items()).join("{}")]
        previous = os.environ.get("AHW_DUCKDB_PATH")
        os.environ["AHW_DUCKDB_PATH"] = str(db_path)
        try:
            result = dbtRunner().invoke(cli)
        finally:
            if previous is None:
                os.environ.pop("AHW_DUCKDB_PATH", None)
            else:
                os.environ["AHW_DUCKDB_PATH"] = previous
        if expect_success and not result.success:
            failed = []
            for r in getattr(result.result, "results", None) or []:
                if str(r.status) not in ("success", "pass"):
                    failed.append(f"{r.node.unique_id}: {r.status} {r.message}")
            raise AssertionError(f"dbt {' '.join(args)} failed: {result.exception or ''}\n" + "\n".join(failed))
        if result.success and args and args[0] in ("build", "run"):
            publish(db_path)
        return result

    return invoke


def publish(db_path: Path) -> None:
    """Publish the build area to schema marts (what ``published/marts`` does after the mart gates)."""
    import duckdb

    from orchestration.warehouse.marts import BUILD_SCHEMA, publish_marts

    con = duckdb.connect(str(db_path))
    try:
        built = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ?", [BUILD_SCHEMA]).fetchone()
        if built[0]:
            publish_marts(con, run_id="tests")
    finally:
        con.close()


@pytest.fixture(scope="module")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, DbtInvoke, object]]:
    """A warehouse built once per module with a full `dbt build` (models, seeds, data and unit tests)."""
    work = tmp_path_factory.mktemp("dbt_full")
    db_path = work / "warehouse.duckdb"
    raw_fixtures.build_raw(db_path)
    invoke = make_invoker(db_path, work)
    result = invoke("build")
    yield db_path, invoke, result
