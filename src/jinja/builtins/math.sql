{#
    Arithmetic macros shipped with mozt.
    Self-contained: no macro here calls another macro.
#}

{#
    numerator / denominator as a double, or null when the denominator is zero or null
    (integer division never truncates).
#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}
