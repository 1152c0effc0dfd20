{#
    Hashing macros shipped with mozt. md5 gives the same 32 hex digits on DuckDB and Snowflake
    for the same text; note that casting a non-text value to text may print it differently on
    the two engines (timestamps, floats), so keys built from such values differ across engines.
    Each dispatches like the date macros (dates.sql).
#}

{# md5 hex digest of one expression cast to text (null stays null). #}
{% macro hash(field) -%}
    {{ return(adapter.dispatch('hash', 'dbt')(field)) }}
{%- endmacro %}
{% macro default__hash(field) -%}
    md5(cast({{ field }} as varchar))
{%- endmacro %}

{#
    A key built from several columns: md5 of the columns cast to text, nulls replaced by a
    marker so that (null, 'a') and ('', 'a') differ, joined with '-'. Never null.
    field_list: a list of SQL expressions, e.g. surrogate_key(['user_key', 'dispatch_id']).
#}
{% macro surrogate_key(field_list) -%}
    {{ return(adapter.dispatch('surrogate_key', 'dbt')(field_list)) }}
{%- endmacro %}
{% macro default__surrogate_key(field_list) -%}
    md5(
    {%- for field in field_list -%}
        coalesce(cast({{ field }} as varchar), '_mozt_null_')
        {%- if not loop.last %} || '-' || {% endif -%}
    {%- endfor -%}
    )
{%- endmacro %}
