"""Extract -> land -> parse -> load into a real DuckDB file, compared with the sandbox world's truth."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest

from orchestration.catalogue import MARKETPLACES
from orchestration.ingest import IngestFailed, ingest, snapshot_moment
from orchestration.parsing.encodings import charset_of_content_type, python_codec
from orchestration.sandbox import Fault
from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_FEEDBACK, SELLER_PERFORMANCE, SELLER_PERFORMANCE_V1
from orchestration.warehouse.landing import Landing

DAYS = [date(2026, 6, 10) + timedelta(days=i) for i in range(3)]


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield con
    con.close()


@pytest.fixture
def landing(tmp_path):
    return Landing(tmp_path / "landing")


def run(report_type, con, accounts, endpoint, landing, days=DAYS):
    return ingest(report_type, days, connection=con, accounts=accounts, endpoint=endpoint, landing=landing, salt="t")


def counts(con, table):
    rows = con.execute(
        f"select account_id, marketplace_id, partition_date, count(*) from raw.{table} group by all"
    ).fetchall()
    return {(a, m, d): n for a, m, d, n in rows}


def truth(world, rows_fn, days=DAYS):
    return {
        (a.name, m, d): len(rows_fn(a.name, m, d))
        for a in world.accounts
        for m in a.marketplace_ids
        for d in days
        if rows_fn(a.name, m, d)
    }


@pytest.mark.parametrize(
    ("report_type", "rows_fn"),
    [(ORDERS, "order_item_rows"), (SELLER_FEEDBACK, "feedback_rows"), (RETURNS, "return_rows")],
)
def test_flat_files_land_in_raw_with_the_worlds_row_counts(
    server, world, accounts, endpoint, landing, warehouse, report_type, rows_fn
):
    result = run(report_type, warehouse, accounts, endpoint, landing)
    expected = truth(world, getattr(world, rows_fn))
    assert counts(warehouse, report_type.raw_table) == expected
    assert result.rows == sum(expected.values())
    assert result.stats.throttled_429 == 0
    # every document is kept as received, with its metadata beside it
    landed = list((landing.root / report_type.key).rglob("*.gz.fernet"))  # buyer data: encrypted at rest
    assert len(landed) == result.documents_landed > 0
    assert all(p.with_name(p.name.split(".")[0] + ".meta.json").exists() for p in landed)


def test_each_document_is_decoded_as_its_download_declares_and_the_load_log_says_how(
    server, accounts, endpoint, landing, warehouse
):
    run(ORDERS, warehouse, accounts, endpoint, landing)
    metas = [json.loads(p.read_text()) for p in (landing.root / ORDERS.key).rglob("*.meta.json")]
    assert metas and all(m["content_type"] for m in metas)  # what the download's response said
    logged = {
        (a, m): (encoding, source)
        for a, m, encoding, source in warehouse.execute(
            "select distinct account_id, marketplace_id, encoding, encoding_source from raw.load_log "
            "where landing_file is not null"
        ).fetchall()
    }
    for meta in metas:
        encoding, source = logged[(meta["account_id"], meta["marketplace_id"])]
        assert meta["charset"] == charset_of_content_type(meta["content_type"])
        assert (meta["encoding"], meta["encoding_source"]) == (encoding, source)  # landing and load log agree
        if meta["charset"]:  # a declared charset decides
            assert (encoding, source) == (python_codec(meta["charset"]), "download charset")
        else:  # nothing declared: the catalogue, and the load log says so
            mp = MARKETPLACES[meta["marketplace_id"]]
            assert (encoding, source) == (python_codec(mp.flat_file_encoding), "catalogue")


def test_provenance_on_every_row_and_no_buyer_pii(server, accounts, endpoint, landing, warehouse):
    run(SELLER_FEEDBACK, warehouse, accounts, endpoint, landing)
    columns = [r[0] for r in warehouse.execute("describe raw.seller_feedback").fetchall()]
    for column in (
        "report_id",
        "account_id",
        "marketplace_id",
        "partition_date",
        "landing_file",
        "loaded_at",
        "source_row_number",
    ):
        assert column in columns
        assert warehouse.execute(f"select count(*) from raw.seller_feedback where {column} is null").fetchall() == [
            (0,)
        ]
    assert "rater_email" not in columns and "rater_email_hash" in columns
    emails = warehouse.execute("select count(*) from raw.seller_feedback where rater_email_hash like '%@%'").fetchall()
    assert emails == [(0,)]


def test_the_same_partitions_twice_give_identical_rows(server, accounts, endpoint, landing, warehouse):
    def snapshot():
        return warehouse.execute(
            "select * exclude (loaded_at, report_id, landing_file) from raw.orders order by all"
        ).fetchall()

    run(ORDERS, warehouse, accounts, endpoint, landing)
    first = snapshot()
    run(ORDERS, warehouse, accounts, endpoint, landing)
    assert snapshot() == first and len(first) > 0


def test_snapshots_are_taken_as_of_each_partition_day(server, world, accounts, endpoint, landing, warehouse):
    clock_before = server.clock.now()
    run(SELLER_PERFORMANCE, warehouse, accounts, endpoint, landing, days=DAYS[:2])
    rows = warehouse.execute(
        "select account_id, marketplace_id, partition_date, ahr_score, account_status from raw.seller_performance"
    ).fetchall()
    pairs = [(a.name, m) for a in world.accounts for m in a.marketplace_ids]
    assert len(rows) == len(pairs) * 2

    for account_id, marketplace_id, day, score, status in rows:
        truth_ = world.performance(account_id, marketplace_id, snapshot_moment(day))
        assert score == truth_["ahr_score"]
        assert status == truth_["account_status"]
    # the sandbox clock is put back where it was
    assert abs((server.clock.now() - clock_before).total_seconds()) < 3600


def test_v1_report_lands_the_documented_families_with_the_worlds_figures(
    server, world, accounts, endpoint, landing, warehouse
):
    """The sandbox serves V1 in the shape Amazon documents; every window of the order defect,
    cancellation and contact response families lands with the world's counts."""
    run(SELLER_PERFORMANCE_V1, warehouse, accounts, endpoint, landing, days=DAYS[:1])
    rows = warehouse.execute(
        "select account_id, marketplace_id, partition_date, metric_name, fulfillment_channel, window_start_date, "
        "window_end_date, numerator, denominator from raw.seller_performance_v1 where metric_name in "
        "('order_defect_rate', 'pre_fulfillment_cancellation_rate', 'contact_response_time') "
        "and window_start_date is not null"  # the performance checklist's rows have statuses, no window
    ).fetchall()
    channels = {"Seller": "MFN", "Amazon": "AFN"}
    seen = set()
    for account, m, day, name, channel, first, last, numerator, denominator in rows:
        truth_ = world.v1_metrics(account, m, snapshot_moment(day))
        if name == "order_defect_rate":
            (w,) = [
                x
                for x in truth_["order_defects"]
                if x["window"] == (first, last) and channels[x["fulfilled_by"]] == channel
            ]
            assert (numerator, denominator) == (w["order_with_defects"], w["order_count"])
        elif name == "pre_fulfillment_cancellation_rate":
            (w,) = [x for x in truth_["customer_experience"] if x["window"] == (first, last)]
            assert (numerator, denominator) == (w["pre_fulfillment_cancellation"], w["order_count"])
        else:
            (w,) = [x for x in truth_["contact_response_time"] if x["window"] == (first, last)]
            assert (numerator, denominator) == (w["response_under_24_hours"], w["contact_count"])
        seen.add((account, m, name, (last - first).days + 1))
    for a in world.accounts:
        for m in a.marketplace_ids:  # every window of every family, for every marketplace
            assert {(n, d) for acc, mk, n, d in seen if (acc, mk) == (a.name, m)} == {
                ("order_defect_rate", 60), ("order_defect_rate", 90), ("pre_fulfillment_cancellation_rate", 7),
                ("pre_fulfillment_cancellation_rate", 30), ("pre_fulfillment_cancellation_rate", 90),
                ("contact_response_time", 7), ("contact_response_time", 30), ("contact_response_time", 90),
            }  # fmt: skip


