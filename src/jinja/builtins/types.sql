{#
    Portable type names shipped with mozt, for casts: cast(x as {{ dbt.type_string() }}).
    Each dispatches like the date macros (dates.sql).
#}

{% macro type_string() -%}
    {{ return(adapter.dispatch('type_string', 'dbt')()) }}
{%- endmacro %}
{% macro default__type_string() -%}
    varchar
{%- endmacro %}

{# A timestamp without time zone (Snowflake TIMESTAMP_NTZ); values are meant to be UTC. #}
{% macro type_timestamp() -%}
    {{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}
{%- endmacro %}
{% macro default__type_timestamp() -%}
    timestamp
{%- endmacro %}
{% macro snowflake__type_timestamp() -%}
    timestamp_ntz
{%- endmacro %}

{# Exact decimal, for money. #}
{% macro type_numeric() -%}
    {{ return(adapter.dispatch('type_numeric', 'dbt')()) }}
{%- endmacro %}
{% macro default__type_numeric() -%}
    numeric(28, 6)
{%- endmacro %}

{# `float`, as dbt's: single precision on DuckDB (dbt-duckdb's FLOAT), double on Snowflake. #}
{% macro type_float() -%}
    {{ return(adapter.dispatch('type_float', 'dbt')()) }}
{%- endmacro %}
{% macro default__type_float() -%}
    double
{%- endmacro %}
{#- DuckDB's FLOAT (single precision), as dbt-duckdb's type_float(). -#}
{% macro duckdb__type_float() -%}
    float
{%- endmacro %}
{% macro snowflake__type_float() -%}
    float
{%- endmacro %}

{% macro type_int() -%}
    {{ return(adapter.dispatch('type_int', 'dbt')()) }}
{%- endmacro %}
{% macro default__type_int() -%}
    bigint
{%- endmacro %}
{#- DuckDB's INTEGER (32 bits), as dbt-duckdb's type_int(): a dbt package's `cast(null as
    {{ dbt.type_int() }})` columns get the type they get under dbt. Snowflake's INT is 64 bits. -#}
{% macro duckdb__type_int() -%}
    integer
{%- endmacro %}

{% macro type_boolean() -%}
    {{ return(adapter.dispatch('type_boolean', 'dbt')()) }}
{%- endmacro %}
{% macro default__type_boolean() -%}
    boolean
{%- endmacro %}

{% macro type_bigint() -%}
    {{ return(adapter.dispatch('type_bigint', 'dbt')()) }}
{%- endmacro %}
{% macro default__type_bigint() -%}
    bigint
{%- endmacro %}

{% macro cast(field, type) -%}
    {{ return(adapter.dispatch('cast', 'dbt')(field, type)) }}
{%- endmacro %}
{% macro default__cast(field, type) -%}
    cast({{ field }} as {{ type }})
{%- endmacro %}

{#
    field as type: on Snowflake null where it does not convert (try_cast); on DuckDB a plain cast,
    as dbt-duckdb's (dbt's default).
#}
{% macro safe_cast(field, type) -%}
    {{ return(adapter.dispatch('safe_cast', 'dbt')(field, type)) }}
{%- endmacro %}
{% macro default__safe_cast(field, type) -%}
    cast({{ field }} as {{ type }})
{%- endmacro %}
{# Snowflake's try_cast takes text only. #}
{% macro snowflake__safe_cast(field, type) -%}
    try_cast(cast({{ field }} as varchar) as {{ type }})
{%- endmacro %}
