"""The frames the suites validate: SQL over DuckDB returning a pandas DataFrame.

A raw frame is the rows of the validated partition range with a few derived columns (day offsets,
rates found in the JSON); a volume frame is one row per account x marketplace x day with the row
count and the recent daily average; mart frames add consistency columns. Computing these in SQL
keeps the suites simple, built-in GX expectations.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from orchestration.quality.suites import (
    FLAT_FILE_TABLES,
    KNOWN_DOCUMENT_KEYS,
    KNOWN_METRIC_KEYS,
    MIN_RECENT_DAILY_ROWS,
    MIN_VOLUME_HISTORY_DAYS,
    RECENT_DAYS,
    SAMPLE_EXCLUDED,
    Suite,
)

_DATE_TO = r"""'"reportingDateTo": ?"(\d{4}-\d{2}-\d{2})'"""
_RATE = r"""'"rate": ?(-?[0-9][0-9.eE+-]*)'"""


def _sql_list(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


_RAW_DERIVED = {
    "orders": """,
        date_diff('day', partition_date, cast(last_updated_date as date)) as last_updated_day_offset,
        date_diff('day', cast(purchase_date as date), cast(last_updated_date as date)) as purchase_to_update_days""",
    "seller_feedback": """,
        date_diff('day', partition_date, feedback_date) as feedback_day_offset""",
    "returns": """,
        date_diff('day', partition_date, return_request_date) as return_request_day_offset,
        date_diff('day', order_date, return_request_date) as order_to_return_days""",
    "seller_performance": f""",
        date_diff('day', partition_date, cast(snapshot_at as date)) as snapshot_day_offset,
        date_diff('day', cast(list_max(regexp_extract_all(performance_metrics, {_DATE_TO}, 1)) as date),
                  partition_date) as report_lag_days,
        list_min(list_transform(regexp_extract_all(performance_metrics, {_RATE}, 1), lambda x: cast(x as double)))
            as min_rate,
        list_max(list_transform(regexp_extract_all(performance_metrics, {_RATE}, 1), lambda x: cast(x as double)))
            as max_rate,
        nullif(array_to_string(list_filter(json_keys(performance_metrics),
            lambda k: not list_contains({_sql_list(KNOWN_METRIC_KEYS)}, k)), ','), '') as unknown_metric_keys,
        nullif(array_to_string(list_filter(json_keys(document),
            lambda k: not list_contains({_sql_list(KNOWN_DOCUMENT_KEYS)}, k)), ','), '') as unknown_document_keys""",
    "seller_performance_v1": """,
        date_diff('day', max(window_end_date) over (partition by account_id, marketplace_id, partition_date),
                  cast(snapshot_at as date)) as window_end_lag_days""",
}

#: Flat-file tables: the document's rows kept aside, from the partition's latest raw.load_log row.
_REJECTED = """
        left join (
            select account_id, marketplace_id, partition_date, rows_rejected
            from {load_log} where report_type = '{report_type}'
            qualify row_number() over (
                partition by account_id, marketplace_id, partition_date order by loaded_at desc) = 1
        ) as load_log using (account_id, marketplace_id, partition_date)"""


def frame_sql(suite: Suite, start: date, end: date, relations: Mapping[str, str] | None = None) -> str:
    """SQL of the frame ``suite`` validates for the partition range [start, end] (inclusive).

    ``relations`` maps a table the frame reads (``raw.orders``, ``raw.load_log``, ``marts.fct_...``) to
    the relation to read instead: the raw audit's candidate version (published rows with the new
    version in place of the audited partitions), or the marts' build area before they are published.
    """
    s, e = f"date '{start.isoformat()}'", f"date '{end.isoformat()}'"
    relations = relations or {}

    def t(name: str) -> str:
        return relations.get(name, name)

    if suite.frame == "raw":
        table = suite.table.split(".", 1)[1]
        if table in FLAT_FILE_TABLES:
            rejected = _REJECTED.format(report_type=suite.report_type, load_log=t("raw.load_log"))
            return (
                f"select report.*{_RAW_DERIVED[table]}, coalesce(load_log.rows_rejected, 0) as rows_rejected "
                f"from {t(suite.table)} as report{rejected} "
                f"where partition_date between {s} and {e}"
            )
        return f"select *{_RAW_DERIVED[table]} from {t(suite.table)} where partition_date between {s} and {e}"
    if suite.frame == "volume":
        # Pairs seen in the recent history x every day of the range, left-joined with the range's counts.
        # The recent average is over the days that were loaded (raw.load_log): a day never extracted is
        # unknown, not a day without rows, so a warehouse with one day of history compares with that day
        # (dividing by 14 made the second day ever loaded look 14x too large).
        return f"""
        with loaded as (
            select account_id, marketplace_id, count(distinct partition_date) as days_loaded
            from {t("raw.load_log")}
            where report_type = '{suite.report_type}'
              and partition_date >= {s} - interval {RECENT_DAYS} day and partition_date < {s}
            group by all
        ), recent as (
            select account_id, marketplace_id,
                   coalesce(any_value(l.days_loaded), {RECENT_DAYS}) as days_loaded,
                   count(*) / coalesce(any_value(l.days_loaded), {RECENT_DAYS}) as recent_daily_rows
            from {t(suite.table)} left join loaded as l using (account_id, marketplace_id)
            where partition_date >= {s} - interval {RECENT_DAYS} day and partition_date < {s}
            group by account_id, marketplace_id
        ), days as (
            select cast(unnest(generate_series({s}, {e}, interval 1 day)) as date) as partition_date
        ), counts as (
            select account_id, marketplace_id, partition_date, count(*) as rows_count
            from {t(suite.table)} where partition_date between {s} and {e} group by all
        )
        select r.account_id, r.marketplace_id, d.partition_date, coalesce(c.rows_count, 0) as rows_count,
               r.recent_daily_rows,
               case when r.recent_daily_rows >= {MIN_RECENT_DAILY_ROWS}
                         and (r.days_loaded >= {MIN_VOLUME_HISTORY_DAYS} or coalesce(c.rows_count, 0) > 0)
                    then coalesce(c.rows_count, 0) / r.recent_daily_rows end as volume_ratio
        from recent r cross join days d
        left join counts c using (account_id, marketplace_id, partition_date)
        """
    if suite.frame == "rating":
        return f"""
        with comp as (
            select account_id, marketplace_id, rating_date, sum(points) as component_points
            from {t("marts.fct_rating_components")} where rating_date between {s} and {e} group by all
        )
        select r.*, abs(r.ahr_gap) as abs_ahr_gap,
            case when (r.band = 'Healthy' and r.estimated_ahr >= 200)
                   or (r.band = 'At Risk' and r.estimated_ahr between 100 and 199)
                   or (r.band = 'Critical' and r.estimated_ahr between 0 and 99) then 0 else 1 end as band_mismatch,
            abs(coalesce(c.component_points, -100000) - r.estimated_ahr) as components_gap,
            r.marketplace_id as partition_marketplace, r.rating_date as partition_date
        from {t("marts.fct_account_health_rating")} r left join comp c using (account_id, marketplace_id, rating_date)
        where r.rating_date between {s} and {e}
        """
    if suite.frame == "metrics":
        return f"""
        select *, numerator - denominator as numerator_excess,
            case when not ends_with(metric_name, '_hours') then value end as rate_value,
            case when value is not null and denominator > 0 and numerator is not null
                      and not ends_with(metric_name, '_hours')
                 then abs(numerator::double / denominator - value) end as rate_count_gap,
            metric_date as partition_date
        from {t("marts.fct_health_metrics_daily")}
        where metric_date between {s} and {e} and source = 'reported'
        """
    if suite.frame == "violations":
        # The change is checked against the mart's own previous row of the category (all history).
        return f"""
        with ordered as (
            select *, lag(defects_count) over (
                    partition by account_id, marketplace_id, category order by metric_date
                ) as previous_defects_count,
                count(*) over (partition by account_id, marketplace_id, metric_date) as categories_in_snapshot
            from {t("marts.fct_policy_violations_daily")}
        )
        select * exclude (previous_defects_count), previous_defects_count,
            abs(coalesce(points_deducted, -1)
                - case when is_open then round(defects_count * points_per_violation) else 0 end) as deduction_gap,
            case when is_open is not distinct from (defects_count > 0) then 0 else 1 end as open_mismatch,
            case
                when previous_defects_count is null
                    then case when new_count is null and resolved_count is null then 0 else 1 end
                when new_count is null or resolved_count is null then 1
                when new_count > 0 and resolved_count > 0 then 1
                else abs((new_count - resolved_count) - (defects_count - previous_defects_count))
            end as change_gap,
            date_diff('day', window_start_date, window_end_date) as window_length_days,
            metric_date as partition_date
        from ordered
        where metric_date between {s} and {e}
        """
    if suite.frame == "components":
        return f"""
        select *,
            abs(sum(points) over w - estimated_ahr) as components_gap,
            estimated_ahr - estimated_ahr_if_resolved as what_if_shortfall,
            count(*) filter (where component_type in ('start', 'volume_credit', 'floor', 'critical_override', 'clamp'))
                over w as fixed_components_count,
            case when component_type = 'deduction' then points end as deduction_points,
            case when component_type = 'deduction'
                 then abs(points + round(coalesce(basis_count, 0) * coalesce(points_per_violation, 0))) end
                as deduction_gap,
            case when component_type = 'volume_credit' then points end as volume_credit_points,
            rating_date as partition_date
        from {t("marts.fct_rating_components")}
        where rating_date between {s} and {e}
        window w as (partition by account_id, marketplace_id, rating_date)
        """
    if suite.frame == "snapshots":
        # Expected: pairs seen in the recent history or the range x each day of the range from the pair's
        # first snapshot on; each present snapshot also says how many days after the previous one it came.
        return f"""
        with history as (
            select *, date_diff('day', lag(snapshot_date) over (
                    partition by account_id, marketplace_id order by snapshot_date), snapshot_date)
                as days_since_previous_snapshot
            from {t("marts.fct_account_health_snapshots")}
        ), pairs as (
            select account_id, marketplace_id, min(snapshot_date) as first_snapshot_date
            from {t("marts.fct_account_health_snapshots")}
            group by all
            having max(snapshot_date) filter (where snapshot_date <= {e}) >= {s} - interval {RECENT_DAYS} day
        ), days as (
            select cast(unnest(generate_series({s}, {e}, interval 1 day)) as date) as partition_date
        )
        select p.account_id, p.marketplace_id, d.partition_date, h.snapshot_date, h.snapshot_at,
            h.account_status, h.reported_ahr_status, h.reported_ahr, h.bad_warning_states_count,
            h.policy_violation_warnings_count, h.report_id,
            date_diff('day', h.snapshot_date, cast(h.snapshot_at as date)) as snapshot_day_offset,
            case when h.snapshot_date is null then 1 else 0 end as missing_snapshot,
            h.days_since_previous_snapshot
        from pairs p cross join days d
        left join history h
            on h.account_id = p.account_id and h.marketplace_id = p.marketplace_id and h.snapshot_date = d.partition_date
        where d.partition_date >= p.first_snapshot_date
        """
    if suite.frame == "history":
        return f"""
        select account_id, marketplace_id, min(rating_date) as first_rating_date,
               max(rating_date) as last_rating_date, count(distinct rating_date) as days_count,
               date_diff('day', min(rating_date), max(rating_date)) + 1 - count(distinct rating_date) as missing_days
        from {t("marts.fct_account_health_rating")} group by all
        """
    raise ValueError(f"unknown frame {suite.frame!r}")


def sample_columns(columns) -> list[str]:
    """Columns shown in sample rows: no PII hashes, no whole documents."""
    return [c for c in columns if c not in SAMPLE_EXCLUDED]