@pytest.mark.parametrize("kind", ["schema_missing_column", "schema_renamed_column"])
def test_schema_drift_fails_naming_the_report_and_keeps_data(
    server, world, accounts, endpoint, landing, warehouse, kind
):
    run(SELLER_FEEDBACK, warehouse, accounts, endpoint, landing)
    before = counts(warehouse, "seller_feedback")
    server.faults.add(
        Fault(
            kind,
            report_type=SELLER_FEEDBACK.name,
            seller_id="A1ACMEHOME0001",
            marketplace_id="ATVPDKIKX0DER",
            times=None,
        )
    )
    with pytest.raises(IngestFailed) as err:
        run(SELLER_FEEDBACK, warehouse, accounts, endpoint, landing)
    message = str(err.value)
    assert SELLER_FEEDBACK.name in message and "acme-home" in message and "ATVPDKIKX0DER" in message
    assert "report" in message
    # nothing partial: the previous version of every partition is intact
    assert counts(warehouse, "seller_feedback") == before
    # the bad document is kept in landing
    others = sum(len(a.marketplace_ids) for a in accounts) - 1
    result = err.value.result
    assert result.documents_landed + result.stats.cancelled_reports == others
    bad = [p for p in (landing.root / "seller_feedback" / "acme-home" / "ATVPDKIKX0DER").glob("*.gz.fernet")]
    assert len(bad) == 2


