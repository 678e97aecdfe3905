"""Where validations are kept: DuckDB table ``quality.validation_results`` and an HTML summary page.

Recording is a write: it goes through the caller's connection (inside a run, the ``duckdb``
resource's, serialized with the other writers). The page ``$AHW_DATA_DIR/quality/index.html`` is
regenerated from the table after each recording; it is self-contained (no scripts, no network).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import duckdb

from orchestration.quality.runner import ValidationOutcome

SCHEMA = "quality"
TABLE = f"{SCHEMA}.validation_results"
PAGE_ROWS = 300

DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        suite_name VARCHAR, table_name VARCHAR, asset_key VARCHAR, report_type VARCHAR,
        partition_start DATE, partition_end DATE, success BOOLEAN, statistics JSON,
        failed_expectations JSON, message VARCHAR, run_id VARCHAR, validated_at TIMESTAMP
    )""",
]


def record(con: duckdb.DuckDBPyConnection, outcome: ValidationOutcome) -> None:
    for statement in DDL:
        con.execute(statement)
    failed = [
        {k: v for k, v in f.__dict__.items() if k not in ("samples", "keys")} | {"samples": f.samples}
        for f in outcome.failures
    ]
    s = outcome.suite
    con.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [s.name, s.table, s.asset_key, s.report_type, outcome.start, outcome.end, outcome.success,
         json.dumps(outcome.statistics()), json.dumps(failed, default=str), outcome.message(), outcome.run_id,
         outcome.validated_at],
    )  # fmt: skip


def write_page(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Regenerate the results page from the table (latest first)."""
    for statement in DDL:
        con.execute(statement)
    rows = con.execute(
        f"""select validated_at, suite_name, table_name, partition_start, partition_end, success,
                   statistics, failed_expectations, run_id
            from {TABLE} order by validated_at desc limit {PAGE_ROWS}"""
    ).fetchall()
    body = []
    for at, suite, table, p0, p1, ok, stats, failed, run_id in rows:
        stats = json.loads(stats or "{}")
        failures = json.loads(failed or "[]")
        items = "".join(
            f"<li class='{html.escape(f.get('severity', 'error'))}'><code>{html.escape(f['expectation'])}"
            f"{'(' + html.escape(f['column']) + ')' if f.get('column') else ''}</code>: "
            f"{f.get('unexpected_count') if f.get('unexpected_count') is not None else 'failed'} — "
            f"{html.escape('; '.join(' '.join(str(v) for v in w.values()) for w in f.get('where', [])[:5]))}"
            f"<br><small>{html.escape(f.get('why', ''))}</small></li>"
            for f in failures
        )
        partition = str(p0) if p0 == p1 else f"{p0} .. {p1}"
        body.append(
            f"<tr class='{'ok' if ok else 'fail'}'><td>{at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(suite)}</td>"
            f"<td>{html.escape(table)}</td><td>{partition}</td><td>{'passed' if ok else 'FAILED'}</td>"
            f"<td>{stats.get('evaluated_expectations', '')}</td><td>{stats.get('rows', '')}</td>"
            f"<td><ul>{items}</ul></td><td><small>{html.escape(run_id or '')}</small></td></tr>"
        )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality: validation results</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }} table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; vertical-align: top; font-size: .9rem; }}
tr.ok td:nth-child(5) {{ color: #17612a; }} tr.fail {{ background: #fdecea; }} tr.fail td:nth-child(5) {{ color: #a11; font-weight: bold; }}
li.warning {{ color: #8a5a00; }} ul {{ margin: 0; padding-left: 1.1rem; }}
</style></head><body>
<h1>Validation results</h1>
<p>Great Expectations suites (expectations/README.md) run as Dagster asset checks; latest {PAGE_ROWS} validations,
newest first. Source: DuckDB table <code>{TABLE}</code>.</p>
<table><tr><th>validated at (UTC)</th><th>suite</th><th>table</th><th>partition</th><th>result</th>
<th>expectations</th><th>rows</th><th>failed expectations</th><th>run</th></tr>
{"".join(body)}
</table></body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
