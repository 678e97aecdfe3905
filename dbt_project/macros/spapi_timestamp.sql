{#
    Parse an SP-API timestamp string into a UTC TIMESTAMP, or NULL when it is not one.
    Amazon's seller performance report writes both `2020-10-20T00:00Z` (schema examples) and
    `2026-09-24T23:59:59Z` (live data); fractional seconds and a bare date are accepted too.
#}
{% macro spapi_timestamp(expression) -%}
    try_strptime(
        {{ expression }},
        ['%Y-%m-%dT%H:%MZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%d']
    )
{%- endmacro %}
