{#
    A source table that a new warehouse may not have yet: raw.notifications appears with the
    first notification set-up or intake, quality.validation_results with the first gate. Until
    then the model reads an empty relation of the given columns instead of failing, so a first
    `dbt build` (or one on test fixtures) works. Dagster creates both tables before each dbt build,
    so the staging views it builds always point at the real tables.
    `columns`: {name: duckdb type}, in the source's column order.
#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) is none -%}
        (
            select
                {%- for name, type in columns.items() %}
                    cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
                {%- endfor %}
            where false
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#
    source_or_empty with the columns the source's YAML documents (name and data_type, in order), for
    sources whose YAML is kept equal to the writer's DDL by a test (calibration.*).
#}
{% macro documented_source_or_empty(source_name, table_name) -%}
    {%- set columns = {} -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {%- for name, column in node.columns.items() -%}
                    {%- do columns.update({name: column.data_type}) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ source_or_empty(source_name, table_name, columns) }}
{%- endmacro %}
