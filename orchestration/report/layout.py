"""The page shell every report page shares: head, navigation, styles, sections and small HTML parts.

Pages reference ``plotly.min.js`` and ``report.css`` by relative path (both written once beside the
pages), use system fonts and an empty inline favicon, so a page opened from disk loads nothing from
anywhere else. All text from the warehouse goes through :func:`esc`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

PLOTLY_JS = "plotly.min.js"
STYLESHEET = "report.css"
INDEX = "index.html"


@dataclass(frozen=True)
class Section:
    """One titled part of a page: an anchor id, a heading, a lead paragraph and its body (HTML)."""

    anchor: str
    title: str
    lead: str
    body: str


def esc(value: object) -> str:
    """Text for HTML (quotes too, for attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], css_class: str = "data") -> str:
    """An HTML table; ``headers`` are plain text, cells are HTML already escaped by the caller."""
    head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f"<div class='table-wrap'><table class='{css_class}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def badge(text: str, css_class: str) -> str:
    return f"<span class='badge {esc(css_class)}'>{esc(text)}</span>"


def render_sections(sections: Sequence[Section]) -> str:
    """The sections with a table of contents above them."""
    toc = "".join(f"<li><a href='#{esc(s.anchor)}'>{esc(s.title)}</a></li>" for s in sections)
    parts = [f"<nav class='toc' aria-label='Sections'><ol>{toc}</ol></nav>"] if len(sections) > 1 else []
    for s in sections:
        parts.append(
            f"<section id='{esc(s.anchor)}'><h2>{esc(s.title)}</h2><p class='lead'>{s.lead}</p>{s.body}</section>"
        )
    return "\n".join(parts)


def page(title: str, heading: str, body: str, generated_at: datetime, breadcrumb: str = "") -> str:
    """A whole HTML document of the report."""
    crumbs = f"<p class='crumbs'>{breadcrumb}</p>" if breadcrumb else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{STYLESHEET}">
<script src="{PLOTLY_JS}"></script>
</head>
<body>
<header>{crumbs}<h1>{esc(heading)}</h1></header>
<main>
{body}
</main>
<footer>Account Health Warehouse report, generated {esc(generated_at.strftime("%Y-%m-%d %H:%M"))} UTC.
Rates are shown in percent; ratings in points on Amazon's 0-1000 scale; dates are UTC days.</footer>
</body>
</html>
"""


#: One stylesheet for every page: readable on a laptop (max ~1200 px of content), printable.
CSS = """
:root { color-scheme: light; --ink: #222; --muted: #5f6b73; --line: #dde3e8; --bg: #f6f8fa;
  --healthy: #2e7d32; --at-risk: #ef6c00; --critical: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); line-height: 1.45; font-size: 15px; }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 18px; }
h1 { font-size: 26px; margin: 4px 0 4px; }
h2 { font-size: 20px; margin: 0 0 6px; }
.crumbs { margin: 0; font-size: 14px; }
.crumbs a, .toc a, td a { color: #1f5fbf; }
.subtitle { color: var(--muted); margin: 0 0 16px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 18px 0; }
.lead { color: var(--muted); margin: 0 0 12px; max-width: 980px; }
.toc ol { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; padding: 0; margin: 8px 0 0;
  font-size: 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin: 12px 0; }
.card { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 24px; font-weight: 600; }
.card .note { color: var(--muted); font-size: 13px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 12px; }
table.data { border-collapse: collapse; width: 100%; font-size: 14px; }
table.data th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line);
  padding: 6px 8px; vertical-align: bottom; }
table.data td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
table.data tr:hover td { background: #f3f7fb; }
.table-wrap { overflow-x: auto; }
.num { display: block; text-align: right; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 9px; font-size: 13px; font-weight: 600;
  color: white; background: #90a4ae; white-space: nowrap; }
.band-healthy { background: var(--healthy); }
.band-at-risk { background: var(--at-risk); }
.band-critical { background: var(--critical); }
.band-none { background: #b0bec5; }
.status-normal { background: var(--healthy); }
.status-at-risk { background: var(--at-risk); }
.status-deactivated, .status-suspended { background: var(--critical); }
.miss { color: var(--critical); font-weight: 600; }
.ok { color: var(--healthy); }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 13px; padding-bottom: 28px; }
@media print { body { background: white; } section { break-inside: avoid; border: none; } .toc { display: none; } }
"""