def test_an_extra_column_is_kept_not_a_crash(server, accounts, endpoint, landing, warehouse):
    """An unmapped header parses (its values in extra_columns), and the raw gate holds the new shape back
    from raw (the rating must not run on it until the column is mapped): the version waits, with the
    unknown column's values, in raw_rejected.orders, and the error says where."""
    server.faults.add(Fault("schema_extra_column", report_type=ORDERS.name, times=None))
    with pytest.raises(IngestFailed, match=r"expect_column_values_to_be_null\(extra_columns\).*raw_rejected\.orders"):
        run(ORDERS, warehouse, accounts, endpoint, landing, days=DAYS[:1])
    kept = warehouse.execute("select count(*) from raw_rejected.orders where extra_columns is not null").fetchone()[0]
    assert kept > 0
    assert warehouse.execute("select count(*) from raw.orders").fetchone()[0] == 0


def test_localized_feedback_headers_are_understood(server, world, accounts, endpoint, landing, warehouse):
    server.faults.add(Fault("schema_localized_headers", report_type=SELLER_FEEDBACK.name, times=None))
    run(SELLER_FEEDBACK, warehouse, accounts, endpoint, landing)
    assert counts(warehouse, "seller_feedback") == truth(world, world.feedback_rows)


def test_first_run_of_an_account_extracts_the_volume_credits_history_and_later_runs_only_their_days(
    server, world, accounts, endpoint, landing, warehouse
):
    """AHW_HISTORY_DAYS: the first run of an account x marketplace also loads the days before its range
    that complete the history (each day with the world's rows), never before the first partition; a
    second run, and a snapshot report, extract only their own days."""
    last = DAYS[-1]
    earliest = last - timedelta(days=40)
    first = ingest(ORDERS, DAYS, connection=warehouse, accounts=accounts, endpoint=endpoint, landing=landing,
                   salt="t", history_days=60, earliest_day=earliest)  # fmt: skip
    history = [earliest + timedelta(days=i) for i in range((DAYS[0] - earliest).days)]
    assert sorted(first.history_days) == history  # 60 days asked, cut at the first partition
    loaded_days = [
        d for (d,) in warehouse.execute("select distinct partition_date from raw.load_log order by 1").fetchall()
    ]
    assert loaded_days == [*history, *DAYS]
    # the history days hold the world's rows, like any partition
    assert counts(warehouse, "orders") == truth(world, world.order_item_rows, days=[*history, *DAYS])

    later = [last + timedelta(days=1)]
    second = ingest(ORDERS, later, connection=warehouse, accounts=accounts, endpoint=endpoint, landing=landing,
                    salt="t", history_days=60, earliest_day=earliest)  # fmt: skip
    assert second.history_days == set() and set(second.rows_per_partition) <= set(later)
    snapshots = ingest(SELLER_PERFORMANCE, [last], connection=warehouse, accounts=accounts, endpoint=endpoint,
                       landing=landing, salt="t", history_days=60)  # fmt: skip
    assert snapshots.history_days == set()


def test_a_rerun_records_identical_documents_without_storing_them_again(
    server, world, accounts, endpoint, landing, warehouse
):
    """Re-running a day over the sandbox: Amazon (the sandbox) serves the same bytes under new report ids;
    each report is recorded in its metadata, the bytes are stored once, and raw points at the stored file."""
    for report_type in (SELLER_FEEDBACK, RETURNS):
        run(report_type, warehouse, accounts, endpoint, landing, days=DAYS[:1])
    stored = sorted((landing.root).rglob("*.fernet"))
    assert stored
    before = counts(warehouse, "seller_feedback"), counts(warehouse, "returns")
    for report_type in (SELLER_FEEDBACK, RETURNS):
        run(report_type, warehouse, accounts, endpoint, landing, days=DAYS[:1])
    assert sorted(landing.root.rglob("*.fernet")) == stored  # nothing new on disk
    metas = [json.loads(p.read_text()) for p in landing.root.rglob("*.meta.json")]
    duplicates = [m for m in metas if m["duplicate_of"]]
    assert len(metas) == 2 * len(stored) and len(duplicates) == len(stored)
    assert {m["stored_file"] for m in duplicates} == {landing.relative(p) for p in stored}
    assert (counts(warehouse, "seller_feedback"), counts(warehouse, "returns")) == before
    files = {f for (f,) in warehouse.execute("select distinct landing_file from raw.seller_feedback").fetchall()}
    assert files <= {landing.relative(p) for p in stored}
