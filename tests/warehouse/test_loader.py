"""Loader: one transaction per document, atomic, idempotent; import_file round trip (audited by the raw
gate before it is published, a rejected version kept in raw_rejected); schema DDL."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from orchestration.parsing import DocumentError, ParseOptions, parse_bytes
from orchestration.raw_schema import RAW_TABLES, raw_columns
from orchestration.spapi.report_types import (
    ORDERS,
    RETURNS,
    SELLER_FEEDBACK,
    SELLER_PERFORMANCE,
    SELLER_PERFORMANCE_V1,
)
from orchestration.warehouse.loader import RawGateFailed, import_file, load_document, prepare, publish, stage
from orchestration.warehouse.rejected import purge_rejected
from orchestration.warehouse.schema import ensure_raw_schema
from tests.warehouse.wh_samples import (
    DE,
    SALT,
    US,
    V1_XML,
    ctx,
    feedback_doc,
    json_bytes,
    order_row,
    orders_doc,
    returns_doc,
    v2_doc,
)

D1, D2, D3 = date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)


def rows(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchall()


def parsed_doc(rt, data, context):
    return parse_bytes(rt, data, context=context, options=ParseOptions(salt=SALT))


def load(con, rt, data, partitions, *, report_id="R1", marketplace=US, snapshot_at=None):
    """The loader's mechanics without the raw gate (the gate has tests of its own below)."""
    context = ctx(rt.name, marketplace, report_id)
    parsed = parsed_doc(rt, data, context)
    return load_document(
        con, rt, parsed, context=context, landing_file=f"{rt.key}/acme/{marketplace}/{report_id}.tsv.gz",
        partition_dates=partitions, snapshot_at=snapshot_at, sha256="abc", audit=False,
    )  # fmt: skip


def test_schema_matches_contract_and_is_idempotent(con):
    ensure_raw_schema(con)
    ensure_raw_schema(con)
    for table, columns in RAW_TABLES.items():
        described = rows(
            con,
            f"SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = 'raw' AND table_name = '{table}' ORDER BY ordinal_position",
        )
        assert [name for name, _ in described] == [c.name for c in columns]
        for (_, dtype), col in zip(described, columns, strict=True):
            assert dtype == col.ddl_type.replace(",", ", ") or (dtype, col.ddl_type) == (
                "DECIMAL(18,2)",
                "DECIMAL(18,2)",
            )
    provenance = ["report_id", "account_id", "marketplace_id", "partition_date", "landing_file", "loaded_at",
                  "source_row_number"]  # fmt: skip
    for table in ("orders", "seller_feedback", "returns", "seller_performance", "seller_performance_v1"):
        assert [c.name for c in raw_columns(table)][-7:] == provenance
    assert "extra_columns" in [c.name for c in raw_columns("orders", include_provenance=False)]


def test_orders_load_routes_rows_and_counts_outside(con):
    result = load(con, ORDERS, orders_doc(), [D1])
    assert result.rows_per_partition == {D1: 1}
    assert result.rows_outside_window == 2
    got = rows(con, "SELECT amazon_order_id, report_id, account_id, marketplace_id, partition_date, landing_file, "
                    "source_row_number, item_price FROM raw.orders")  # fmt: skip
    assert got == [("111-0000001-0000001", "R1", "acme", US, D1, f"orders/acme/{US}/R1.tsv.gz", 1,
                    Decimal("19.99"))]  # fmt: skip
    log = rows(con, "SELECT report_type, report_id, account_id, marketplace_id, partition_date, rows_loaded, sha256 "
                    "FROM raw.load_log")  # fmt: skip
    assert log == [(ORDERS.name, "R1", "acme", US, D1, 1, "abc")]


