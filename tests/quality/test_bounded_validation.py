"""The raw gate validates a frame of any size in bounded memory (issue 9, section 2): ``validate`` streams
the frame from DuckDB in chunks, validates each with GX and merges the results, and checks uniqueness
over the whole frame in DuckDB. Its outcome must be the one GX gives on the whole frame at once
(``validate_frame``): same verdict, same unexpected counts and percentages, same rows attributed to the
same account x marketplace x partition, even with a duplicate pair split across chunks.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from orchestration.parsing import ParseOptions, parse_bytes
from orchestration.quality import runner
from orchestration.quality.runner import frame_query, read_frame, validate, validate_frame
from orchestration.quality.suites import suite
from orchestration.spapi.report_types import ORDERS
from orchestration.warehouse.loader import audit_and_publish, drop_staging, load_document, prepare, stage
from tests.warehouse.wh_samples import SALT, US, ctx, order_row, orders_doc

D1 = date(2026, 5, 1)
DAYS = [D1 + timedelta(days=i) for i in range(3)]
PER_DAY = 110
CHUNK = 64
KEY = ("account_id", "marketplace_id", "amazon_order_id", "sku")


def _rows(day: date, count: int, prefix: str = "111") -> list[dict[str, str]]:
    stamp = f"{day.isoformat()}T10:00:00+00:00"
    return [order_row(f"{prefix}-{day.day:02d}-{i:05d}", stamp, **{"purchase-date": stamp}) for i in range(count)]


def _parsed(rows: list[dict[str, str]], report_id: str):
    context = ctx(ORDERS.name, US, report_id)
    return context, parse_bytes(ORDERS, orders_doc(rows=rows), context=context, options=ParseOptions(salt=SALT))


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    context, parsed = _parsed([r for day in DAYS for r in _rows(day, PER_DAY)], "R1")
    load_document(
        connection, ORDERS, parsed, context=context, landing_file="orders/acme/R1.tsv", partition_dates=DAYS,
        snapshot_at=None, sha256="abc", audit=False,
    )  # fmt: skip
    yield connection
    connection.close()


def _spoil(con) -> None:
    """Faults whose unexpected rows are known by construction, appended at the end of the table so the
    copies stream in other chunks than their originals."""
    first = f"'111-01-{0:05d}'"
    # 1. an exact copy of day 1's first row: a duplicate pair, 2 unexpected rows, both on day 1
    con.execute(f"INSERT INTO raw.orders SELECT * FROM raw.orders WHERE amazon_order_id = {first}")
    # 2. day 2's row 7 again on day 3: 2 unexpected rows, one on each day (and an update-day offset of -1)
    con.execute(
        "INSERT INTO raw.orders SELECT * REPLACE (date '2026-05-03' AS partition_date) FROM raw.orders "
        "WHERE amazon_order_id = '111-02-00007'"
    )
    # 3. two rows of day 2 without sku; two rows with none of the key's columns (ignored by uniqueness)
    con.execute("UPDATE raw.orders SET sku = NULL WHERE amazon_order_id IN ('111-02-00050', '111-02-00051')")
    con.execute(
        "INSERT INTO raw.orders SELECT * REPLACE (NULL AS account_id, NULL AS marketplace_id, "
        "NULL AS amazon_order_id, NULL AS sku) FROM raw.orders WHERE amazon_order_id IN ('111-03-00001', "
        "'111-03-00002')"
    )
    # 4. a quantity out of range on day 3
    con.execute("UPDATE raw.orders SET quantity = 99999 WHERE amazon_order_id = '111-03-00100'")


def _comparable(outcome) -> list[tuple]:
    return sorted(
        (f.expectation, f.column or "", f.severity, f.unexpected_count, f.unexpected_percent,
         sorted((f.keys or {}).items()), f.keys is None, sorted(tuple(w.items()) for w in f.where), len(f.samples))
        for f in outcome.failures
    )  # fmt: skip


def test_chunked_validation_gives_the_whole_frame_outcome_with_a_duplicate_split_across_chunks(con, monkeypatch):
    _spoil(con)
    monkeypatch.setattr(runner, "UNIQUE_BUCKET_ROWS", 50)  # uniqueness checked in 7 buckets of the frame
    orders = suite("raw_orders")
    start, end = DAYS[0], DAYS[-1]

    chunks = list(runner._chunks(con, frame_query(orders, start, end), CHUNK))
    assert len(chunks) > 2 and max(len(c) for c in chunks) <= CHUNK
    holding = [i for i, c in enumerate(chunks) if (c["amazon_order_id"] == "111-01-00000").any()]
    assert len(holding) == 2, "the duplicate pair must be split across two chunks"

    whole = validate_frame(orders, read_frame(con, orders, start, end), start, end)
    chunked = validate(con, orders, start, end, chunk_rows=CHUNK)
    single = validate(con, orders, start, end, chunk_rows=100_000)

    assert chunked.rows == whole.rows == sum(len(c) for c in chunks) == 3 * PER_DAY + 4
    assert chunked.evaluated == whole.evaluated == len(orders.expectations)
    assert _comparable(chunked) == _comparable(whole) == _comparable(single)
    assert not chunked.success

    failed = {(f.expectation, f.column): f for f in chunked.failures}
    unique = failed[("expect_compound_columns_to_be_unique", None)]
    us = ("acme", US)
    assert unique.unexpected_count == 4
    assert unique.keys == {(*us, "2026-05-01"): 2, (*us, "2026-05-02"): 1, (*us, "2026-05-03"): 1}
    # GX's share is of the rows not ignored (the two with the whole key missing)
    assert unique.unexpected_percent == pytest.approx(4 / (3 * PER_DAY + 2) * 100)
    assert {tuple(s[c] for c in KEY) for s in unique.samples} >= {("acme", US, "111-01-00000", "SKU-1")}
    assert failed[("expect_column_values_to_not_be_null", "sku")].unexpected_count == 4
    assert failed[("expect_column_values_to_be_between", "quantity")].keys == {(*us, "2026-05-03"): 1}
    assert failed[("expect_column_values_to_be_between", "last_updated_day_offset")].keys == {(*us, "2026-05-03"): 1}


def test_a_clean_frame_passes_chunked_as_whole(con):
    orders = suite("raw_orders")
    chunked = validate(con, orders, DAYS[0], DAYS[-1], chunk_rows=CHUNK)
    whole = validate_frame(orders, read_frame(con, orders, DAYS[0], DAYS[-1]), DAYS[0], DAYS[-1])
    assert chunked.success and whole.success and chunked.rows == whole.rows == 3 * PER_DAY


def test_an_empty_frame_is_still_validated_for_its_columns(con):
    orders = suite("raw_orders")
    day = date(2026, 6, 1)
    chunked = validate(con, orders, day, day, chunk_rows=CHUNK)
    whole = validate_frame(orders, read_frame(con, orders, day, day), day, day)
    assert chunked.rows == 0 and _comparable(chunked) == _comparable(whole)


def test_the_audit_rejects_the_same_documents_for_the_same_rows_in_chunks(con, monkeypatch):
    """Two new documents audited together, one row of the second repeating one of the first: both are
    refused for one unexpected row each, a third is published, whatever the chunk size."""

    def audit(chunk_rows: int):
        monkeypatch.setattr(runner, "CHUNK_ROWS", chunk_rows)
        days = [date(2026, 5, 10), date(2026, 5, 11), date(2026, 5, 12)]
        first, second, third = (_rows(day, 100, prefix="222") for day in days)
        second[60] = order_row("222-10-00003", second[60]["last-updated-date"], **{"purchase-date": "2026-05-11"})
        staged = []
        for i, (rows, day) in enumerate(zip((first, second, third), days, strict=True)):
            context, parsed = _parsed(rows, f"A{chunk_rows}-{i}")
            document = stage(con, ORDERS, parsed, context)
            prepare(con, document, landing_file=f"orders/{i}.tsv", partition_dates=[day], snapshot_at=None, sha256="x")
            staged.append(document)
        try:
            done = audit_and_publish(con, staged, run_id=f"chunks-{chunk_rows}")
        finally:
            for document in staged:
                drop_staging(con, document)
        for day in days:  # the next audit starts from the same published history
            con.execute("DELETE FROM raw.orders WHERE partition_date = ?", [day])
            con.execute("DELETE FROM raw.load_log WHERE partition_date = ?", [day])
        return [sorted(r.reasons) for r in done.rejected], [p.rows_loaded for p in done.published.values()]

    chunked, whole = audit(32), audit(100_000)
    assert chunked == whole
    rejected, published = chunked
    assert published == [100]
    assert rejected == [["raw_orders: expect_compound_columns_to_be_unique: 1 unexpected row(s)"]] * 2
