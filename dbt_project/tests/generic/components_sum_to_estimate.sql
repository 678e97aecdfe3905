{#
    Generic test for fct_rating_components: the points of all components of a rating add up to
    the estimated rating carried on every row (explainability: the chart sums to the number).
#}
{% test components_sum_to_estimate(model, group_by, points_column, estimate_column) %}
    {%- set keys = group_by | join(', ') %}
    select
        {{ keys }},
        sum({{ points_column }}) as points_total,
        max({{ estimate_column }}) as estimate
    from {{ model }}
    group by {{ keys }}
    having sum({{ points_column }}) <> max({{ estimate_column }})
{% endtest %}
