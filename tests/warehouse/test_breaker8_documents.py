"""breaker8's documents (tests/fixtures/breaker8, copied from the tester's reproducer inputs), each through
``import_file`` -- the path ``ahw import-report`` takes -- into raw, with the value a seller needs.

Each finding is a class; the class tests sit beside the code's own tests (test_dates.py for dates,
test_document_classes.py for encodings, headers, money and PII); here are the handed files."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing import DocumentError
from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_FEEDBACK, SELLER_PERFORMANCE, SELLER_PERFORMANCE_V1
from orchestration.warehouse.loader import RawGateFailed, import_file
from tests.warehouse.wh_samples import SALT

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "breaker8"
US, GB, DE, FR, SE, JP = (
    "ATVPDKIKX0DER",
    "A1F83G8C2ARO7P",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "A2NODRKZP88ZB9",
    "A1VC38T7YXB528",
)


def load(con, landing, name: str, report_type, marketplace: str, **kwargs):
    return import_file(con, landing, CASES / name, report_type, "acct", marketplace, salt=SALT, **kwargs)


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def date_formats(con, report_type) -> dict:
    (formats,) = {r[0] for r in rows(con, "select date_formats from raw.load_log where report_type = ?",
                                     [report_type.name])}  # fmt: skip
    return json.loads(formats)


# F1 -- two-digit years ------------------------------------------------------------------------------


def test_f1_an_impossible_date_refuses_the_document_naming_its_row_instead_of_reading_the_column_year_first(
    con, landing
):
    with pytest.raises(DocumentError) as err:
        load(con, landing, "b8-01-feedback-gb-nonexistent-date.tsv", SELLER_FEEDBACK, GB)
    problem = err.value.problem
    assert problem.startswith(
        "row 1, column 'Date': value '31/02/26' is not a real date: month 2 of 2026 has no day 31"
    )
    assert "day-first" in problem
    loaded = rows(con, "select table_name from information_schema.tables where table_name = 'seller_feedback'")
    assert not loaded or rows(con, "select count(*) from raw.seller_feedback") == [(0,)]  # nothing shifted in


@pytest.mark.parametrize("marketplace", [SE, JP], ids=["SE", "JP"])
def test_f1_day_first_two_digit_years_of_a_year_first_marketplace_are_read_as_the_document_proves(
    con, landing, marketplace
):
    name = "b8-dates-se-dmy-yy.tsv" if marketplace == SE else "b8-dates-jp-dmy-yy.tsv"
    load(con, landing, name, SELLER_FEEDBACK, marketplace)
    assert [d for (d,) in rows(con, "select feedback_date from raw.seller_feedback order by source_row_number")] == [
        date(2026, 11, 13),
        date(2026, 11, 25),
        date(2026, 11, 2),
    ]
    fact = date_formats(con, SELLER_FEEDBACK)["feedback_date"]
    assert fact["decided_by"] == "document" and fact["format"] == "%d/%m/%y"
    assert "year-first ruled out by row 1 ('13/11/26')" in fact["evidence"]


def test_f1_two_digit_years_outside_sp_apis_years_are_refused(con, landing):
    with pytest.raises(DocumentError, match=r"row 1, column 'Date': value '12/31/99' has a two-digit year outside"):
        load(con, landing, "b8-dates-us-century.tsv", SELLER_FEEDBACK, US)


def test_f1_dates_with_a_time_of_day_take_the_written_date(con, landing):
    load(con, landing, "b8-dates-us-dateswithtime.tsv", SELLER_FEEDBACK, US)
    assert [d for (d,) in rows(con, "select feedback_date from raw.seller_feedback order by 1")] == [
        date(2026, 11, 25),
        date(2026, 11, 26),
    ]


def test_f1_a_year_first_reading_the_document_allows_is_kept_and_said(con, landing):
    """JP ``25/11/26`` beside ``26/11/3``: ``26/11/3`` proves year-first and ``25/11/26`` IS a year-first date
    (2025-11-26) of a two-digit-year column: nothing in the document proves it day-first, so it is not a
    mixed column. The load log names the row that settled the order, for a person to check."""
    load(con, landing, "b8-dates-jp-mixed-dmy-ymd.tsv", SELLER_FEEDBACK, JP)
    assert [d for (d,) in rows(con, "select feedback_date from raw.seller_feedback order by source_row_number")] == [
        date(2025, 11, 26),
        date(2026, 11, 3),
    ]
    assert "day-first ruled out by row 2 ('26/11/3')" in date_formats(con, SELLER_FEEDBACK)["feedback_date"]["evidence"]


@pytest.mark.parametrize(
    "name, marketplace, expected",
    [
        ("b8-dates-fr-french-month.tsv", FR, [date(2026, 10, 10), date(2026, 12, 3)]),
        ("b8-dates-de-german-month.tsv", DE, [date(2026, 10, 10), date(2026, 12, 3)]),
        ("b8-21-feedback-fr-french-month-cp1252.tsv", FR, [date(2026, 10, 10), date(2026, 12, 3)]),
        ("b8-20-feedback-jp-kanji-dates-cp932.tsv", JP, [date(2026, 11, 25), date(2026, 11, 3)]),
    ],
)
def test_l6_month_names_of_the_catalogues_languages_and_kanji_dates(con, landing, name, marketplace, expected):
    options = {"encoding": "utf8"} if name.startswith("b8-dates-fr") else {}
    load(con, landing, name, SELLER_FEEDBACK, marketplace, **options)
    assert [d for (d,) in rows(con, "select feedback_date from raw.seller_feedback order by source_row_number")] == (
        expected
    )


# F4 -- V1 windows written with an offset ---------------------------------------------------------


def test_f4_v1_windows_written_with_an_offset_keep_their_calendar_days_and_the_snapshot_its_day(con, landing):
    result = load(con, landing, "b8-30-v1-offsets-extra-families.xml", SELLER_PERFORMANCE_V1, US)
    assert result.partition_dates == [date(2026, 11, 13)]  # the latest window end as written, not 14 Nov
    windows = rows(
        con,
        "select distinct window_start_date, window_end_date, window_end_date - window_start_date + 1 "
        "from raw.seller_performance_v1 where window_end_date is not null order by 1",
    )
    assert {w[2] for w in windows} <= {7, 30, 60, 90, 180, 365}  # Amazon's windows, never one day longer
    assert (date(2026, 9, 1), date(2026, 10, 30), 60) in windows
    assert (date(2025, 11, 14), date(2026, 11, 13), 365) in windows
    assert max(w[1] for w in windows) == date(2026, 11, 13)


# F10 -- UTF-8 text declared in a legacy code page; L5 UTF-32; L11 the encoding error comes first ------


def test_f10_utf8_declared_cp1252_is_refused_showing_the_mojibake_it_would_load(con, landing):
    with pytest.raises(DocumentError) as err:
        load(con, landing, "b8-24-feedback-de-utf8-declared-cp1252.tsv", SELLER_FEEDBACK, DE, encoding="Cp1252")
    problem = err.value.problem
    assert "valid UTF-8 with non-ASCII text, but the encoding --encoding declares is cp1252" in problem
    assert "'Kam beschädigt an, Größe falsch' would load as 'Kam beschÃ¤digt an, GrÃ¶ÃŸe falsch'" in problem
    load(con, landing, "b8-24-feedback-de-utf8-declared-cp1252.tsv", SELLER_FEEDBACK, DE, encoding="utf8")
    assert rows(con, "select comments from raw.seller_feedback") == [("Kam beschädigt an, Größe falsch",)]


def test_l5_a_utf32_byte_order_mark_is_read_as_utf32(con, landing):
    load(con, landing, "b8-05-feedback-de-utf32-bom.tsv", SELLER_FEEDBACK, DE)
    (encoding,) = {r[0] for r in rows(con, "select encoding || ' ' || encoding_source from raw.load_log")}
    assert encoding == "utf-32-le bom"
    got = rows(con, "select feedback_date, comments from raw.seller_feedback order by source_row_number")
    assert got[0][0] == date(2026, 11, 13) and not any("\x00" in (c or "") for _, c in got)


def test_l11_undeclared_utf8_is_refused_for_its_encoding_before_any_date_error(con, landing):
    with pytest.raises(DocumentError) as err:
        load(con, landing, "b8-dates-fr-french-month.tsv", SELLER_FEEDBACK, FR)
    assert "valid UTF-8 with non-ASCII text" in err.value.problem and "'3 déc. 2026'" in err.value.problem


# F9 -- money that is not exact or whose separator is ambiguous -----------------------------------


def test_f9_a_thousands_dot_in_a_decimal_comma_document_is_read_as_thousands_and_three_places_refused(con, landing):
    # Label cost 4,50: the document writes decimal commas, so 1.299 and 12.999 are 1299 and 12999; 0.005 in a
    # decimal-comma document is no amount at all -> refused naming its row, nothing rounded
    with pytest.raises(DocumentError) as err:
        load(con, landing, "b8-33-returns-de-decimal-thousands-dot.tsv", RETURNS, DE)
    assert err.value.problem.startswith(
        "row 2, column 'Refunded Amount': value '0.005' has 3 decimal places: not an amount DECIMAL(18,2) holds exactly"
    )


# F2 / F3 -- buyer PII under localized headers and in free text -------------------------------------


def test_f2_japanese_and_german_buyer_name_and_postal_code_headers_are_dropped(con, landing):
    result = load(con, landing, "b8-06-orders-jp-cp932-pii-headers.tsv", ORDERS, JP)
    # nothing of 購入者名, お届け先氏名, Postleitzahl, gift-message-text
    assert rows(con, "select extra_columns from raw.orders") == [(None,), (None,)]
    text = json.dumps(rows(con, "select * from raw.orders"), default=str, ensure_ascii=False)
    for value in ("山田", "佐藤", "100-0001", "530-0001", "花子へ"):
        assert value not in text
    assert any("dropped PII column(s): 購入者名, お届け先氏名" in w for w in result.load.warnings)


def test_f3_a_buyers_email_and_phone_in_the_cancel_reason_never_reach_raw(con, landing):
    load(con, landing, "b8-07-orders-us-cancel-reason-pii.tsv", ORDERS, US)
    reasons = [r for (r,) in rows(con, "select buyer_requested_cancel_reason from raw.orders") if r]
    assert len(reasons) == 1 and reasons[0].startswith("Please cancel - ordered twice.")
    assert "jane.doe@example.com" not in reasons[0] and "555-0100" not in reasons[0]
    assert "<email:" in reasons[0] and "<phone>" in reasons[0]


# F8 -- a German returns header --------------------------------------------------------------------


def test_f8_a_german_returns_header_loads_every_column_and_nothing_into_extra_columns(con, landing):
    result = load(con, landing, "b8-32-returns-de-german-header-cp1252.tsv", RETURNS, DE)
    assert not any("extra_columns" in w for w in result.load.warnings), result.load.warnings
    got = rows(
        con,
        "select order_id, label_type, label_cost, currency_code, return_carrier, tracking_id, label_to_be_paid_by, "
        "is_prime, in_policy, return_type, resolution, invoice_number, return_delivery_date, order_amount, "
        "order_quantity, refunded_amount, category, extra_columns from raw.returns order by order_id",
    )
    assert [r[:-1] for r in got] == [
        ("302-1111111-0000001", "Amazon-Etikett", Decimal("4.50"), "EUR", "DHL", "JJD000001", "Verkäufer", True, True,
         "Rückerstattung", "Erstattung", "INV-1", date(2026, 11, 20), Decimal("1234.00"), 1, Decimal("1234.00"),
         "Haushalt"),
        ("302-1111111-0000002", "Amazon-Etikett", Decimal("4.50"), "EUR", "DHL", "JJD000002", "Verkäufer", False,
         False, "Rückerstattung", "Erstattung", "INV-2", None, Decimal("19.99"), 2, Decimal("19.99"), "Küche"),
    ]  # fmt: skip
    assert {r[-1] for r in got} == {None}


# F11 -- the low-severity findings -------------------------------------------------------------------


def test_l1_blank_lines_before_the_header_are_skipped(con, landing):
    load(con, landing, "b8-13-feedback-leading-blank-lines.tsv", SELLER_FEEDBACK, US)
    assert rows(con, "select feedback_date, rating, comments, source_row_number from raw.seller_feedback") == [
        (date(2026, 11, 25), 1, "bad", 1)
    ]


@pytest.mark.parametrize("name, row, table", [("b8-14-feedback-embedded-newline.tsv", 10, "raw"),
                                              ("b8-15-feedback-embedded-newline-50rows.tsv", 41, "raw_rejected")])  # fmt: skip
def test_l2_a_comment_written_on_two_lines_is_one_row_with_its_rating_one_feedback(con, landing, name, row, table):
    if table == "raw":
        assert load(con, landing, name, SELLER_FEEDBACK, US).load.rows_loaded == row
    else:
        # This document gives order 111-0000010-0000001 two feedbacks (a 2-star first row and the broken
        # 1-star one): the raw gate holds the version back as a duplicate, whole, the rejoined row in it.
        with pytest.raises(RawGateFailed, match="expect_compound_columns_to_be_unique"):
            load(con, landing, name, SELLER_FEEDBACK, US)
        assert rows(con, "select count(*) from raw.seller_feedback") == [(0,)]
    assert rows(con, "select count(*) from raw.rejected_rows") == [(0,)]
    assert rows(con, f"select count(*) from {table}.seller_feedback") == [(row,)]
    (got,) = rows(con, "select feedback_date, rating, comments, order_id, rater_email_hash, source_row_number "
                       f"from {table}.seller_feedback where rating = 1")  # fmt: skip
    assert got[:2] == (date(2026, 11, 25), 1) and got[3] == "111-0000010-0000001" and got[5] == row
    assert got[2].startswith("Broken on arrival.\n") and "jane.doe" not in got[2] and got[4] is not None


def test_l3_an_unknown_header_written_twice_keeps_both_values(con, landing):
    # An unmapped header stops the raw gate (the rating must not run on a changed shape): both values are
    # in the version it keeps aside.
    with pytest.raises(RawGateFailed, match="extra_columns"):
        load(con, landing, "b8-16-feedback-duplicate-unknown-header-trailing-tabs.tsv", SELLER_FEEDBACK, US)
    ((extra,),) = rows(con, "select extra_columns from raw_rejected.seller_feedback")
    assert json.loads(extra) == {"Notes": "first", "Notes (2)": "second"}


def test_l4_a_spreadsheets_quoted_header_is_refused_saying_so(con, landing):
    with pytest.raises(DocumentError) as err:
        load(con, landing, "b8-17-feedback-quoted-excel.tsv", SELLER_FEEDBACK, US)
    assert err.value.problem.startswith('the header is CSV-quoted ("Date" | "Rating" | "Comments" ...)')
    assert "header_variants" not in err.value.problem


def test_l7_timestamps_without_an_offset_are_read_in_the_marketplaces_time_zone_and_flagged(con, landing):
    load(con, landing, "b8-23-orders-jp-naive-timestamps.tsv", ORDERS, JP)
    got = rows(
        con, "select amazon_order_id, purchase_date, last_updated_date, partition_date from raw.orders order by 1"
    )
    # 2026-11-20 23:30 in Tokyo, written without and with +09:00: the same moment, the same partition
    assert [r[1:] for r in got] == [
        (datetime(2026, 11, 20, 14, 30), datetime(2026, 11, 20, 15, 30), date(2026, 11, 20))
    ] * 2
    (flags,) = {r[0] for r in rows(con, "select flags from raw.load_log")}
    assert "naive_timestamps_in_marketplace_time" in json.loads(flags)


@pytest.mark.parametrize(
    "marketplace, ahr, inferred",
    [("ATVPDKIKX0DER", ("GREAT", 980), False), ("A2EUQ1WTGCTBG2", ("AT_RISK", 180), False),
     ("A1AM78C64UM0Y8", ("GOOD", 500), True)],
)  # fmt: skip
def test_l12_the_entry_without_marketplace_id_belongs_to_the_only_status_left_without_one(
    con, landing, marketplace, ahr, inferred
):
    load(con, landing, "b8-31-v2-three-marketplaces.json", SELLER_PERFORMANCE, marketplace)
    assert rows(con, "select ahr_status, ahr_score from raw.seller_performance") == [ahr]
    (flags,) = {r[0] for r in rows(con, "select flags from raw.load_log")}
    assert ("marketplace_inferred" in json.loads(flags or "[]")) is inferred
