{#
    Use a model's custom schema (staging, intermediate, seeds) as-is instead of dbt's default
    `<target_schema>_<custom>`: the Dagster code and the demo address these names directly.

    Marts are built apart and published: models configured `+schema: marts` are built into the build
    area, var('marts_build_schema') (default marts_build), where incremental marts accumulate. After
    dbt's tests and the mart gates pass, Dagster copies every table of the build area into schema
    `marts` in one transaction (orchestration/warehouse/marts.py): BI tools read `marts.*`, which only
    ever holds audited, complete publications. Models without a custom schema go to the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}
        {{ var('marts_build_schema', 'marts_build') }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
