{#
    Date and time macros shipped with mozt. Each renders SQL for target.type ('duckdb' or
    'snowflake'); arguments are SQL expressions (strings), datepart a bare word such as 'day'.
    Self-contained: no macro here calls another macro.
#}

{# Number of datepart boundaries crossed from first_date to second_date (second - first). #}
{% macro datediff(first_date, second_date, datepart) -%}
    {%- if target.type == 'snowflake' -%}
        datediff({{ datepart }}, {{ first_date }}, {{ second_date }})
    {%- else -%}
        date_diff('{{ datepart }}', {{ first_date }}, {{ second_date }})
    {%- endif -%}
{%- endmacro %}

{# from_date_or_timestamp plus interval (an integer expression) dateparts. #}
{% macro dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- if target.type == 'snowflake' -%}
        dateadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
    {%- else -%}
        ({{ from_date_or_timestamp }} + cast({{ interval }} as bigint) * interval 1 {{ datepart }})
    {%- endif -%}
{%- endmacro %}

{# date truncated to the start of its datepart (day, week, month, quarter, year, hour, ...). #}
{% macro date_trunc(datepart, date) -%}
    {%- if target.type == 'snowflake' -%}
        date_trunc({{ datepart }}, {{ date }})
    {%- else -%}
        date_trunc('{{ datepart }}', {{ date }})
    {%- endif -%}
{%- endmacro %}

{# The current time in UTC, as a timestamp without time zone. #}
{% macro current_timestamp() -%}
    {%- if target.type == 'snowflake' -%}
        sysdate()
    {%- else -%}
        cast((current_timestamp at time zone 'UTC') as timestamp)
    {%- endif -%}
{%- endmacro %}

{# Unix epoch seconds (a number, fractions allowed) to a UTC timestamp without time zone. #}
{% macro to_timestamp_epoch(expr) -%}
    {%- if target.type == 'snowflake' -%}
        to_timestamp_ntz({{ expr }})
    {%- else -%}
        epoch_ms(cast(round(({{ expr }}) * 1000) as bigint))
    {%- endif -%}
{%- endmacro %}
