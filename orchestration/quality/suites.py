"""Great Expectations suites as code: the one source of truth for what the gates check.

Each :class:`Suite` names the table it guards, the frame it validates (a SQL query over DuckDB, see
``frames.py``) and its expectations; every expectation carries ``why`` (GX ``meta.notes``).
Bounds that depend on the partition being validated (recent row volumes) are suite parameters
(``{"$PARAMETER": name}``), resolved by the runner before validation. ``expectations/suites/*.json``
is generated from here (``make suites-list``); a test keeps it equal to the code.

Division of labour: keys, relationships and accepted values of the models stay dbt tests; ranges,
volumes, duplicates in raw documents and drift are here; freshness is Dagster's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.catalogue import MARKETPLACES
from orchestration.raw_schema import raw_columns
from orchestration.spapi.report_types import REPORT_TYPES

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations" / "suites"

#: Row volume: a partition is expected to have rows only where recent partitions averaged this many.
MIN_RECENT_DAILY_ROWS = 5
#: ... and no more than this many times the recent daily average.
MAX_VOLUME_RATIO = 5.0
#: Days of history the recent average is taken over.
RECENT_DAYS = 14
#: Days that must have been loaded in that history before an EMPTY day is judged: one or two days are no
#: average (a seller with 5 returns one day and none the next is normal), so a young warehouse's first
#: week is not refused for a quiet day. Too many rows are judged from the first day of history on.
MIN_VOLUME_HISTORY_DAYS = 7
#: Amazon's freshest windows (late shipment, cancellations) end the day before the snapshot.
MAX_SNAPSHOT_LAG_DAYS = 7
#: Reported vs estimated rating: a gap above this is worth a look (warning only). Kept at 300, not
#: tightened with the calibration: on reported days the calibrated estimate errs by a few points
#: (``ahw evaluate-rating``: worst 7, mean 1.2 on the held-out days of 4 worlds with other hidden rules),
#: but on days whose 180-day order count is short (fewer than var volume_credit_min_days_loaded days of
#: orders loaded: the count is used as it is) or unknown (the day's orders partition never loaded: no
#: credit) the credit is under-counted, and the credit alone can reach 800 points; a bound near the
#: calibrated error would warn on every young warehouse for that reason.
MAX_AHR_GAP = 300
#: Policy categories one snapshot may list (the ~10 Amazon documents plus aliases and extra keys).
MAX_POLICY_CATEGORIES = 16

#: performanceMetrics keys Amazon documents or is known to send (docs/amazon.md).
KNOWN_METRIC_KEYS = (
    "marketplaceId", "orderDefectRate", "lateShipmentRate", "lateShipmentRateList",
    "preFulfillmentCancellationRate", "prefulfillmentCancelRate", "validTrackingRate", "onTimeDeliveryRate",
    "unitOnTimeDeliveryRate", "invoiceDefectRate", "accountHealthRating", "warningStates", "warningState",
    "policyViolationWarnings", "listingPolicyViolations", "productAuthenticityCustomerComplaints",
    "productConditionCustomerComplaints", "productSafetyCustomerComplaints",
    "receivedIntellectualPropertyComplaints", "restrictedProductPolicyViolations",
    "suspectedIntellectualPropertyViolations", "foodAndProductSafetyIssues", "otherPolicyViolations",
    "documentRequests", "documentRequest", "customerProductReviewsPolicyViolations",
)  # fmt: skip
KNOWN_DOCUMENT_KEYS = ("accountStatuses", "performanceMetrics")
ACCOUNT_STATUSES = ("NORMAL", "AT_RISK", "DEACTIVATED")
AHR_STATUSES = ("GREAT", "WARNED")
#: Columns never shown in sample rows (salted hashes of buyer PII) or too big to be useful there.
SAMPLE_EXCLUDED = ("buyer_email_hash", "rater_email_hash", "document", "performance_metrics", "element_xml")


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    why: str
    severity: str = "error"  # "warning": recorded and shown, never blocks

    def to_dict(self) -> dict:
        return {"type": self.type, "kwargs": self.kwargs, "meta": {"notes": self.why, "severity": self.severity}}


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    """schema.table the suite guards."""
    asset_key: str
    """Dagster asset key (``raw/orders``, ``marts/fct_account_health_rating``)."""
    frame: str
    """Which frame of frames.py the suite validates."""
    description: str
    expectations: tuple[Expectation, ...] = field(default_factory=tuple)
    report_type: str | None = None

    @property
    def partitioned(self) -> bool:
        return self.frame != "history"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "expectations": [e.to_dict() for e in self.expectations],
            "meta": {
                "table": self.table, "asset_key": self.asset_key, "frame": self.frame,
                "description": self.description, "report_type": self.report_type,
            },
        }  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"


def _e(type_: str, why: str, severity: str = "error", **kwargs) -> Expectation:
    return Expectation(type_, kwargs, why, severity)


def _param(name: str) -> dict:
    return {"$PARAMETER": name}


def _not_null(col: str, why: str) -> Expectation:
    return _e("expect_column_values_to_not_be_null", why, column=col)


def _between(col: str, lo, hi, why: str, severity: str = "error") -> Expectation:
    return _e("expect_column_values_to_be_between", why, severity, column=col, min_value=lo, max_value=hi)


#: Raw tables fed by flat files: their parsing needs the marketplace's encoding and date formats.
FLAT_FILE_TABLES = frozenset(rt.raw_table for rt in REPORT_TYPES.values() if rt.format == "tsv")


def _provenance(table: str) -> list[Expectation]:
    cols = [c.name for c in raw_columns(table)]
    expectations = [
        _e(
            "expect_table_columns_to_match_set",
            f"raw.{table} must have exactly the columns of orchestration/raw_schema.py (the contract dbt "
            "staging reads); a table created by an older version would otherwise feed dbt the wrong shape.",
            column_set=sorted(cols + DERIVED[table]),
            exact_match=True,
        ),
        *[
            _not_null(c, "provenance: every row must say which report, account, marketplace and partition it came from")
            for c in ("report_id", "account_id", "marketplace_id", "partition_date", "landing_file", "loaded_at")
        ],
        _e(
            "expect_column_values_to_be_in_type_list",
            "partition_date must be a date: dbt's incremental models select by it",
            column="partition_date",
            type_list=["datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]"],
        ),
    ]
    if table in FLAT_FILE_TABLES:
        # JSON/XML snapshots need no locale and load for any marketplace id (flagged in raw.load_log).
        expectations.append(
            _e(
                "expect_column_values_to_be_in_set",
                "a flat file of a marketplace outside the catalogue (orchestration/catalogue/marketplaces.csv) has "
                "no known encoding or date format: the parser refuses it, so such a row means parsing went around "
                "the catalogue",
                column="marketplace_id",
                value_set=sorted(MARKETPLACES),
            )
        )
        expectations.append(
            _between(
                "rows_rejected",
                0,
                0,
                "rows of the partition's document did not fit the header and were kept aside in raw.rejected_rows "
                "(the rest loaded; above AHW_MAX_REJECTED_ROW_SHARE the document would have been refused): look at "
                "them there",
                severity="warning",
            )
        )
    return expectations


def _no_extra_columns() -> Expectation:
    return _e(
        "expect_column_values_to_be_null",
        "Amazon added a header we do not map: its values are kept in extra_columns, but the rating must not "
        "run on a report whose shape changed until someone maps the column (schema.py) or accepts it",
        column="extra_columns",
    )


def _day_offset(col: str, what: str) -> Expectation:
    return _between(
        col, 0, 0,
        f"{what} must fall on the partition day the row was loaded for: otherwise the requested window and "
        "the document disagree (wrong dataStartTime/dataEndTime, or a timezone slip)",
    )  # fmt: skip


def _volume(table: str) -> list[Expectation]:
    return [
        _between(
            "volume_ratio",
            0.0001,
            MAX_VOLUME_RATIO,
            f"rows per account x marketplace x day compared with the previous {RECENT_DAYS} days' average (only "
            f"where that average is >= {MIN_RECENT_DAILY_ROWS}): 0 means an empty report where data was expected "
            f"(judged once {MIN_VOLUME_HISTORY_DAYS} days are loaded), "
            f"more than {MAX_VOLUME_RATIO:g}x means duplicated or mis-windowed documents",
        ),  # fmt: skip
        _not_null("account_id", "the volume frame is built per account x marketplace x day"),
    ]


#: Columns the frames add to the raw table's own (see frames.py).
DERIVED: dict[str, list[str]] = {
    "orders": ["last_updated_day_offset", "purchase_to_update_days", "rows_rejected"],
    "seller_feedback": ["feedback_day_offset", "rows_rejected"],
    "returns": ["return_request_day_offset", "order_to_return_days", "rows_rejected"],
    "seller_performance": [
        "snapshot_day_offset",
        "report_lag_days",
        "min_rate",
        "max_rate",
        "unknown_metric_keys",
        "unknown_document_keys",
    ],  # fmt: skip
    "seller_performance_v1": ["window_end_lag_days"],
}

_RT = {rt.raw_table: rt.name for rt in REPORT_TYPES.values()}


def _raw(table: str, expectations: list[Expectation], description: str) -> Suite:
    return Suite(
        f"raw_{table}", f"raw.{table}", f"raw/{table}", "raw", description,
        tuple(_provenance(table) + expectations), _RT[table],
    )  # fmt: skip


def _raw_volume(table: str) -> Suite:
    return Suite(
        f"raw_{table}_volume", f"raw.{table}", f"raw/{table}", "volume",
        f"Row volume of raw.{table} per account x marketplace x day against recent partitions.",
        tuple(_volume(table)), _RT[table],
    )  # fmt: skip


def raw_suites() -> list[Suite]:
    dup_line = (
        "one line per order item: Amazon's order report lists each SKU of an order once (quantity carries "
        "the units), so a repeated order id + SKU is a duplicated block of the document"
    )
    orders = _raw("orders", [
        _not_null("amazon_order_id", "an order line without an order id cannot be counted or joined"),
        _not_null("sku", "order lines are attributed to SKUs (defect attribution)"),
        _not_null("last_updated_date", "its date is the partition"),
        _not_null("fulfillment_channel", "metrics are split by channel (MFN/AFN)"),
        _e("expect_column_values_to_be_in_set", "MFN/AFN split of every metric depends on it",
           column="fulfillment_channel", value_set=["Amazon", "Merchant"]),
        _e("expect_column_values_to_be_in_set", "cancellation rate counts Cancelled; other states are in-flight "
           "(InvoiceUnconfirmed: shipped, the business invoice not yet confirmed)",
           column="order_status", value_set=["Pending", "Unshipped", "Shipped", "Cancelled", "Shipping",
                                             "PartiallyShipped", "InvoiceUnconfirmed", "Canceled"]),
        _between("quantity", 0, 10000, "units of an order line; Amazon's report shows 0 on cancelled items, and a "
                 "negative quantity is a mis-keyed adjustment, not an order, and would distort volume credit"),
        _between("item_price", 0, 1_000_000, "prices are >= 0 in the order report (refunds are elsewhere)"),
        _day_offset("last_updated_day_offset", "last-updated-date"),
        _between("purchase_to_update_days", 0, 400, "an order is updated after it was purchased"),
        _no_extra_columns(),
        _e("expect_compound_columns_to_be_unique", dup_line,
           column_list=["account_id", "marketplace_id", "amazon_order_id", "sku"]),
    ], "Order items of GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL for the partition.")  # fmt: skip
    feedback = _raw("seller_feedback", [
        _not_null("order_id", "feedback counts as an order defect through its order id"),
        _not_null("rating", "1-2 star feedback is an ODR defect"),
        _between("rating", 1, 5, "Amazon's star rating is 1-5 (the report carries 1-3)"),
        _day_offset("feedback_day_offset", "the feedback Date"),
        _no_extra_columns(),
        _e("expect_compound_columns_to_be_unique", "a buyer leaves one feedback per order: a repeated order id "
           "is a duplicated row and would count a defect twice",
           column_list=["account_id", "marketplace_id", "order_id"]),
    ], "Negative (1-3 star) feedback of GET_SELLER_FEEDBACK_DATA for the partition.")  # fmt: skip
    returns = _raw("returns", [
        _not_null("order_id", "a return is joined to its order"),
        _not_null("return_request_date", "its date is the partition"),
        _between("return_quantity", 1, 10000, "a return has at least one unit"),
        _between("order_quantity", 0, 10000, "units ordered are >= 0"),
        _between("refunded_amount", 0, 1_000_000, "refunds are reported as positive amounts"),
        _day_offset("return_request_day_offset", "the Return request date"),
        _between("order_to_return_days", 0, 400, "an item is returned after it was ordered"),
        _no_extra_columns(),
        _e("expect_compound_columns_to_be_unique", "one row per return item: a repeated (order, RMA, SKU) is a "
           "duplicated row and would count a return or A-to-z claim twice",
           column_list=["account_id", "marketplace_id", "order_id", "amazon_rma_id", "merchant_sku"]),
    ], "Returns of GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE for the partition.")  # fmt: skip
    perf = _raw("seller_performance", [
        _not_null("snapshot_at", "the snapshot time dates every metric"),
        _not_null("performance_metrics", "the marketplace's metrics are what the marts read"),
        _between("snapshot_day_offset", 0, 1, "the snapshot of day D is taken at the end of D (may be stamped "
                 "just after midnight): an older snapshot is stale"),
        _between("report_lag_days", -1, MAX_SNAPSHOT_LAG_DAYS, "stale snapshot: Amazon's freshest windows (late "
                 "shipment, cancellations) end on or just before the snapshot (stamped up to a day after the "
                 "partition, so -1 is fine); windows ending more than "
                 f"{MAX_SNAPSHOT_LAG_DAYS} days before the partition mean Amazon served an old snapshot"),
        _between("min_rate", 0, 1, "every metric rate is a fraction in [0, 1]"),
        _between("max_rate", 0, 1, "every metric rate is a fraction in [0, 1]"),
        _between("ahr_score", 0, 1000, "Amazon's rating scale is 0-1000"),
        _e("expect_column_values_to_be_in_set", "account status drives alerts: an unknown status (e.g. "
           "SUSPENDED) must be mapped by a human before the marts report it",
           column="account_status", value_set=list(ACCOUNT_STATUSES)),
        _e("expect_column_values_to_be_in_set", "AHR status values Amazon documents; real documents also carry "
           "others (GREEN in a seller's report): kept as received and shown, so a new value is a warning to look "
           "at, not a reason to refuse the snapshot", "warning", column="ahr_status", value_set=list(AHR_STATUSES)),
        _e("expect_column_values_to_be_null", "performanceMetrics keys not in docs/amazon.md: Amazon "
           "changed the report; parse defensively, but look before the rating uses it",
           column="unknown_metric_keys"),
        _e("expect_column_values_to_be_null", "top-level document keys other than accountStatuses and "
           "performanceMetrics: a new report version", column="unknown_document_keys"),
        _e("expect_compound_columns_to_be_unique", "one snapshot per account x marketplace x partition",
           column_list=["account_id", "marketplace_id", "partition_date"]),
    ], "V2 seller performance snapshots (one per account x marketplace x day).")  # fmt: skip
    v1 = _raw("seller_performance_v1", [
        _not_null("metric_name", "each row is one metric of one window"),
        _between("rate", 0, 1, "rates are stored as fractions in [0, 1] (the documented report writes percent; "
                 "the parser divides by 100): a value above 1 means a percent slipped through"),
        _between("window_end_lag_days", 0, MAX_SNAPSHOT_LAG_DAYS, "stale V1 snapshot: the freshest window of the "
                 "report (customer experience, contact response) should end within days of the snapshot"),
        _e("expect_compound_columns_to_be_unique", "one row per account x marketplace x partition x metric x "
           "channel x window: a repeated one is a duplicated element",
           column_list=["account_id", "marketplace_id", "partition_date", "metric_group", "metric_name",
                        "fulfillment_channel", "window_start_date", "window_end_date"]),
    ], "V1 seller performance, one row per metric x channel x window of each snapshot.")  # fmt: skip
    return [
        orders, feedback, returns, perf, v1,
        *(_raw_volume(t) for t in ("orders", "seller_feedback", "returns", "seller_performance")),
    ]  # fmt: skip


def mart_suites() -> list[Suite]:
    rating = Suite(
        "marts_fct_account_health_rating", "marts.fct_account_health_rating", "marts/fct_account_health_rating",
        "rating", "Estimated vs reported rating per account x marketplace x day.", (
            _between("estimated_ahr", 0, 1000, "the rating scale is 0-1000 (clamped)"),
            _between("reported_ahr", 0, 1000, "Amazon's rating scale is 0-1000"),
            _between("band_mismatch", 0, 0, "band must follow the score: Healthy 200-1000, At Risk 100-199, "
                     "Critical 0-99 (docs/rating.md)"),
            _between("components_gap", 0, 0, "the components (fct_rating_components) must add up to the "
                     "estimate: every estimate is explainable"),
            _between("volume_credit", 0, 1000, "volume credit is never negative"),
            _between("orders_180d", 0, None, "order counts are >= 0"),
            _between("aha_days_below_threshold", 0, 180, "count of days in a 180-day window"),
            _between("abs_ahr_gap", 0, MAX_AHR_GAP, "reported and estimated ratings drifting apart by more than "
                     f"{MAX_AHR_GAP} points means the model (calibrated or seeds) needs a look", severity="warning"),
        ),
    )  # fmt: skip
    metrics = Suite(
        "marts_fct_health_metrics_daily", "marts.fct_health_metrics_daily", "marts/fct_health_metrics_daily",
        "metrics", "Reported and recomputed metrics per day.", (
            _between("rate_value", 0, 1, "rates are fractions in [0, 1] (metrics in hours, *_hours, are not rates)"),
            _between("numerator", 0, None, "counts are >= 0"),
            _between("denominator", 0, None, "counts are >= 0"),
            _between("numerator_excess", None, 0, "a numerator cannot exceed its denominator"),
            _between("rate_count_gap", 0, 0.01, "counts consistent with rates: numerator / denominator equals "
                     "the rate (where Amazon gives all three) within rounding"),
            _between("target_value", 0, 1, "targets are fractions in [0, 1]"),
        ),
    )  # fmt: skip
    history = Suite(
        "marts_rating_history", "marts.fct_account_health_rating", "marts/fct_account_health_rating",
        "history", "The daily rating history per account x marketplace has no gaps.", (
            _between("missing_days", 0, 0, "one rating per day between an account x marketplace's first and last "
                     "rating: a gap means a snapshot partition was not loaded, and the AHA window would be "
                     "counted wrong"),
        ),
    )  # fmt: skip
    violations = Suite(
        "marts_fct_policy_violations_daily", "marts.fct_policy_violations_daily", "marts/fct_policy_violations_daily",
        "violations", "Policy-violation counts, their day-over-day change and the points they cost.", (
            _between("defects_count", 0, None, "Amazon's defectsCount counts open defects: never negative (a "
                     "negative count would add rating points)"),
            _between("new_count", 0, None, "new defects since the previous snapshot are a count: >= 0"),
            _between("resolved_count", 0, None, "resolved defects since the previous snapshot are a count: >= 0"),
            _between("points_per_violation", 0, None, "calibrated or seed points: a violation costs points, it "
                     "never earns them (the fit is bounded at 0)"),
            _between("points_deducted", 0, None, "a deduction is subtracted from the estimate: >= 0 here"),
            _between("deduction_gap", 0, 0, "points_deducted = defects_count x points_per_violation in whole "
                     "points while the category is open, 0 once it is resolved: the deduction the estimate "
                     "subtracts is the one its model (calibrated or seeds) prices"),
            _between("open_mismatch", 0, 0, "is_open means defects_count > 0: alerts and the critical override "
                     "read is_open"),
            _between("change_gap", 0, 0, "new_count - resolved_count must equal defects_count minus the previous "
                     "snapshot's count of the category (only one of them moves in a day), and both are NULL "
                     "exactly on a category's first snapshot: otherwise the daily change BI shows is invented"),
            _between("window_length_days", 0, 400, "a policy window starts before it ends and spans at most "
                     "Amazon's longest window (180 days) with margin: otherwise the window dates were misread"),
            _between("categories_in_snapshot", 1, MAX_POLICY_CATEGORIES, "volume: each snapshot lists its policy "
                     f"categories once (Amazon has ~10, at most {MAX_POLICY_CATEGORIES} with known aliases); more "
                     "means a document was loaded twice or category names split"),
        ),
    )  # fmt: skip
    components = Suite(
        "marts_fct_rating_components", "marts.fct_rating_components", "marts/fct_rating_components",
        "components", "The estimate in long form: components sum to it, what-ifs stay on the scale.", (
            _between("components_gap", 0, 0, "the points of a rating's components add up to its estimated_ahr: "
                     "the explanation BI shows is the estimate, not an approximation of it"),
            _between("estimated_ahr", 0, 1000, "the rating scale is 0-1000 (clamped)"),
            _between("estimated_ahr_if_resolved", 0, 1000, "a what-if is a rating too: 0-1000"),
            _between("what_if_shortfall", None, 0, "resolving a violation never lowers the estimate: the what-if "
                     "rating is >= the estimate (a lower one would advise sellers backwards)"),
            _between("fixed_components_count", 5, 5, "every rating has exactly its start, volume_credit, floor, "
                     "critical_override and clamp rows: a missing row breaks the waterfall chart"),
            _between("deduction_points", None, 0, "a deduction subtracts points"),
            _between("deduction_gap", 0, 0, "a deduction's points are -defects_count x points_per_violation in "
                     "whole points, as fct_policy_violations_daily prices them"),
            _between("volume_credit_points", 0, 1000, "volume credit adds points (never negative)"),
            _between("basis_count", 0, None, "order and defect counts behind the points are >= 0"),
        ),
    )  # fmt: skip
    snapshots = Suite(
        "marts_fct_account_health_snapshots", "marts.fct_account_health_snapshots",
        "marts/fct_account_health_snapshots", "snapshots",
        "Amazon's daily snapshots: reported rating in range, one per account x marketplace x day, no gaps.", (
            _between("reported_ahr", 0, 1000, "Amazon's rating scale is 0-1000 (NULL when the report has none)"),
            _between("bad_warning_states_count", 0, None, "a count of warning states: >= 0"),
            _between("policy_violation_warnings_count", 0, None, "Amazon's warningsCount: >= 0"),
            _between("snapshot_day_offset", 0, 1, "the snapshot of day D is taken at the end of D (may be stamped "
                     "just after midnight): another date means the snapshot was filed under the wrong day"),
            _between("missing_snapshot", 0, 0, "a snapshot per account x marketplace x partition day (pairs seen "
                     f"in the {RECENT_DAYS} days before or in the range, from their first snapshot on): a missing "
                     "day leaves the daily history and the AHA window with a hole"),
            _between("days_since_previous_snapshot", 1, 1, "no gap before the range either: the previous snapshot "
                     "of the account x marketplace is the day before (a skipped or failed day's partition was "
                     "never loaded; backfill it before publishing this one)"),
        ),
    )  # fmt: skip
    return [rating, metrics, history, violations, components, snapshots]


def all_suites() -> list[Suite]:
    return raw_suites() + mart_suites()


def suite(name: str) -> Suite:
    for s in all_suites():
        if s.name == name:
            return s
    raise KeyError(f"unknown suite {name!r}; known: {', '.join(s.name for s in all_suites())}")


def write_json(directory: Path = SUITES_DIR) -> list[Path]:
    """Write every suite as sorted 2-space JSON (what reviewers diff)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in all_suites():
        path = directory / f"{s.name}.json"
        path.write_text(s.to_json())
        paths.append(path)
    return paths
