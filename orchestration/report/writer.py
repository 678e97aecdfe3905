"""Writes the report's files: the pages, one stylesheet and Plotly's JavaScript, each replaced atomically.

Every file is written to a temporary name in the report folder and moved into place with
``os.replace``, so a browser (or a person reloading) sees a whole old file or a whole new one. Account
pages are written before the overview that links to them; pages of account x marketplaces that are
no longer in the warehouse are removed last. ``plotly.min.js`` (from the installed ``plotly``
package, ~4.8 MB) is rewritten only when it differs from the installed version.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from plotly.offline import get_plotlyjs

from orchestration.report import account_page, overview
from orchestration.report.data import ReportData
from orchestration.report.layout import CSS, INDEX, PLOTLY_JS, STYLESHEET

#: Account pages the writer owns (and may delete when their account x marketplace is gone).
ACCOUNT_PAGE_GLOB = "account-*.html"


@dataclass(frozen=True)
class ReportResult:
    """What was written: ``index`` is the overview page; ``pages`` counts HTML pages, overview included."""

    index: Path
    pages: int
    account_pages: list[Path]
    bytes_written: int
    as_of: str | None
    sections: dict[str, list[str]] = field(default_factory=dict)
    """Section anchors per account page file name (which optional sections appeared)."""


def _write_atomic(path: Path, content: str | bytes) -> int:
    data = content.encode("utf-8") if isinstance(content, str) else content
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return len(data)


def write_report(data: ReportData, directory: Path, generated_at: datetime | None = None) -> ReportResult:
    """Write the overview and one page per account x marketplace of ``data`` into ``directory``.

    Raises ``OSError`` when the folder cannot be written; files already in place stay as they were.
    """
    generated_at = generated_at or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    plotly_js = get_plotlyjs().encode("utf-8")
    js_path = directory / PLOTLY_JS
    if not js_path.exists() or js_path.read_bytes() != plotly_js:
        written += _write_atomic(js_path, plotly_js)
    written += _write_atomic(directory / STYLESHEET, CSS)

    pages: list[Path] = []
    sections: dict[str, list[str]] = {}
    for account_id, marketplace_id in data.pairs():
        html, shown = account_page.render(data, account_id, marketplace_id, generated_at)
        path = directory / account_page.page_name(account_id, marketplace_id)
        written += _write_atomic(path, html)
        pages.append(path)
        sections[path.name] = [s.anchor for s in shown]
    index_html, _ = overview.render(data, generated_at)
    index = directory / INDEX
    written += _write_atomic(index, index_html)
    keep = {p.name for p in pages}
    for stale in directory.glob(ACCOUNT_PAGE_GLOB):
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    as_of = None if data.as_of is None else data.as_of.date().isoformat()
    return ReportResult(index, len(pages) + 1, pages, written, as_of, sections)
