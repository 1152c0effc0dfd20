{#
    Aggregates, comparisons and set operators whose SQL differs between warehouses. Each
    dispatches like the date macros (dates.sql).
#}

{# Any one of the group's values (DuckDB's arbitrary, as dbt-duckdb's: it may be null). #}
{% macro any_value(expression) -%}
    {{ return(adapter.dispatch('any_value', 'dbt')(expression)) }}
{%- endmacro %}
{% macro default__any_value(expression) -%}
    arbitrary({{ expression }})
{%- endmacro %}
{% macro snowflake__any_value(expression) -%}
    any_value({{ expression }})
{%- endmacro %}

{# True when any of the group's values is true. #}
{% macro bool_or(expression) -%}
    {{ return(adapter.dispatch('bool_or', 'dbt')(expression)) }}
{%- endmacro %}
{% macro default__bool_or(expression) -%}
    bool_or({{ expression }})
{%- endmacro %}
{% macro snowflake__bool_or(expression) -%}
    boolor_agg({{ expression }})
{%- endmacro %}

{# expr1 = expr2 (dbt 1.11's, whose behaviour flag for null-safe equality is off by default). #}
{% macro equals(expr1, expr2) -%}
    {{ return(adapter.dispatch('equals', 'dbt')(expr1, expr2)) }}
{%- endmacro %}
{% macro default__equals(expr1, expr2) -%}
    {{ expr1 }} = {{ expr2 }}
{%- endmacro %}

{% macro except() -%}
    {{ return(adapter.dispatch('except', 'dbt')()) }}
{%- endmacro %}
{% macro default__except() -%}
    except
{%- endmacro %}

{% macro intersect() -%}
    {{ return(adapter.dispatch('intersect', 'dbt')()) }}
{%- endmacro %}
{% macro default__intersect() -%}
    intersect
{%- endmacro %}

{# An array of the inputs (SQL expressions); empty, an array of data_type. #}
{% macro array_construct(inputs=[], data_type=none) -%}
    {{ return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type or dbt.type_int())) }}
{%- endmacro %}
{% macro default__array_construct(inputs, data_type) -%}
    {%- if inputs -%}
    [{{ inputs | join(', ') }}]
    {%- else -%}
    cast([] as {{ data_type }}[])
    {%- endif -%}
{%- endmacro %}
{% macro snowflake__array_construct(inputs, data_type) -%}
    array_construct({{ inputs | join(', ') }})
{%- endmacro %}

{% macro array_append(array, new_element) -%}
    {{ return(adapter.dispatch('array_append', 'dbt')(array, new_element)) }}
{%- endmacro %}
{% macro default__array_append(array, new_element) -%}
    list_append({{ array }}, {{ new_element }})
{%- endmacro %}
{% macro snowflake__array_append(array, new_element) -%}
    array_append({{ array }}, {{ new_element }})
{%- endmacro %}

{% macro array_concat(array_1, array_2) -%}
    {{ return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) }}
{%- endmacro %}
{% macro default__array_concat(array_1, array_2) -%}
    list_concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
{% macro snowflake__array_concat(array_1, array_2) -%}
    array_cat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
