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
