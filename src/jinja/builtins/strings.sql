{#
    String and JSON macros shipped with mozt. Each dispatches like the date macros (dates.sql).
#}

{# The part_number-th (1-based) piece of string_text split on delimiter_text. #}
{% macro split_part(string_text, delimiter_text, part_number) -%}
    {{ return(adapter.dispatch('split_part', 'dbt')(string_text, delimiter_text, part_number)) }}
{%- endmacro %}
{% macro default__split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}

{#
    The value at path inside a JSON document held as text, as text (null when absent).
    path is a literal dotted key path without a leading '$', e.g. 'payment_method' or 'a.b'.
#}
{% macro json_extract_string(json_text, path) -%}
    {{ return(adapter.dispatch('json_extract_string', 'dbt')(json_text, path)) }}
{%- endmacro %}
{% macro default__json_extract_string(json_text, path) -%}
    json_extract_string({{ json_text }}, '$.{{ path }}')
{%- endmacro %}
{% macro snowflake__json_extract_string(json_text, path) -%}
    json_extract_path_text({{ json_text }}, '{{ path }}')
{%- endmacro %}

{# The text of each SQL expression in fields (a list), joined end to end. #}
{% macro concat(fields) -%}
    {{ return(adapter.dispatch('concat', 'dbt')(fields)) }}
{%- endmacro %}
{% macro default__concat(fields) -%}
    concat({{ fields | join(', ') }})
{%- endmacro %}

{# value as a SQL string literal (value is written as it is: quotes in it are not escaped). #}
{% macro string_literal(value) -%}
    {{ return(adapter.dispatch('string_literal', 'dbt')(value)) }}
{%- endmacro %}
{% macro default__string_literal(value) -%}
    '{{ value }}'
{%- endmacro %}
