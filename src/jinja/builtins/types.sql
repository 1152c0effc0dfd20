{#
    Portable type names shipped with mozt, for casts: cast(x as {{ type_string() }}).
    Self-contained: no macro here calls another macro.
#}

{% macro type_string() -%}
    varchar
{%- endmacro %}

{# A timestamp without time zone (Snowflake TIMESTAMP_NTZ); values are meant to be UTC. #}
{% macro type_timestamp() -%}
    {%- if target.type == 'snowflake' -%}
        timestamp_ntz
    {%- else -%}
        timestamp
    {%- endif -%}
{%- endmacro %}

{# Exact decimal, for money. #}
{% macro type_numeric() -%}
    numeric(28, 6)
{%- endmacro %}

{# Double precision floating point, for ratios. #}
{% macro type_float() -%}
    {%- if target.type == 'snowflake' -%}
        float
    {%- else -%}
        double
    {%- endif -%}
{%- endmacro %}

{% macro type_int() -%}
    bigint
{%- endmacro %}

{% macro type_boolean() -%}
    boolean
{%- endmacro %}
