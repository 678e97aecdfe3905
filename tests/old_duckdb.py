"""An older DuckDB (1.1.3, as many BI tools embed) in an environment of its own, to open files with.

The environment is created with uv in a temporary folder (``uv venv`` + ``uv pip install
duckdb==1.1.3``, from the package index) once per test session; the project's own environment is
never touched. :func:`query` runs SQL there in a child process and returns the rows as JSON-ready
values (``str`` for dates, decimals and the like), so they compare with the same query run by the
project's DuckDB.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VERSION = "1.1.3"

_QUERY = r"""
import json, sys
import duckdb
path, queries = sys.argv[1], json.loads(sys.stdin.read())
con = duckdb.connect(path, read_only=True)
out = {"version": duckdb.__version__, "results": [con.execute(q).fetchall() for q in queries]}
print(json.dumps(out, default=str))
"""


def uv() -> str:
    """uv from PATH, else the copy `make` bootstraps under .tools/."""
    found = shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        raise RuntimeError("uv is needed to create the old-DuckDB environment: run `make install` first")
    return found


def create(folder: Path) -> Path:
    """A venv in ``folder`` with duckdb==VERSION; returns its python."""
    subprocess.run([uv(), "venv", "-q", str(folder), "--python", sys.executable], check=True, timeout=300)
    python = folder / "bin" / "python"
    subprocess.run([uv(), "pip", "install", "-q", "--python", str(python), f"duckdb=={VERSION}"], check=True,
                   timeout=600)  # fmt: skip
    return python


def query(python: Path, path: Path, queries: list[str]) -> dict:
    """Run ``queries`` on ``path`` (read-only) with the old DuckDB; {"version", "results"} or raises with its error."""
    done = subprocess.run([str(python), "-c", _QUERY, str(path)], input=json.dumps(queries), capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return json.loads(done.stdout)


def normalized(rows: list[tuple]) -> list:
    """Rows as the child's JSON gives them (tuples as lists, non-JSON values as str)."""
    return json.loads(json.dumps([list(r) for r in rows], default=str))
