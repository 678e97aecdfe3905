{#
    Generic test: no two rows share the same values of `combination_of_columns` (a composite key).
    A small stand-in for dbt_utils.unique_combination_of_columns, so the project needs no
    packages download. Fails with one row per duplicated key.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns_csv = combination_of_columns | join(', ') %}
    select
        {{ columns_csv }},
        count(*) as n_records
    from {{ model }}
    group by {{ columns_csv }}
    having count(*) > 1
{% endtest %}
