"""Canary scans shared by the end-to-end tests: after a run, no secret may appear in any output, table,
file or alert, and no buyer data in any column or export a BI tool reads.

A test plants canary values (a refresh token, the LWA client secret, alert URLs, the PII salt), runs the
pipeline, then calls these functions on everything the run left behind.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

#: An e-mail address anywhere in a text (buyers' addresses must never reach BI-readable columns).
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
#: Schemas a BI tool is pointed at (README: the published marts); raw and staging stay with the engineers.
BI_SCHEMAS = ("marts",)


def _variants(secret: str) -> set[bytes]:
    """The secret as stored in text, JSON, URLs and UTF-16: a leak in any of those forms is a leak."""
    from urllib.parse import quote, quote_plus

    texts = {secret, quote(secret, safe=""), quote_plus(secret), secret.replace("|", "\\u007c")}
    return {t.encode() for t in texts} | {secret.encode("utf-16-le")}


def _decoded(data: bytes) -> Iterable[bytes]:
    yield data
    if data[:2] == b"\x1f\x8b":
        try:
            unpacked = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):  # a truncated download kept as received
            return
        yield unpacked


def leaks_in_files(roots: Iterable[Path], secrets: Iterable[str]) -> list[str]:
    """``path: secret`` for every file under ``roots`` holding a secret (gzip files are also read unpacked;
    SQLite event logs and DuckDB files are read as bytes, which finds uncompressed text)."""
    patterns = {s: _variants(s) for s in secrets}
    found = []
    for root in roots:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
            for data in _decoded(path.read_bytes()):
                found += [f"{path}: {s}" for s, forms in patterns.items() if any(f in data for f in forms)]
    return sorted(set(found))


def leaks_in_tables(database: str | Path, secrets: Iterable[str]) -> list[str]:
    """``schema.table.column: secret`` for every column of every table and view holding a secret."""
    secrets = list(secrets)
    found = []
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and schema_name not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        for schema, table, column in columns:
            for secret in secrets:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where contains(cast("{column}" as varchar), ?)',
                    [secret],
                ).fetchone()[0]
                if hits:
                    found.append(f"{schema}.{table}.{column}: {secret}")
    return found


def buyer_data_in_bi(database: str | Path, buyer_values: Iterable[str] = ()) -> list[str]:
    """Columns of the BI schemas holding an e-mail address or one of ``buyer_values`` (addresses, postal
    codes of the world's buyers)."""
    values = [v for v in buyer_values if v]
    found = []
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.execute(
            f"select schema_name, table_name, column_name from duckdb_columns() where schema_name in "
            f"({', '.join('?' for _ in BI_SCHEMAS)})",
            list(BI_SCHEMAS),
        ).fetchall()
        for schema, table, column in columns:
            cells = [v for (v,) in con.execute(f'select distinct cast("{column}" as varchar) from "{schema}"."{table}"')
                     .fetchall() if v]  # fmt: skip
            if any(EMAIL.search(c) for c in cells) or any(v in c for c in cells for v in values):
                found.append(f"{schema}.{table}.{column}")
    return found


def buyer_data_in_exports(folder: Path, buyer_values: Iterable[str] = (), *, any_email: bool = True) -> list[str]:
    """Export files (Parquet, CSV, HTML) under ``folder`` holding one of ``buyer_values``, or (``any_email``)
    any e-mail address (off for the HTML report, whose bundled JavaScript carries its authors' addresses)."""
    values = [v for v in buyer_values if v]
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            with duckdb.connect() as con:
                rows = con.execute(f"select * from read_parquet('{path}')").fetchall()
            text = "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows)
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        if (any_email and EMAIL.search(text)) or any(v in text for v in values):
            found.append(str(path))
    return found
