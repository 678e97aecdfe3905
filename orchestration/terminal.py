"""The terminal the command line prints to (rich), sized for reading in a terminal or a log."""

from __future__ import annotations

import sys

from rich.console import Console

#: Width used when writing to a file or a pipe (rich would assume 80 and fold the summary's tables).
PIPE_WIDTH = 200


def make_console(file=None) -> Console:
    """A console on ``file`` (default stdout): the terminal's width, or :data:`PIPE_WIDTH` columns."""
    file = file or sys.stdout
    interactive = hasattr(file, "isatty") and file.isatty()
    return Console(file=file, highlight=False, width=None if interactive else PIPE_WIDTH)
