"""``ahw-dbt``: dbt as a child process that dies with its parent (the ``dbt_executable`` of Dagster's dbt resource).

dagster-dbt runs dbt as a subprocess of the run's process. An ordinary child outlives a parent killed
with ``kill -9`` (or by the out-of-memory killer): it keeps the DuckDB file's single-writer lock, so the
next run cannot start, and it goes on writing marts no gate will check. This wrapper asks the kernel to
send it SIGKILL when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``), checks the parent did not die
in between, then replaces itself with dbt (``exec``: same process id; the setting survives ``exec``). So
dbt is exactly the child dagster-dbt started, and it dies with the run.

Where ``prctl`` does not exist (macOS), the wrapper stays dbt's parent instead and kills dbt as soon
as its own parent is gone (checked every half second).

``ahw-dbt --version`` is answered from the installed dbt-core's metadata without starting dbt:
dagster-dbt asks on every materialization, and dbt's own answer costs ~4 s of imports.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

#: linux/prctl.h: set the signal the calling process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def dbt_path() -> str:
    """dbt beside this interpreter (``.venv/bin/dbt``), else ``dbt`` on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def _die_with_parent() -> bool:
    """Ask Linux for SIGKILL when the parent dies; False where prctl is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _supervise(command: list[str], parent: int) -> int:
    """Run dbt as our child and kill it as soon as our parent is gone (systems without prctl)."""
    child = subprocess.Popen(command)
    while True:
        try:
            return child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            if os.getppid() != parent:
                child.kill()
                child.wait()
                return 137


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-v"]):
        print(f"Core:\n  - installed: {version('dbt-core')}\n\nPlugins:\n  - duckdb: {version('dbt-duckdb')}")
        return 0
    parent = os.getppid()
    command = [dbt_path(), *args]
    if _die_with_parent():
        if os.getppid() != parent:  # the parent died before the request took effect
            return 137
        os.execv(command[0], command)
    return _supervise(command, parent)


if __name__ == "__main__":
    sys.exit(main())
