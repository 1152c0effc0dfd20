{#
    Arithmetic macros shipped with mozt. Each dispatches like the date macros (dates.sql).
#}

{#
    numerator / denominator as a double, or null when the denominator is zero or null
    (integer division never truncates).
#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'dbt')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}
