"""What the report reads: the published marts of the DuckDB file, through one short-lived connection.

Everything is read in one pass and the connection is closed before a page is rendered, so the report
holds DuckDB's file lock for well under a second (DuckDB has a single writer: a reader that stayed
open would make the next pipeline run fail). Columns are read by name. The marts the report is
built on (``REQUIRED_COLUMNS``) must exist, else :class:`ReportDataError` names the missing table or
column; tables and columns that later models add are optional and their sections appear once they
exist:

- ``marts.fct_alerts`` (one row per alert episode): open alerts per account x marketplace;
- a rating projection (``OPTIONAL_RATING_PROJECTION_TABLES``): the projected rating line and the
  days to the next band change;
- ``OPTIONAL_SUMMARY_COLUMNS`` of ``marts.fct_account_health_summary`` (the model behind the estimate,
  the cause of an At Risk or Critical band, the next band change).

Frames are pandas DataFrames with DuckDB's types (DATE columns arrive as ``Timestamp`` at midnight).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

MARTS = "marts"
SEEDS = "seeds"

#: Mart columns the report cannot do without (table -> columns). Everything else is optional.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "fct_account_health_summary": (
        "account_id", "marketplace_id", "rating_date", "account_status", "reported_ahr", "estimated_ahr",
        "band", "reported_band", "is_aha_eligible", "worst_metric_name", "worst_metric_fulfillment_channel",
        "worst_metric_value", "worst_metric_target_value", "worst_metric_target_condition",
        "is_worst_metric_target_missed", "next_rolloff_date", "next_rolloff_metric_name",
    ),
    "fct_account_health_rating": (
        "account_id", "marketplace_id", "rating_date", "estimated_ahr", "reported_ahr", "band", "reported_band",
        "account_status",
    ),
    "fct_rating_components": (
        "account_id", "marketplace_id", "rating_date", "component_order", "component_type", "component_name",
        "points", "basis_count", "severity",
    ),
    "fct_health_metrics_daily": (
        "account_id", "marketplace_id", "metric_date", "metric_name", "fulfillment_channel", "window_days",
        "source", "value", "target_value", "target_condition", "is_target_missed", "amazon_status",
    ),
    "fct_policy_violations_daily": (
        "account_id", "marketplace_id", "metric_date", "category", "defects_count", "severity", "points_deducted",
    ),
    "fct_defect_rolloff_calendar": (
        "account_id", "marketplace_id", "metric_name", "fulfillment_channel", "rolloff_date", "days_until_rolloff",
        "is_in_current_window",
    ),
    "fct_metric_projections": (
        "account_id", "marketplace_id", "projection_date", "metric_name", "fulfillment_channel", "as_of_date",
        "projected_value", "target_value", "target_condition", "reported_value_as_of",
        "is_reported_target_missed_as_of", "first_target_met_date",
    ),
    "fct_defect_attribution": (
        "account_id", "marketplace_id", "defect_id", "defect_type", "sku", "asin", "fulfillment_channel",
        "defect_date",
    ),
    "dim_marketplaces": ("marketplace_id", "country_code", "marketplace_name"),
}  # fmt: skip

#: Optional columns of the summary mart: role -> candidate names (the first one present is used).
OPTIONAL_SUMMARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "model_source": ("model_source",),
    "cause": ("band_cause", "rating_cause", "cause"),
    "next_band_change_date": ("next_band_change_date", "projected_band_change_date", "first_band_change_date"),
    "next_band": ("next_projected_band", "projected_band", "next_band"),
}
#: A projected rating per account x marketplace x day (issue 11), when a model provides one.
OPTIONAL_RATING_PROJECTION_TABLES = ("fct_rating_projections", "fct_account_health_rating_projections")
RATING_PROJECTION_COLUMNS = {
    "projection_date": ("projection_date",),
    "projected_ahr": ("projected_ahr", "estimated_ahr"),
}
#: The alerts mart (one row per alert episode); a warehouse of an older version may lack it.
ALERTS_TABLE = "fct_alerts"
#: Columns of the report's alerts frame (one row per episode; ``detail`` is the sentence alerts are sent with).
ALERT_FRAME_COLUMNS = (
    "account_id",
    "marketplace_id",
    "kind",
    "severity",
    "first_seen",
    "last_seen",
    "resolved",
    "detail",
)
#: Contributors shown per dimension (SKU, ASIN): enough to act on, few enough to read on a laptop.
TOP_CONTRIBUTORS = 10


class ReportDataError(RuntimeError):
    """The warehouse cannot be read for the report: missing file, missing mart or column, or locked."""


@dataclass(frozen=True)
class Band:
    """One rating band of seeds.rating_bands (Amazon's published bands): name and inclusive points range."""

    name: str
    min_rating: int
    max_rating: int
    band_order: int
    """1 = worst (Critical); higher is healthier."""


@dataclass
class ReportData:
    """Everything the pages show, for all accounts x marketplaces or (after :meth:`for_pair`) one of them.

    ``optional`` maps a role of ``OPTIONAL_SUMMARY_COLUMNS`` to the column found in the summary.
    ``alerts`` and ``rating_projections`` are None when their mart does not exist.
    """

    source: str
    bands: list[Band]
    marketplaces: pd.DataFrame
    summary: pd.DataFrame
    rating: pd.DataFrame
    components: pd.DataFrame
    metrics: pd.DataFrame
    violations: pd.DataFrame
    rolloff: pd.DataFrame
    projections: pd.DataFrame
    contributors: pd.DataFrame
    defect_dates: pd.DataFrame
    alerts: pd.DataFrame | None = None
    rating_projections: pd.DataFrame | None = None
    optional: dict[str, str] = field(default_factory=dict)

    _PER_PAIR = (
        "summary",
        "rating",
        "components",
        "metrics",
        "violations",
        "rolloff",
        "projections",
        "contributors",
        "defect_dates",
        "alerts",
        "rating_projections",
    )

    def pairs(self) -> list[tuple[str, str]]:
        """Every account x marketplace with a rating, in the summary's order."""
        return list(zip(self.summary["account_id"], self.summary["marketplace_id"], strict=True))

    def for_pair(self, account_id: str, marketplace_id: str) -> ReportData:
        """The same data restricted to one account x marketplace (account-wide alerts included)."""
        changes = {}
        for name in self._PER_PAIR:
            frame = getattr(self, name)
            if frame is None:
                continue
            same_account = frame["account_id"] == account_id
            same_marketplace = frame["marketplace_id"] == marketplace_id
            if name == "alerts":  # an alert without a marketplace concerns all of the account's marketplaces
                same_marketplace = same_marketplace | frame["marketplace_id"].isna()
            changes[name] = frame[same_account & same_marketplace].reset_index(drop=True)
        return replace(self, **changes)

    @property
    def as_of(self) -> pd.Timestamp | None:
        """Latest rating date of the data (UTC day)."""
        return None if self.summary.empty else self.summary["rating_date"].max()

    def marketplace_name(self, marketplace_id: str) -> str:
        """``Amazon.de (DE)`` from dim_marketplaces; the id itself when it is not in the catalogue."""
        row = self.marketplaces[self.marketplaces["marketplace_id"] == marketplace_id]
        if row.empty:
            return marketplace_id
        return f"{row.iloc[0]['marketplace_name']} ({row.iloc[0]['country_code']})"


def read_report_data(duckdb_path: Path) -> ReportData:
    """Read the report's data from the DuckDB file with a read-only connection, closed on return.

    Raises :class:`ReportDataError` when the file does not exist, is being written by another
    process (DuckDB's lock), or lacks a mart or column of ``REQUIRED_COLUMNS``.
    """
    if not duckdb_path.exists():
        raise ReportDataError(f"no warehouse at {duckdb_path}: run the pipeline first (ahw demo, or ahw run)")
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.IOException as exc:
        raise ReportDataError(
            f"cannot open {duckdb_path} for reading: {exc}. Another process holds the file (a run or a BI "
            "tool); write the report when it is done"
        ) from None
    try:
        return load_report_data(con, source=str(duckdb_path))
    finally:
        con.close()


def load_report_data(con: duckdb.DuckDBPyConnection, source: str = "warehouse") -> ReportData:
    """Read the report's data through an open connection (the caller closes it)."""
    columns = _mart_columns(con)
    _require(columns, source)

    def frame(sql: str, params: Iterable | None = None) -> pd.DataFrame:
        return con.execute(sql, list(params or [])).df()

    summary_columns = columns["fct_account_health_summary"]
    optional = {
        role: name for role, names in OPTIONAL_SUMMARY_COLUMNS.items() if (name := _first(names, summary_columns))
    }
    bands = [
        Band(str(name), int(low), int(high), int(order))
        for name, low, high, order in con.execute(
            f"select band, min_rating, max_rating, band_order from {SEEDS}.rating_bands order by band_order"
        ).fetchall()
    ]
    data = ReportData(
        source=source,
        bands=bands,
        marketplaces=frame(f"select * from {MARTS}.dim_marketplaces"),
        summary=frame(f"select * from {MARTS}.fct_account_health_summary order by account_id, marketplace_id"),
        rating=frame(
            f"select * from {MARTS}.fct_account_health_rating order by account_id, marketplace_id, rating_date"
        ),
        components=frame(
            f"""select c.* from {MARTS}.fct_rating_components as c
                semi join {MARTS}.fct_account_health_summary as s using (account_id, marketplace_id, rating_date)
                order by c.account_id, c.marketplace_id, c.component_order, c.component_name"""
        ),
        metrics=frame(
            f"""select * from {MARTS}.fct_health_metrics_daily where target_value is not null
                order by account_id, marketplace_id, metric_name, fulfillment_channel, window_days, source,
                    metric_date"""
        ),
        violations=frame(
            f"""select * from {MARTS}.fct_policy_violations_daily
                order by account_id, marketplace_id, category, metric_date"""
        ),
        rolloff=frame(
            f"""select account_id, marketplace_id, metric_name, fulfillment_channel, rolloff_date,
                    count(*) as orders_count
                from {MARTS}.fct_defect_rolloff_calendar
                where is_in_current_window and days_until_rolloff > 0
                group by all order by all"""
        ),
        projections=frame(
            f"""select * from {MARTS}.fct_metric_projections
                order by account_id, marketplace_id, metric_name, fulfillment_channel, projection_date"""
        ),
        contributors=frame(_CONTRIBUTORS_SQL, [TOP_CONTRIBUTORS]),
        defect_dates=frame(
            f"""select account_id, marketplace_id, min(defect_date) as first_defect_date,
                    max(defect_date) as last_defect_date, count(distinct defect_id) as defects_count,
                    count(distinct defect_id) filter (where sku is null) as defects_without_sku_count
                from {MARTS}.fct_defect_attribution group by all"""
        ),
        optional=optional,
    )
    if ALERTS_TABLE in columns:
        data.alerts = _alerts_frame(con)
    for table in OPTIONAL_RATING_PROJECTION_TABLES:
        if table in columns and all(_first(n, columns[table]) for n in RATING_PROJECTION_COLUMNS.values()):
            projected = frame(f"select * from {MARTS}.{table} order by all")
            data.rating_projections = _renamed(
                projected,
                {"account_id": ("account_id",), "marketplace_id": ("marketplace_id",), **RATING_PROJECTION_COLUMNS},
                table,
            )
            break
    return data


#: Defects per SKU and ASIN (the top TOP_CONTRIBUTORS of each) and per fulfillment channel, split by
#: defect type. A defect of an order with several items counts once for each SKU it touches. Defects
#: whose order is not loaded have no SKU or ASIN: they are left out of those rankings (the channel
#: chart shows them as unknown).
_CONTRIBUTORS_SQL = f"""
with defects as (
    select account_id, marketplace_id, defect_id, defect_type, sku, asin, fulfillment_channel
    from {MARTS}.fct_defect_attribution
),
grouped as (
    select account_id, marketplace_id, 'SKU' as dimension, sku as item, defect_type,
        count(distinct defect_id) as defects_count
    from defects where sku is not null group by all
    union all
    select account_id, marketplace_id, 'ASIN', asin, defect_type, count(distinct defect_id)
    from defects where asin is not null group by all
    union all
    select account_id, marketplace_id, 'Fulfillment channel', coalesce(fulfillment_channel, '(unknown)'),
        defect_type, count(distinct defect_id)
    from defects group by all
),
ranked as (
    select *,
        sum(defects_count) over (partition by account_id, marketplace_id, dimension, item) as item_defects_count
    from grouped
),
numbered as (
    select *,
        dense_rank() over (
            partition by account_id, marketplace_id, dimension order by item_defects_count desc, item
        ) as item_rank
    from ranked
)
select * from numbered where item_rank <= ?
order by account_id, marketplace_id, dimension, item_rank, defect_type
"""


def _mart_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?", [MARTS]
    ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


def _require(columns: dict[str, set[str]], source: str) -> None:
    problems = []
    for table, needed in REQUIRED_COLUMNS.items():
        if table not in columns:
            problems.append(f"table {MARTS}.{table} is missing")
            continue
        missing = [c for c in needed if c not in columns[table]]
        if missing:
            problems.append(f"{MARTS}.{table} lacks column(s) {', '.join(missing)}")
    if problems:
        raise ReportDataError(
            f"cannot write the account-health report from {source}: " + "; ".join(problems)
            + ". Build the marts first (ahw demo, or ahw run)"
        )  # fmt: skip


def _first(names: Iterable[str], present: set[str]) -> str | None:
    return next((n for n in names if n in present), None)


def _renamed(frame: pd.DataFrame, roles: dict[str, tuple[str, ...]], table: str) -> pd.DataFrame:
    """Columns renamed to their roles; a role without a column becomes an all-NULL column, except the keys."""
    out = pd.DataFrame(index=frame.index)
    for role, names in roles.items():
        name = _first(names, set(frame.columns))
        if name is None and role in ("account_id", "marketplace_id"):
            raise ReportDataError(f"{MARTS}.{table} has no {role} column")
        out[role] = frame[name] if name else None
    return out


def _alerts_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Alert episodes of ``marts.fct_alerts`` with the same one-sentence text the deliveries carry."""
    from orchestration.notifications.alerts import describe, read_alerts

    rows = [
        (a.account_id, a.marketplace_id, a.kind_label or a.kind, a.severity, a.first_seen_at, a.last_seen_at,
         a.resolved_at, describe(a))
        for a in read_alerts(con)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(ALERT_FRAME_COLUMNS))
