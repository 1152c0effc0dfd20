{#
    Date and time macros shipped with mozt (dbt's cross-database macros). Each one dispatches
    (adapter.dispatch(name, 'dbt')): `<adapter>__name` where the warehouse's SQL differs, else
    `default__name` (DuckDB's form). A project overrides one for its warehouse by defining
    `duckdb__name`, `snowflake__name` or `default__name` in its macros/.
    Arguments are SQL expressions (strings); datepart is a bare word such as 'day'.
#}

{# Number of datepart boundaries crossed from first_date to second_date (second - first). #}
{% macro datediff(first_date, second_date, datepart) -%}
    {{ return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) }}
{%- endmacro %}
{#- Both sides as timestamps, as dbt-duckdb's: a date or a string literal ('2024-07-01') works. -#}
{% macro default__datediff(first_date, second_date, datepart) -%}
    date_diff('{{ datepart }}', cast({{ first_date }} as timestamp), cast({{ second_date }} as timestamp))
{%- endmacro %}
{% macro snowflake__datediff(first_date, second_date, datepart) -%}
    datediff({{ datepart }}, {{ first_date }}, {{ second_date }})
{%- endmacro %}

{# from_date_or_timestamp plus interval (an integer expression) dateparts. #}
{% macro dateadd(datepart, interval, from_date_or_timestamp) -%}
    {{ return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) }}
{%- endmacro %}
{% macro default__dateadd(datepart, interval, from_date_or_timestamp) -%}
    ({{ from_date_or_timestamp }} + cast({{ interval }} as bigint) * interval 1 {{ datepart }})
{%- endmacro %}
{% macro snowflake__dateadd(datepart, interval, from_date_or_timestamp) -%}
    dateadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{# date truncated to the start of its datepart (day, week, month, quarter, year, hour, ...). #}
{% macro date_trunc(datepart, date) -%}
    {{ return(adapter.dispatch('date_trunc', 'dbt')(datepart, date)) }}
{%- endmacro %}
{% macro default__date_trunc(datepart, date) -%}
    date_trunc('{{ datepart }}', {{ date }})
{%- endmacro %}
{% macro snowflake__date_trunc(datepart, date) -%}
    date_trunc({{ datepart }}, {{ date }})
{%- endmacro %}

{# The current time in UTC, as a timestamp without time zone. #}
{% macro current_timestamp() -%}
    {{ return(adapter.dispatch('current_timestamp', 'dbt')()) }}
{%- endmacro %}
{% macro default__current_timestamp() -%}
    cast((current_timestamp at time zone 'UTC') as timestamp)
{%- endmacro %}
{% macro snowflake__current_timestamp() -%}
    sysdate()
{%- endmacro %}

{#- dbt's older names for the current time, kept for packages written against dbt_utils' former
    current_timestamp macros (Fivetran's call dbt.current_timestamp_in_utc_backcompat()): the
    same UTC time without time zone as current_timestamp(). -#}
{% macro current_timestamp_backcompat() -%}
    {{ return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) }}
{%- endmacro %}
{% macro default__current_timestamp_backcompat() -%}
    {{ return(current_timestamp()) }}
{%- endmacro %}
{% macro current_timestamp_in_utc_backcompat() -%}
    {{ return(adapter.dispatch('current_timestamp_in_utc_backcompat', 'dbt')()) }}
{%- endmacro %}
{% macro default__current_timestamp_in_utc_backcompat() -%}
    {{ return(current_timestamp()) }}
{%- endmacro %}

{# Unix epoch seconds (a number, fractions allowed) to a UTC timestamp without time zone. #}
{% macro to_timestamp_epoch(expr) -%}
    {{ return(adapter.dispatch('to_timestamp_epoch', 'dbt')(expr)) }}
{%- endmacro %}
{% macro default__to_timestamp_epoch(expr) -%}
    epoch_ms(cast(round(({{ expr }}) * 1000) as bigint))
{%- endmacro %}
{% macro snowflake__to_timestamp_epoch(expr) -%}
    to_timestamp_ntz({{ expr }})
{%- endmacro %}

{# The last day of the datepart ('month', 'quarter', 'year', ...) holding date, as a date. #}
{% macro last_day(date, datepart) -%}
    {{ return(adapter.dispatch('last_day', 'dbt')(date, datepart)) }}
{%- endmacro %}
{% macro default__last_day(date, datepart) -%}
    cast({{ dbt.dateadd('day', '-1', dbt.dateadd(datepart, '1', dbt.date_trunc(datepart, date))) }} as date)
{%- endmacro %}
{% macro snowflake__last_day(date, datepart) -%}
    last_day({{ date }}, {{ datepart }})
{%- endmacro %}

{# The date of year, month and day (numbers or SQL expressions). #}
{% macro date(year, month, day) -%}
    {{ return(adapter.dispatch('date', 'dbt')(year, month, day)) }}
{%- endmacro %}
{% macro default__date(year, month, day) -%}
    make_date({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}
{% macro snowflake__date(year, month, day) -%}
    date_from_parts({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}
