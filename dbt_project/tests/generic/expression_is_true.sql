{#
    Generic test: `expression` holds on every row (a row invariant beside the SQL). A small
    stand-in for dbt_utils.expression_is_true, so the project needs no packages download.
    Fails with the rows where it is false or NULL.
#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
