{#
    The calendar date an SP-API date or timestamp string is written with, or NULL when it is none.
    Amazon's report windows are calendar days: `2026-11-13T23:59:59-08:00` ends a window on 13 November
    although that moment is 14 November in UTC, so the offset is never applied (the Python parsers read
    the V1 `timeFrame` the same way). Amazon writes `2020-10-20T00:00Z` (schema examples),
    `2026-09-24T23:59:59Z` (live data); fractional seconds, offsets and a bare date are accepted.
#}
{% macro spapi_date(expression) -%}
    try_cast(regexp_extract({{ expression }}, '^\s*(\d{4}-\d{2}-\d{2})(?:[T ]|$)', 1) as date)
{%- endmacro %}
