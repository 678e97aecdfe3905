"""parse_document: every report type, localized headers, PII, malformed input."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from orchestration.parsing import DocumentError
from orchestration.parsing.pii import classify_column, salted_hash
from orchestration.raw_schema import parsed_arrow_schema
from orchestration.spapi.report_types import (
    ORDERS,
    RETURNS,
    SELLER_FEEDBACK,
    SELLER_PERFORMANCE,
    SELLER_PERFORMANCE_V1,
)
from tests.warehouse.wh_samples import (
    DE,
    FEEDBACK_HEADERS,
    FR,
    ORDER_HEADERS,
    RETURN_HEADERS,
    SALT,
    US,
    V1_XML,
    feedback_doc,
    json_bytes,
    order_row,
    orders_doc,
    parse_all,
    return_row,
    returns_doc,
    tsv,
    v2_doc,
)


def parse(rt, data, marketplace=US):
    return parse_all(rt, data, marketplace)


def all_text(parsed) -> str:
    return json.dumps(parsed.table.to_pylist(), default=str)


# ---------------------------------------------------------------- orders


def test_orders_typed_columns_and_partitions():
    parsed = parse(ORDERS, orders_doc())
    table = parsed.table
    assert table.schema == parsed_arrow_schema("orders")
    rows = table.to_pylist()
    assert [r["source_row_number"] for r in rows] == [1, 2, 3]
    first = rows[0]
    assert first["purchase_date"] == datetime(2026, 5, 1, 9, 0)
    assert first["quantity"] == 2
    assert first["item_price"] == Decimal("19.99")
    assert first["item_promotion_discount"] == Decimal("-2.00")
    assert first["gift_wrap_price"] is None
    assert first["is_business_order"] is False
    assert first["signature_confirmation_recommended"] is True
    assert first["extra_columns"] is None
    assert first["buyer_email_hash"] is None
    # 23:30 at -02:00 is 01:30 UTC the next day: partitions are UTC dates of last-updated-date
    assert rows[1]["last_updated_date"] == datetime(2026, 5, 2, 1, 30)
    assert [r["partition_date"] for r in rows] == [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 2)]
    assert parsed.unknown_columns == []


def test_orders_pii_dropped_or_hashed_and_unknown_columns_kept():
    extra = ["buyer-email", "buyer-name", "buyer-phone-number", "recipient-name", "ship-address-1",
             "ship-address-2", "ship-address-3", "bill-address-1", "bill-city", "number-of-items"]  # fmt: skip
    pii = {
        "buyer-email": "Buyer@Example.com",
        "buyer-name": "Jane Doe",
        "buyer-phone-number": "+1 555 0100",
        "recipient-name": "John Roe",
        "ship-address-1": "742 Evergreen Terrace",
        "ship-address-2": "Apt 2",
        "ship-address-3": "Back door",
        "bill-address-1": "1 Billing Way",
        "bill-city": "Shelbyville",
        "number-of-items": "7",
    }
    parsed = parse(ORDERS, orders_doc(extra, [order_row("111-1", "2026-05-01T13:45:12+00:00", **pii)]))
    names = parsed.table.column_names
    for dropped in ("ship_city", "ship_postal_code", "buyer_name", "buyer_email", "recipient_name"):
        assert dropped not in names
    row = parsed.table.to_pylist()[0]
    assert row["buyer_email_hash"] == salted_hash("buyer@example.com", SALT)
    assert json.loads(row["extra_columns"]) == {"number-of-items": "7"}
    assert parsed.unknown_columns == ["number-of-items"]
    text = all_text(parsed)
    for value in [*pii.values()][:-1] + ["SPRINGFIELD", "62704"]:
        assert value not in text, value
    assert any("dropped PII" in w for w in parsed.warnings)


def test_unknown_email_column_is_hashed_inside_extra_columns():
    parsed = parse(ORDERS, orders_doc(["gift-recipient-email"], [order_row("1", "2026-05-01T00:00:00Z",
                                                                           **{"gift-recipient-email": "a@b.c"})]))  # fmt: skip
    extra = json.loads(parsed.table.column("extra_columns")[0].as_py())
    assert extra == {"gift-recipient-email_hash": salted_hash("a@b.c", SALT)}


@pytest.mark.parametrize(
    "column, expected",
    [
        ("buyer_name", "drop"), ("buyer_email", "hash"), ("buyer_phone_number", "drop"), ("recipient_name", "drop"),
        ("ship_address_1", "drop"), ("ship_address_3", "drop"), ("bill_name", "drop"), ("bill_postal_code", "drop"),
        ("ship_city", "drop"), ("ship_postal_code", "drop"), ("rater_email", "hash"),
        ("e_mail_adresse_des_bewerters", "hash"), ("product_name", "keep"), ("item_name", "keep"),
        ("ship_state", "keep"), ("ship_country", "keep"), ("ship_service_level", "keep"), ("sku", "keep"),
        ("customer_name", "drop"), ("number_of_items", "keep"),
    ],
)  # fmt: skip
def test_pii_rules(column, expected):
    assert classify_column(column) == expected


def test_salted_hash_normalizes_and_requires_salt():
    assert salted_hash(" A@B.com ", "s") == salted_hash("a@b.com", "s")
    assert salted_hash("a@b.com", "s") != salted_hash("a@b.com", "t")
    assert salted_hash("", "s") is None and salted_hash(None, "s") is None
    with pytest.raises(ValueError):
        salted_hash("a@b.com", "")


def test_orders_missing_required_column():
    headers = [h for h in ORDER_HEADERS if h != "last-updated-date"]
    with pytest.raises(DocumentError) as err:
        parse(ORDERS, tsv(headers, [order_row("1", "2026-05-01T00:00:00Z")]))
    assert "last_updated_date" in err.value.problem
    assert str(err.value).startswith(f"{ORDERS.name} for account acme, marketplace {US}, report R1: ")
    assert (err.value.report_type, err.value.account_id, err.value.marketplace_id, err.value.report_id) == (
        ORDERS.name, "acme", US, "R1",
    )  # fmt: skip


@pytest.mark.parametrize(
    "column, value",
    [("last-updated-date", "yesterday"), ("quantity", "two"), ("item-price", "12.3.4"), ("is-business-order", "maybe")],
)
def test_orders_malformed_values_name_row_column_value(column, value):
    rows = [order_row("1", "2026-05-01T00:00:00Z"), order_row("2", "2026-05-01T00:00:00Z", **{column: value})]
    with pytest.raises(DocumentError) as err:
        parse(ORDERS, orders_doc(rows=rows))
    assert "row 2" in err.value.problem
    assert repr(column) in err.value.problem
    assert repr(value) in err.value.problem


def test_orders_row_with_too_many_fields_is_kept_aside_and_the_others_load():
    data = orders_doc() + b"\t".join([b"x"] * (len(ORDER_HEADERS) + 2)) + b"\n"
    parsed = parse(ORDERS, data)
    assert parsed.table.num_rows == 3
    (rejected,) = parsed.rejected
    assert rejected.source_row_number == 4
    assert f"{len(ORDER_HEADERS) + 2} fields but the header has {len(ORDER_HEADERS)}" in rejected.reason
    assert parsed.facts.rows_rejected == 1 and "rows_rejected" in parsed.facts.flags


def test_empty_and_header_only_documents_give_zero_rows():
    for rt, data in [(ORDERS, b""), (ORDERS, orders_doc(rows=[])), (SELLER_FEEDBACK, b"\n"),
                     (RETURNS, tsv(RETURN_HEADERS, []))]:  # fmt: skip
        parsed = parse(rt, data)
        assert parsed.table.num_rows == 0
        assert parsed.table.schema == parsed_arrow_schema(rt.raw_table)


def test_bom_crlf_and_the_catalogue_encoding():
    data = b"\xef\xbb\xbf" + feedback_doc().replace(b"\n", b"\r\n")
    parsed = parse(SELLER_FEEDBACK, data)
    assert parsed.table.num_rows == 3 and parsed.warnings == []
    assert (parsed.facts.encoding, parsed.facts.encoding_source) == ("utf-8", "bom")
    cp = tsv(FEEDBACK_HEADERS, [["25.11.26", "1", "Qualität schlecht", "", "302-1", ""]]).decode().encode("cp1252")
    parsed = parse(SELLER_FEEDBACK, cp, DE)
    assert parsed.table.column("comments")[0].as_py() == "Qualität schlecht"
    assert (parsed.facts.encoding, parsed.facts.encoding_source) == ("cp1252", "catalogue")


def test_utf8_bytes_where_only_the_catalogue_says_cp1252_are_refused_not_garbled():
    data = tsv(FEEDBACK_HEADERS, [["25/11/26", "1", "Cassé", "", "403-1", ""]])
    with pytest.raises(DocumentError, match="valid UTF-8 with non-ASCII text.*usual encoding is cp1252"):
        parse(SELLER_FEEDBACK, data, FR)
    declared = parse_all(SELLER_FEEDBACK, data, FR, declared_charset="utf8", charset_source="import option")
    assert declared.table.column("comments").to_pylist() == ["Cassé"]
    assert (declared.facts.encoding, declared.facts.encoding_source) == ("utf-8", "import option")


def test_undecodable_bytes_name_the_encoding_and_the_offset():
    with pytest.raises(DocumentError, match="does not decode as utf-8: byte offset 12 "):
        parse(SELLER_FEEDBACK, b"Date\tRating\n\x81\x8d\xff\n")


# ---------------------------------------------------------------- feedback


def test_feedback_us():
    parsed = parse(SELLER_FEEDBACK, feedback_doc())
    rows = parsed.table.to_pylist()
    assert parsed.table.schema == parsed_arrow_schema("seller_feedback")
    assert rows[0]["feedback_date"] == date(2026, 11, 25)
    assert rows[0]["rating"] == 1
    assert rows[1]["your_response"] == "Sorry!"
    assert rows[0]["rater_email_hash"] == salted_hash("jane.doe@example.com", SALT)
    assert rows[2]["rater_email_hash"] is None
    assert [r["partition_date"] for r in rows] == [date(2026, 11, 25), date(2026, 11, 25), date(2026, 11, 26)]
    assert "example.com" not in all_text(parsed)
    assert "rater_email" not in parsed.table.column_names


def test_feedback_german_headers_and_date_format():
    headers = ["Datum", "Bewertung", "Kommentare", "Ihre Antwort", "Bestellnummer", "E-Mail-Adresse des Bewerters"]
    data = tsv(headers, [["25.11.26", "2", "Zu spät", "", "302-1", "kunde@example.de"]]).decode().encode("cp1252")
    parsed = parse(SELLER_FEEDBACK, data, DE)
    row = parsed.table.to_pylist()[0]
    assert row["feedback_date"] == date(2026, 11, 25)
    assert row["rating"] == 2 and row["order_id"] == "302-1" and row["comments"] == "Zu spät"
    assert row["rater_email_hash"] == salted_hash("kunde@example.de", SALT)
    assert parsed.unknown_columns == [] and row["extra_columns"] is None
    assert "example.de" not in all_text(parsed)


def test_feedback_french_headers():
    headers = ["Date", "Note", "Commentaires", "Votre réponse", "Numéro de commande",
               "Adresse e-mail de l\u2019évaluateur"]  # fmt: skip
    data = tsv(headers, [["25/11/26", "1", "Cassé", "Désolé", "403-1", "client@example.fr"]])
    row = parse_all(SELLER_FEEDBACK, data, FR, declared_charset="utf8").table.to_pylist()[0]
    assert row["feedback_date"] == date(2026, 11, 25)
    assert (row["rating"], row["your_response"], row["order_id"]) == (1, "Désolé", "403-1")
    assert row["rater_email_hash"] == salted_hash("client@example.fr", SALT)


@pytest.mark.parametrize(
    "date_value, rating, problem",
    [
        ("yesterday", "1", "'Date': value 'yesterday' is not a date"),
        ("45/45/45", "1", "'Date': value '45/45/45' is not a real date in any order"),
        ("11/25/26", "bad", "'Rating': value 'bad' is not a rating"),
        ("11/25/26", "6", "'Rating': value '6' is outside the rating range 1-5"),
        ("11/25/26", "0", "'Rating': value '0' is outside"),
        ("11/25/26", "", "'Rating': value is empty"),
    ],
)
def test_feedback_malformed_values(date_value, rating, problem):
    rows = [
        ["11/25/26", "1", "", "", "1", ""],
        ["11/25/26", "2", "", "", "2", ""],
        [date_value, rating, "", "", "3", ""],
    ]
    with pytest.raises(DocumentError) as err:
        parse(SELLER_FEEDBACK, feedback_doc(rows))
    assert err.value.problem.startswith("row 3, column ")
    assert problem in err.value.problem


def test_feedback_month_first_dates_in_a_day_first_marketplace_are_read_as_the_document_proves():
    parsed = parse(SELLER_FEEDBACK, feedback_doc([["11/25/26", "1", "", "", "1", ""]]), DE)
    assert parsed.table.column("feedback_date").to_pylist() == [date(2026, 11, 25)]
    assert parsed.facts.date_formats["feedback_date"]["decided_by"] == "document"


def test_feedback_mixed_date_orders_are_refused_with_the_rows():
    rows = [["11/25/26", "1", "", "", "1", ""], ["11/24/26", "1", "", "", "2", ""], ["25/11/26", "2", "", "", "3", ""]]
    with pytest.raises(DocumentError) as err:
        parse(SELLER_FEEDBACK, feedback_doc(rows))
    assert "mixes date orders" in err.value.problem
    assert "row 1 ('11/25/26')" in err.value.problem and "row 3 ('25/11/26')" in err.value.problem


def test_feedback_missing_rating_column():
    with pytest.raises(DocumentError, match="required column.*rating"):
        parse(SELLER_FEEDBACK, tsv(["Date", "Comments", "Order ID"], [["11/25/26", "x", "1"]]))


def test_feedback_comments_with_quotes_are_not_quoting():
    data = tsv(FEEDBACK_HEADERS, [["11/25/26", "1", '"Bad" seller, "never" again', "", "1", ""]])
    assert parse(SELLER_FEEDBACK, data).table.column("comments")[0].as_py() == '"Bad" seller, "never" again'


def test_feedback_unknown_extra_column_never_crashes():
    data = tsv(FEEDBACK_HEADERS + ["Arrived on time"], [["11/25/26", "1", "", "", "1", "", "No"]])
    parsed = parse(SELLER_FEEDBACK, data)
    assert parsed.unknown_columns == ["Arrived on time"]
    assert json.loads(parsed.table.column("extra_columns")[0].as_py()) == {"Arrived on time": "No"}


# ---------------------------------------------------------------- returns


def test_returns():
    parsed = parse(RETURNS, returns_doc())
    rows = parsed.table.to_pylist()
    assert parsed.table.schema == parsed_arrow_schema("returns")
    assert rows[0]["a_to_z_claim"] is True and rows[1]["a_to_z_claim"] is False
    assert rows[0]["is_prime"] is True and rows[0]["in_policy"] is True
    assert rows[0]["order_date"] == date(2026, 11, 1)
    assert rows[0]["return_request_date"] == date(2026, 11, 20)
    assert rows[0]["label_cost"] == Decimal("5.50")
    assert rows[0]["return_quantity"] == 1 and rows[0]["return_delivery_date"] is None
    assert [r["partition_date"] for r in rows] == [date(2026, 11, 20), date(2026, 11, 21)]


def test_returns_malformed_date_and_flag():
    with pytest.raises(DocumentError, match=r"row 1, column 'Return request date': value 'someday'"):
        parse(RETURNS, returns_doc([return_row("1", "someday")]))
    with pytest.raises(DocumentError, match=r"row 1, column 'A-to-Z Claim': value 'perhaps'"):
        parse(RETURNS, returns_doc([return_row("1", "11/20/2026", **{"A-to-Z Claim": "perhaps"})]))


def test_returns_missing_partition_column():
    headers = [h for h in RETURN_HEADERS if h != "Return request date"]
    with pytest.raises(DocumentError, match="return_request_date"):
        parse(RETURNS, tsv(headers, [return_row("1", "11/20/2026")]))


# ---------------------------------------------------------------- V2 JSON


def test_v2_one_row_for_the_context_marketplace():
    doc = v2_doc((US, "A2EUQ1WTGCTBG2"))
    doc["accountStatuses"][0]["status"] = "AT_RISK"
    parsed = parse(SELLER_PERFORMANCE, json_bytes(doc))
    assert parsed.table.schema == parsed_arrow_schema("seller_performance")
    (row,) = parsed.table.to_pylist()
    assert row["account_status"] == "AT_RISK"
    assert row["ahr_status"] == "GREAT" and row["ahr_score"] == 780
    assert row["snapshot_at"] is None and row["partition_date"] is None and row["source_row_number"] == 1
    element = json.loads(row["performance_metrics"])
    assert element["marketplaceId"] == US and element["someFutureMetric"] == {"status": "SHINY"}
    assert json.loads(row["document"]) == doc


def test_v2_schema_key_and_missing_score():
    doc = v2_doc(ahr_key="accountHealthRatingStatus", score=None)
    (row,) = parse(SELLER_PERFORMANCE, json_bytes(doc)).table.to_pylist()
    assert row["ahr_status"] == "GREAT" and row["ahr_score"] is None


def test_v2_sparse_document_never_crashes():
    doc = {"accountStatuses": [], "performanceMetrics": [{"marketplaceId": US, "accountHealthRating": "??"}]}
    parsed = parse(SELLER_PERFORMANCE, json_bytes(doc))
    (row,) = parsed.table.to_pylist()
    assert row["account_status"] is None and row["ahr_status"] is None
    assert parsed.warnings


def test_v2_marketplace_missing():
    with pytest.raises(DocumentError, match=f"no entry for marketplace {DE}"):
        parse(SELLER_PERFORMANCE, json_bytes(v2_doc((US,))), DE)


@pytest.mark.parametrize("data", [json_bytes(v2_doc())[:-40], b"", b"[1, 2]", b'{"accountStatuses": []}'])
def test_v2_invalid(data):
    with pytest.raises(DocumentError):
        parse(SELLER_PERFORMANCE, data)


# ---------------------------------------------------------------- V1 XML


def test_v1_one_row_per_metric():
    parsed = parse(SELLER_PERFORMANCE_V1, V1_XML)
    assert parsed.table.schema == parsed_arrow_schema("seller_performance_v1")
    rows = parsed.table.to_pylist()
    assert [r["metric_name"] for r in rows] == ["contact_response_time", "return_dissatisfaction"]
    crt = rows[0]
    assert (crt["window_start_date"], crt["window_end_date"]) == (date(2026, 10, 27), date(2026, 11, 25))
    assert (crt["rate"], crt["target_value"], crt["target_condition"], crt["status"]) == (
        0.9375, 0.9, "GREATER_THAN", "GOOD",
    )  # fmt: skip
    assert json.loads(crt["measures"]) == {
        "contactCount": 320,
        "responseUnder24HoursCount": 300,
        "responseOver24HoursCount": 15,
        "noResponseCount": 5,
        "averageResponseTimeInHours": 11.2,
    }
    assert crt["element_xml"].startswith("<contactResponseTime>")
    assert crt["element_xml"].rstrip().endswith("</contactResponseTime>")
    assert [r["source_row_number"] for r in rows] == [1, 2]


@pytest.mark.parametrize(
    "data, match",
    [
        (V1_XML[:-60], "malformed XML"),
        (b"", "empty"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "malformed XML"),
        (V1_XML.replace(b"<rate>0.9375</rate>", b"<rate>high</rate>"), "rate: value 'high'"),
    ],
)
def test_v1_invalid(data, match):
    with pytest.raises(DocumentError, match=match):
        parse(SELLER_PERFORMANCE_V1, data)


def test_v1_marketplace_missing():
    with pytest.raises(DocumentError, match=f"no sellerPerformanceReport for marketplace {DE}"):
        parse(SELLER_PERFORMANCE_V1, V1_XML, DE)


def test_decimal_cells_read_alike_in_the_batch_cast_and_the_per_cell_path():
    plain = [
        order_row(str(i), "2026-05-01T00:00:00Z", **{"item-price": v}) for i, v in enumerate(["19.99", "+5", ".5"])
    ]
    assert parse(ORDERS, orders_doc(rows=plain)).table.column("item_price").to_pylist() == [
        Decimal("19.99"), Decimal("5.00"), Decimal("0.50"),
    ]  # fmt: skip
    eu = [
        order_row(str(i), "2026-05-01T00:00:00Z", **{"item-price": v}) for i, v in enumerate(["12,50", "4.5000", "7"])
    ]
    assert parse(ORDERS, orders_doc(rows=eu)).table.column("item_price").to_pylist() == [
        Decimal("12.50"), Decimal("4.50"), Decimal("7.00"),
    ]  # fmt: skip
    for bad, problem in [("1e3", "is not a decimal number"), ("99999999999999999.99", "does not fit DECIMAL(18,2)"),
                         ("1.235", "is ambiguous: '.' before three digits is a thousands separator (1235)"),
                         ("0.005", "has 3 decimal places: not an amount DECIMAL(18,2) holds exactly")]:  # fmt: skip
        rows = [order_row("1", "2026-05-01T00:00:00Z"), order_row("2", "2026-05-01T00:00:00Z", **{"item-price": bad})]
        with pytest.raises(DocumentError, match=re.escape(f"row 2, column 'item-price': value '{bad}' {problem}")):
            parse(ORDERS, orders_doc(rows=rows))


def test_a_document_writing_only_decimal_commas_reads_a_thousands_dot_and_one_writing_both_refuses_it():
    commas = {"item-tax": "0,99", "shipping-price": "4,99", "shipping-tax": "0", "item-promotion-discount": "-2,00"}
    rows = [
        order_row(str(i), "2026-05-01T00:00:00Z", **{**commas, "item-price": v})
        for i, v in enumerate(["1.234", "12,50"])
    ]
    assert parse(ORDERS, orders_doc(rows=rows)).table.column("item_price").to_pylist() == [
        Decimal("1234.00"), Decimal("12.50")
    ]  # fmt: skip
    mixed = [order_row("1", "2026-05-01T00:00:00Z", **{**commas, "item-price": "1.234"}),
             order_row("2", "2026-05-01T00:00:00Z", **{**commas, "item-price": "19.99"})]  # fmt: skip
    with pytest.raises(DocumentError, match=re.escape("row 1, column 'item-price': value '1.234' is ambiguous")):
        parse(ORDERS, orders_doc(rows=mixed))