def test_reload_is_idempotent_and_replaces_the_partition(con):
    load(con, ORDERS, orders_doc(), [D1, D2])
    snapshot = "SELECT * EXCLUDE (loaded_at) FROM raw.orders ORDER BY partition_date, source_row_number"
    first = rows(con, snapshot)
    assert len(first) == 3
    load(con, ORDERS, orders_doc(), [D1, D2])
    assert rows(con, snapshot) == first
    # a new version of D2 with one row replaces both old D2 rows; D1 is untouched
    newer = orders_doc(rows=[order_row("111-9", "2026-05-02T10:00:00+00:00")])
    result = load(con, ORDERS, newer, [D2], report_id="R2")
    assert result.rows_per_partition == {D2: 1}
    assert rows(con, "SELECT partition_date, amazon_order_id, report_id FROM raw.orders ORDER BY 1, 2") == [
        (D1, "111-0000001-0000001", "R1"), (D2, "111-9", "R2"),
    ]  # fmt: skip
    # a requested partition without rows is emptied (no stale rows survive a re-run)
    result = load(con, ORDERS, orders_doc(rows=[]), [D2], report_id="R3")
    assert result.rows_per_partition == {D2: 0}
    assert rows(con, "SELECT count(*) FROM raw.orders WHERE partition_date = DATE '2026-05-02'") == [(0,)]
    assert rows(con, "SELECT count(*) FROM raw.load_log") == [(6,)]


def test_other_accounts_and_marketplaces_are_untouched(con):
    load(con, SELLER_FEEDBACK, feedback_doc(), [date(2026, 11, 25)])
    de = feedback_doc([["25.11.26", "1", "", "", "302-1", ""]])
    load(con, SELLER_FEEDBACK, de, [date(2026, 11, 25)], marketplace=DE, report_id="R9")
    load(con, SELLER_FEEDBACK, feedback_doc(), [date(2026, 11, 25)])
    assert rows(con, "SELECT marketplace_id, count(*) FROM raw.seller_feedback GROUP BY 1 ORDER BY 1") == [
        (DE, 1), (US, 2),
    ]  # fmt: skip


def test_failed_load_rolls_back_and_previous_version_survives(con):
    load(con, ORDERS, orders_doc(), [D1, D2])
    before = rows(con, "SELECT * FROM raw.orders ORDER BY partition_date, source_row_number")
    log_before = rows(con, "SELECT count(*) FROM raw.load_log")

    context = ctx(ORDERS.name, US, "BAD")
    staged = stage(con, ORDERS, parsed_doc(ORDERS, orders_doc(), context), context)
    prepare(con, staged, landing_file="x", partition_dates=[D1, D2], snapshot_at=None)
    # A failure after the DELETE: the staged version lost a column, so the INSERT of the partitions fails.
    con.execute(f"ALTER TABLE {staged.table} RENAME COLUMN quantity TO units")
    with pytest.raises(duckdb.Error):
        publish(con, staged)
    assert rows(con, "SELECT * FROM raw.orders ORDER BY partition_date, source_row_number") == before
    assert rows(con, "SELECT count(*) FROM raw.load_log") == log_before
    # the connection is usable afterwards
    load(con, ORDERS, orders_doc(), [D2], report_id="R2")
    assert rows(con, "SELECT DISTINCT report_id FROM raw.orders WHERE partition_date = DATE '2026-05-02'") == [("R2",)]


