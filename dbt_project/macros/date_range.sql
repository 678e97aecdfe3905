{#
    The partition range of an incremental run (vars min_date / max_date, inclusive, UTC dates).
    `in_date_range(col)` filters a model's OUTPUT date; inputs are read with a look-back
    (`lookback_start(days)`) so windowed values of a one-day run equal those of a full refresh.
#}
{% macro min_date() -%}
    cast('{{ var("min_date") }}' as date)
{%- endmacro %}

{% macro max_date() -%}
    cast('{{ var("max_date") }}' as date)
{%- endmacro %}

{% macro in_date_range(column) -%}
    {{ column }} between {{ min_date() }} and {{ max_date() }}
{%- endmacro %}

{% macro lookback_start(days) -%}
    ({{ min_date() }} - cast({{ days }} as integer))
{%- endmacro %}

{#
    Pre-hook of the incremental models: empty the run's date range, then the `append` strategy
    inserts the range anew. Deleting the whole range (not only the dates present in the new rows,
    as delete+insert would) also empties a day that no longer yields any row (a snapshot removed
    from raw, say); and a range predicate lets DuckDB skip row groups by their min/max, where
    delete+insert's `in (select distinct ...)` scans the whole table, which grows with history.
#}
{% macro delete_date_range(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_date_range(column) }}
    {%- endif -%}
{%- endmacro %}

{#
    Incremental intermediate tables (the per-day building blocks the marts read) rebuild only
    what a run can change. Snapshot-keyed ones rebuild [min_date, max_date]. Order-keyed ones
    rebuild the order dates a day's new documents can still change:
      - new versions of an order (status updates) arrive within order_update_days of its
        purchase: int_order_items_latest (the only reader of raw orders) and
        int_orders_rolled_up restate [min_date - order_update_days, max_date];
      - feedback (Amazon accepts it up to 90 days after the order), returns and A-to-z claims
        arrive later: the defect tables restate [min_date - order_restatement_days, max_date],
        reading orders from those two tables, not from raw.
    A first build or --full-refresh computes all history. The delete_* macros are the pre-hooks
    of these models: they empty what the run restates first (see delete_date_range).
#}
{% macro order_update_start() -%}
    {{ lookback_start(var('order_update_days')) }}
{%- endmacro %}

{% macro in_order_update_range(column) -%}
    {{ column }} between {{ order_update_start() }} and {{ max_date() }}
{%- endmacro %}

{% macro delete_order_update_range(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_order_update_range(column) }}
    {%- endif -%}
{%- endmacro %}

{% macro order_restatement_start() -%}
    {{ lookback_start(var('order_restatement_days')) }}
{%- endmacro %}

{% macro in_order_restatement_range(column) -%}
    {{ column }} between {{ order_restatement_start() }} and {{ max_date() }}
{%- endmacro %}

{% macro delete_order_restatement_range(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_order_restatement_range(column) }}
    {%- endif -%}
{%- endmacro %}
