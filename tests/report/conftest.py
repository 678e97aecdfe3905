"""A small warehouse for the report tests: the dbt tests' hand-checkable raw data set
(tests/dbt/raw_fixtures.py: acme US and DE, bolt US, snapshots 2026-11-01..05) built into marts by
``dbt seed`` + ``dbt run`` once per test session (tests that change it work on a copy).

dbt runs in a child process: in-process, dbt-duckdb keeps its connection to the file open, and DuckDB
then refuses the report's read-only connection in the same process ("different configuration").
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbt import raw_fixtures

REPO = Path(__file__).resolve().parents[2]
_BUILD = """
import sys
from pathlib import Path
from tests.dbt.conftest import make_invoker
invoke = make_invoker(Path(sys.argv[1]), Path(sys.argv[2]))
invoke("seed")
invoke("run")
"""


@pytest.fixture(scope="session")
def marts_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("report_warehouse")
    path = work / "warehouse.duckdb"
    raw_fixtures.build_raw(path)
    built = subprocess.run(
        [sys.executable, "-c", _BUILD, str(path), str(work)], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield path
