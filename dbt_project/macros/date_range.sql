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
    Pre-hook of the incremental marts: empty the run's date range before inserting it. The
    delete+insert strategy deletes only the dates present in the new rows, so a day that no longer
    yields any row (a snapshot removed from raw, say) would otherwise keep its stale rows.
#}
{% macro delete_date_range(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_date_range(column) }}
    {%- endif -%}
{%- endmacro %}