def test_a_document_that_fails_while_it_streams_changes_nothing(con):
    load(con, SELLER_FEEDBACK, feedback_doc(), [date(2026, 11, 25)])
    before = rows(con, "SELECT * FROM raw.seller_feedback")
    bad = feedback_doc([["11/25/26", "1", "", "", "1", ""], ["11/25/26", "9", "", "", "2", ""]])
    with pytest.raises(DocumentError, match="row 2, column 'Rating'"):
        load(con, SELLER_FEEDBACK, bad, [date(2026, 11, 25)], report_id="R2")
    assert rows(con, "SELECT * FROM raw.seller_feedback") == before
    assert rows(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw_staging'") == [(0,)]


def test_snapshot_loads_to_first_partition_with_snapshot_at(con):
    at = datetime(2026, 11, 25, 23, 59, 59)
    result = load(con, SELLER_PERFORMANCE, json_bytes(v2_doc()), [date(2026, 11, 25)], snapshot_at=at)
    assert result.rows_per_partition == {date(2026, 11, 25): 1}
    got = rows(con, "SELECT snapshot_at, partition_date, ahr_score, ahr_status, account_status, "
                    "performance_metrics->>'$.marketplaceId', source_row_number FROM raw.seller_performance")  # fmt: skip
    assert got == [(at, date(2026, 11, 25), 780, "GREAT", "NORMAL", US, 1)]
    result = load(con, SELLER_PERFORMANCE_V1, V1_XML, [date(2026, 11, 25)], snapshot_at=at)
    assert result.rows_per_partition == {date(2026, 11, 25): 2}
    got = rows(con, "SELECT metric_name, measures->>'$.contactCount', snapshot_at FROM raw.seller_performance_v1 "
                    "ORDER BY source_row_number")  # fmt: skip
    assert got == [("contact_response_time", "320", at), ("return_dissatisfaction", None, at)]
    load(con, SELLER_PERFORMANCE, json_bytes(v2_doc()), [D1])  # no snapshot time: the end of the partition day
    assert rows(con, "SELECT snapshot_at FROM raw.seller_performance WHERE partition_date = ?", [D1]) == [
        (datetime(2026, 5, 1, 23, 59, 59),)
    ]


def test_pii_never_reaches_the_tables(con):
    pii = {"buyer-email": "leak@example.com", "buyer-name": "Leaky Name", "ship-address-1": "1 Leak Street"}
    data = orders_doc(list(pii), [order_row("1", "2026-05-01T01:00:00Z", **pii)])
    load(con, ORDERS, data, [D1])
    load(con, SELLER_FEEDBACK, feedback_doc(), [date(2026, 11, 25)])
    dump = json.dumps(
        rows(con, "SELECT * FROM raw.orders") + rows(con, "SELECT * FROM raw.seller_feedback"), default=str
    )
    for value in ("leak@example.com", "Leaky Name", "Leak Street", "SPRINGFIELD", "62704", "example.com"):
        assert value not in dump


# ---------------------------------------------------------------- import_file


def test_import_flat_file_round_trip(con, landing, tmp_path):
    src = tmp_path / "returns.tsv.gz"
    src.write_bytes(gzip.compress(returns_doc()))
    result = import_file(con, landing, src, RETURNS, "acme", US, salt=SALT)
    assert result.report_id.startswith("import-") and len(result.report_id) == len("import-") + 16
    assert result.partition_dates == [date(2026, 11, 20), date(2026, 11, 21)]
    assert result.load.rows_per_partition == {date(2026, 11, 20): 1, date(2026, 11, 21): 1}
    with landing.open_plain(result.landed.path) as fh:
        assert fh.read() == src.read_bytes()
    assert result.landing_file == f"returns/acme/{US}/{result.report_id}.tsv.gz.fernet"
    assert "2 row(s) loaded (2026-11-20: 1, 2026-11-21: 1)" in result.describe()
    info = json.loads(result.landed.meta_path.read_text())
    assert info["source"] == "import" and info["compression"] == "GZIP"
    got = rows(con, "SELECT order_id, a_to_z_claim, report_id, landing_file FROM raw.returns ORDER BY 1")
    assert got[0] == ("111-0000001-0000001", True, result.report_id, result.landing_file)
    before = rows(con, "SELECT * EXCLUDE (loaded_at) FROM raw.returns ORDER BY order_id")
    again = import_file(con, landing, src, "returns", "acme", US, salt=SALT)  # same file: same id, same rows
    assert again.landed == result.landed
    assert rows(con, "SELECT * EXCLUDE (loaded_at) FROM raw.returns ORDER BY order_id") == before
    log = rows(con, "SELECT sha256 FROM raw.load_log")
    assert {s for (s,) in log} == {result.landed.sha256}


def _known_keys_only(document: dict) -> dict:
    for metrics in document["performanceMetrics"]:
        metrics.pop("someFutureMetric")  # a key the raw gate stops until someone maps it
    return document


def test_import_snapshot_uses_latest_reporting_date(con, landing, tmp_path):
    src = tmp_path / "perf.json"
    src.write_bytes(json_bytes(_known_keys_only(v2_doc())))
    result = import_file(con, landing, src, SELLER_PERFORMANCE, "acme", US, salt=SALT)
    assert result.partition_dates == [date(2026, 11, 25)]
    assert result.landed.path.name.endswith(".json")
    assert rows(con, "SELECT partition_date, snapshot_at, ahr_score FROM raw.seller_performance") == [
        (date(2026, 11, 25), datetime(2026, 11, 25, 23, 59, 59), 780)
    ]
    xml = tmp_path / "perf.xml"
    xml.write_bytes(V1_XML)
    result = import_file(con, landing, xml, SELLER_PERFORMANCE_V1, "acme", US, [date(2026, 11, 30)], salt=SALT)
    assert result.partition_dates == [date(2026, 11, 30)]
    assert rows(con, "SELECT DISTINCT partition_date FROM raw.seller_performance_v1") == [(date(2026, 11, 30),)]


def test_import_bad_document_stays_in_landing(con, landing, tmp_path):
    src = tmp_path / "feedback.tsv"
    src.write_bytes(feedback_doc([["someday", "1", "", "", "1", ""]]))
    with pytest.raises(DocumentError) as err:
        import_file(con, landing, src, SELLER_FEEDBACK, "acme", US, salt=SALT)
    assert err.value.report_id.startswith("import-") and err.value.account_id == "acme"
    landed = list((landing.root / "seller_feedback" / "acme" / US).glob("import-*.tsv.fernet"))
    assert len(landed) == 1 and landing.read(landed[0]) == src.read_bytes()
    ensure_raw_schema(con)
    assert rows(con, "SELECT count(*) FROM raw.seller_feedback") == [(0,)]


def test_import_truncated_gzip_is_a_document_error(con, landing, tmp_path):
    src = tmp_path / "orders.tsv.gz"
    src.write_bytes(gzip.compress(orders_doc() * 20)[:-25])
    with pytest.raises(DocumentError, match="truncated or corrupt gzip"):
        import_file(con, landing, src, ORDERS, "acme", US, salt=SALT)


BUYER_CANCEL_HEADERS = ["is-iba", "is-buyer-requested-cancellation", "buyer-requested-cancel-reason"]


def test_older_orders_table_gains_the_new_columns_and_keeps_its_rows(con):
    """A DuckDB file created before is_iba & co. existed: ensure_raw_schema adds them, old rows read NULL,
    and a document with the new headers loads typed values into them."""
    old_columns = [
        c for c in raw_columns("orders") if c.name not in {h.replace("-", "_") for h in BUYER_CANCEL_HEADERS}
    ]
    con.execute("CREATE SCHEMA raw")
    con.execute(f"CREATE TABLE raw.orders ({', '.join(f'{c.name} {c.ddl_type}' for c in old_columns)})")
    con.execute(
        "INSERT INTO raw.orders (amazon_order_id, account_id, marketplace_id, partition_date) "
        "VALUES ('111-OLD', 'acme', ?, DATE '2026-04-30')",
        [US],
    )
    ensure_raw_schema(con)
    ensure_raw_schema(con)  # idempotent on an upgraded file
    assert rows(con, "SELECT is_iba, is_buyer_requested_cancellation, buyer_requested_cancel_reason "
                     "FROM raw.orders WHERE amazon_order_id = '111-OLD'") == [(None, None, None)]  # fmt: skip
    doc = orders_doc(
        extra_headers=BUYER_CANCEL_HEADERS,
        rows=[
            order_row("111-0000001-0000001", "2026-05-01T13:45:12+00:00", **{
                "is-iba": "false", "is-buyer-requested-cancellation": "true",
                "buyer-requested-cancel-reason": "Order Created by Mistake", "order-status": "Cancelled"}),
            order_row("111-0000002-0000002", "2026-05-01T14:00:00+00:00", **{
                "is-iba": "true", "is-buyer-requested-cancellation": "false"}),
        ],
    )  # fmt: skip
    load(con, ORDERS, doc, [D1])
    got = rows(
        con,
        "SELECT amazon_order_id, is_iba, is_buyer_requested_cancellation, buyer_requested_cancel_reason, "
        "extra_columns FROM raw.orders WHERE partition_date = DATE '2026-05-01' ORDER BY amazon_order_id",
    )
    assert got == [
        ("111-0000001-0000001", False, True, "Order Created by Mistake", None),
        ("111-0000002-0000002", True, False, None, None),
    ]


# ---------------------------------------------------------------- write, audit, publish
def test_an_import_the_raw_gate_refuses_leaves_raw_unchanged_and_is_kept_for_inspection(con, landing, tmp_path):
    good = tmp_path / "good.json"
    good.write_bytes(json_bytes(_known_keys_only(v2_doc())))
    import_file(con, landing, good, SELLER_PERFORMANCE, "acme", US, salt=SALT)
    published = rows(con, "SELECT * FROM raw.seller_performance")
    log = rows(con, "SELECT * FROM raw.load_log")

    changed = tmp_path / "changed.json"
    changed.write_bytes(json_bytes(v2_doc(score=120)))  # Amazon added someFutureMetric: the suite stops it
    with pytest.raises(RawGateFailed) as raised:
        import_file(con, landing, changed, SELLER_PERFORMANCE, "acme", US, salt=SALT, run_id="import-test")
    message = str(raised.value)
    assert "\n" not in message
    for part in (SELLER_PERFORMANCE.name, "acme", US, "2026-11-25", "unknown_metric_keys",
                 "raw_rejected.seller_performance where load_id = "):  # fmt: skip
        assert part in message, message
    # readers still see the previous version; the refused one is queryable with its run id and reason
    assert rows(con, "SELECT * FROM raw.seller_performance") == published
    assert rows(con, "SELECT * FROM raw.load_log") == log
    load_id = message.split("load_id = '")[1].split("'")[0]
    kept = rows(con, "SELECT ahr_score, run_id, reason, partition_date FROM raw_rejected.seller_performance "
                     "WHERE load_id = ?", [load_id])  # fmt: skip
    assert kept == [(120, "import-test", kept[0][2], date(2026, 11, 25))]
    assert "expect_column_values_to_be_null(unknown_metric_keys)" in kept[0][2]
    assert rows(con, "SELECT run_id, account_id, partition_dates, rows_count FROM raw_rejected.documents") == [
        ("import-test", "acme", [date(2026, 11, 25)], 1)
    ]
    assert rows(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw_staging'") == [(0,)]
    assert rows(con, "SELECT count(*) FROM duckdb_views() WHERE schema_name = 'raw_staging'") == [(0,)]


def test_the_audit_validates_the_new_version_against_the_published_history(con, landing, tmp_path):
    """The volume suite compares a partition with the 14 published days before it: an import that would
    empty a day where the history had orders is refused, the day's published rows stay."""
    days = [date(2026, 5, 1) + timedelta(days=i) for i in range(15)]
    history = [order_row(f"111-{d.day:02d}-{i}", f"{d.isoformat()}T10:00:00+00:00") for d in days for i in range(6)]
    src = tmp_path / "history.tsv"
    src.write_bytes(orders_doc(rows=history))
    import_file(con, landing, src, ORDERS, "acme", US, salt=SALT)
    before = rows(con, "SELECT count(*) FROM raw.orders WHERE partition_date = ?", [days[-1]])
    assert before == [(6,)]
    empty = tmp_path / "empty.tsv"
    empty.write_bytes(orders_doc(rows=[]))
    with pytest.raises(RawGateFailed, match=r"raw_orders_volume: expect_column_values_to_be_between\(volume_ratio\)"):
        import_file(con, landing, empty, ORDERS, "acme", US, [days[-1]], salt=SALT)
    assert rows(con, "SELECT count(*) FROM raw.orders WHERE partition_date = ?", [days[-1]]) == before


def test_the_volume_average_is_over_the_days_loaded_not_fourteen(con, landing, tmp_path):
    """With one day of history (a warehouse's second day ever, or the day after the world's first), the next
    day compares with that day: 80 rows, then 146 (the by-last-update bump of a recent day) is 1.8x and
    passes; six times the day is refused. Dividing one day's rows by 14 made every second day look 25x."""
    first, second = date(2026, 5, 1), date(2026, 5, 2)

    def doc(day: date, count: int, name: str):
        path = tmp_path / name
        rows_ = [order_row(f"111-{day.day:02d}-{i}", f"{day.isoformat()}T10:00:00+00:00") for i in range(count)]
        path.write_bytes(orders_doc(rows=rows_))
        return path

    import_file(con, landing, doc(first, 80, "first.tsv"), ORDERS, "acme", US, [first], salt=SALT)
    with pytest.raises(RawGateFailed, match=r"volume_ratio"):
        import_file(con, landing, doc(second, 6 * 80 + 1, "many.tsv"), ORDERS, "acme", US, [second], salt=SALT)
    import_file(con, landing, doc(second, 146, "second.tsv"), ORDERS, "acme", US, [second], salt=SALT)
    assert rows(con, "SELECT count(*) FROM raw.orders WHERE partition_date = ?", [second]) == [(146,)]


def test_a_quiet_day_after_a_days_history_is_not_an_empty_report(con, landing, tmp_path):
    """Five returns one day and none the next is a normal small seller: with fewer than
    MIN_VOLUME_HISTORY_DAYS loaded, an empty day is not judged (a week of history is, see above)."""
    first, second = date(2026, 5, 1), date(2026, 5, 2)
    path = tmp_path / "first.tsv"
    path.write_bytes(
        orders_doc(rows=[order_row(f"111-01-{i}", f"{first.isoformat()}T10:00:00+00:00") for i in range(8)])
    )
    import_file(con, landing, path, ORDERS, "acme", US, [first], salt=SALT)
    empty = tmp_path / "empty.tsv"
    empty.write_bytes(orders_doc(rows=[]))
    import_file(con, landing, empty, ORDERS, "acme", US, [second], salt=SALT)
    assert rows(con, "SELECT partition_date, count(*) FROM raw.orders GROUP BY 1 ORDER BY 1") == [(first, 8)]
    assert rows(con, "SELECT rows_loaded FROM raw.load_log WHERE partition_date = ?", [second]) == [(0,)]


def test_rejected_versions_are_kept_for_the_retention_then_purged(con, landing, tmp_path):
    """raw_rejected keeps a refused version for the retention counted from its rejection (rejected_at,
    UTC); purge_rejected then deletes its rows and its document row together, for one report type when
    asked, and counts without deleting on a dry run."""
    changed = tmp_path / "changed.json"
    changed.write_bytes(json_bytes(v2_doc(score=120)))
    with pytest.raises(RawGateFailed):
        import_file(con, landing, changed, SELLER_PERFORMANCE, "acme", US, salt=SALT, run_id="kept")
    [(rejected_at,)] = rows(con, "SELECT rejected_at FROM raw_rejected.documents")

    def kept():
        return rows(con, "SELECT (SELECT count(*) FROM raw_rejected.documents), "
                         "(SELECT count(*) FROM raw_rejected.seller_performance)")  # fmt: skip

    assert kept() == [(1, 1)]
    assert purge_rejected(con, 30, now=rejected_at + timedelta(days=30)) == 0  # 30 days old: still kept
    after = rejected_at + timedelta(days=30, seconds=1)
    assert purge_rejected(con, 30, now=after, report_type=ORDERS) == 0 and kept() == [(1, 1)]
    assert purge_rejected(con, 30, now=after, dry_run=True) == 1 and kept() == [(1, 1)]
    assert purge_rejected(con, 30, now=after, report_type=SELLER_PERFORMANCE) == 1
    assert kept() == [(0, 0)]


def test_an_audit_that_outgrows_its_memory_cap_is_validated_again_uncapped_with_the_same_verdict(
    con, landing, tmp_path, monkeypatch, caplog
):
    """AHW_AUDIT_MEMORY_LIMIT bounds the gate for one huge document; a frame whose query needs more (here a
    cap DuckDB cannot work in) is validated again under the default limit: the same verdicts, the cap
    restored, nothing recorded twice."""
    import logging

    days = [date(2026, 5, 1) + timedelta(days=i) for i in range(3)]
    good = tmp_path / "good.tsv"
    good.write_bytes(orders_doc(rows=[order_row(f"111-{d.day:02d}-{i}", f"{d.isoformat()}T10:00:00+00:00")
                                      for d in days for i in range(4)]))  # fmt: skip
    dup = tmp_path / "dup.tsv"
    dup.write_bytes(orders_doc(rows=[order_row("111-09-1", "2026-05-04T10:00:00+00:00")] * 2))
    monkeypatch.setenv("AHW_AUDIT_MEMORY_LIMIT", "8MB")
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0].endswith("GiB")
    recorded_before = (
        rows(con, "SELECT count(*) FROM quality.validation_results")[0][0]
        if rows(con, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quality'")[0][0]
        else 0
    )
    with caplog.at_level(logging.INFO, logger="orchestration.quality.audit"):
        import_file(con, landing, good, ORDERS, "acme", US, salt=SALT)
        with pytest.raises(RawGateFailed, match=r"expect_compound_columns_to_be_unique"):
            import_file(con, landing, dup, ORDERS, "acme", US, [date(2026, 5, 4)], salt=SALT)
    assert "needed more memory than the audit's cap" in caplog.text
    assert rows(con, "SELECT count(*) FROM raw.orders") == [(12,)]
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0].endswith("GiB")  # the cap is lifted
    recorded = rows(con, "SELECT suite_name, count(*) FROM quality.validation_results GROUP BY 1 ORDER BY 1")
    assert sum(n for _, n in recorded) - recorded_before == 2 * len(recorded)  # one outcome per suite and import
