{#
    The estimated Account Health Rating from its components, in one place for the estimate
    (int_account_health_ratings_estimated) and the projection (fct_rating_projections); the
    calibration's Python `predict` (orchestration/calibration/model.py) is the same formula and a
    test holds the two equal. All inputs are whole points except the parameters' own values:
      unclamped = start + volume credit - deductions;
      floored   = max(unclamped, floor) while no serious (above low severity) violation is open;
      clamped   = floored kept within [min, max];
      estimate  = clamped, capped at the critical override rating while the override applies (an open
                  critical violation takes the rating down to it, never up).
#}
{% macro floored_rating(unclamped, has_serious, floor_rating) -%}
    case
        when {{ has_serious }} then {{ unclamped }}
        else greatest({{ unclamped }}, {{ floor_rating }})
    end
{%- endmacro %}

{% macro rating_estimate(unclamped, has_serious, floor_rating, is_override, override_rating, min_rating, max_rating) -%}
    case
        when {{ is_override }}
            then least(
                    {{ override_rating }},
                    least(greatest({{ floored_rating(unclamped, has_serious, floor_rating) }}, {{ min_rating }}), {{ max_rating }})
                )
        else least(greatest({{ floored_rating(unclamped, has_serious, floor_rating) }}, {{ min_rating }}), {{ max_rating }})
    end
{%- endmacro %}

{#
    Whole points of a component: parameters are fractional once calibrated, the components that
    add up to the estimate are whole (round half away from zero, as Python's model rounds them).
#}
{% macro whole_points(expression) -%}
    cast(round({{ expression }}) as integer)
{%- endmacro %}

{# The volume credit: whole steps of orders times the points per step, at most the cap. #}
{% macro volume_credit(orders, orders_per_step, points_per_step, max_points) -%}
    {{ whole_points('least(' ~ max_points ~ ', floor(' ~ orders ~ ' / ' ~ orders_per_step ~ ') * ' ~ points_per_step ~ ')') }}
{%- endmacro %}
