"""The account-health report: static HTML pages with interactive Plotly charts, read from the marts.

``build_report(duckdb_path, directory)`` reads the published marts through one read-only connection
(:mod:`.data`) and writes ``directory/index.html`` (every account x marketplace ranked by risk) plus
one page per account x marketplace (:mod:`.overview`, :mod:`.account_page`, one module per section in
:mod:`.sections`), with ``plotly.min.js`` and ``report.css`` beside them (:mod:`.writer`). Opening a
page makes no request outside its folder: no CDN, no web fonts, no MathJax.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from orchestration.report.data import ReportData, ReportDataError, load_report_data, read_report_data
from orchestration.report.writer import ReportResult, write_report

__all__ = [
    "ReportData",
    "ReportDataError",
    "ReportResult",
    "build_report",
    "load_report_data",
    "read_report_data",
    "write_report",
]


def build_report(duckdb_path: Path, directory: Path, generated_at: datetime | None = None) -> ReportResult:
    """Read the marts of ``duckdb_path`` (read-only, closed before writing) and write the report to ``directory``.

    Raises :class:`ReportDataError` when the warehouse is missing, locked by a writer or lacks a mart.
    """
    return write_report(read_report_data(duckdb_path), directory, generated_at)
