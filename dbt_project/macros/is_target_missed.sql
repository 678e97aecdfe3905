{#
    Our own reading of Amazon's target: TRUE when `value` fails `target_condition` against
    `target_value`, NULL when any input is missing or the condition is unknown. Amazon's targets
    are strict: LESS_THAN 0.01 means a rate of exactly 0.01 misses it. This never replaces
    Amazon's `status`; both stay visible side by side.
#}
{% macro is_target_missed(value, target_value, target_condition) -%}
    case
        when {{ value }} is null or {{ target_value }} is null then null
        when {{ target_condition }} = 'LESS_THAN' then not ({{ value }} < {{ target_value }})
        when {{ target_condition }} = 'GREATER_THAN' then not ({{ value }} > {{ target_value }})
        when {{ target_condition }} = 'EQUALS' then not ({{ value }} = {{ target_value }})
    end
{%- endmacro %}

{#
    How hard a value presses on its target: 1.0 is exactly at the target, above 1.0 misses it.
    LESS_THAN: value / target; GREATER_THAN: shortfall (1 - value) / allowed shortfall (1 - target)
    for rates in [0, 1]. EQUALS targets (policy counts) give NULL: they are not rates.
    Used to pick "the worst metric" for the summary.
#}
{% macro target_pressure(value, target_value, target_condition) -%}
    case
        when {{ target_condition }} = 'LESS_THAN' and {{ target_value }} > 0
            then {{ value }} / {{ target_value }}
        when {{ target_condition }} = 'GREATER_THAN' and {{ target_value }} < 1
            then (1 - {{ value }}) / (1 - {{ target_value }})
    end
{%- endmacro %}
