{#
    Use a model's custom schema (staging, intermediate, marts, seeds) as-is instead of dbt's
    default `<target_schema>_<custom>`: BI users query `marts.*`, and the Dagster code and the
    demo address these names directly. Models without a custom schema go to the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
