{#- mozt's built-in generic data tests. Each one renders a query that returns the failing rows.
    A project overrides any of them by defining a test (or macro) of the same name, e.g.
    `{% test not_null(model, column_name) %}` in tests/generic/ or macros/. -#}

{#- The relation a test reads: the model itself (the relation, so that a test can read
    `model.identifier`), or only its rows matching the test's `where` config, as a subquery. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        (select * from {{ relation }} where {{ where }}) as mozt_where_subquery
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{% test not_null(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endtest %}

{#- One row per duplicated value, with how many times it occurs. -#}
{% test unique(model, column_name) %}
select {{ column_name }} as duplicated_value, count(*) as occurrences
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endtest %}

{#- One row per value outside the list, with how many rows hold it. Nulls are not checked. -#}
{% test accepted_values(model, column_name, values, quote=true) %}
with found as (
    select {{ column_name }} as found_value, count(*) as occurrences
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}
)
select found_value, occurrences
from found
where found_value not in (
    {%- for v in values -%}
        {%- if quote -%}'{{ v | string | replace("'", "''") }}'{%- else -%}{{ v }}{%- endif -%}
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
)
{% endtest %}

{#- Rows whose (non-null) value is missing from `field` of the relation `to`. -#}
{% test relationships(model, column_name, to, field) %}
with children as (
    select {{ column_name }} as child_value
    from {{ model }}
    where {{ column_name }} is not null
),
parents as (
    select {{ field }} as parent_value
    from {{ to }}
)
select children.child_value
from children
left join parents on children.child_value = parents.parent_value
where parents.parent_value is null
{% endtest %}

{#- Whether the test being rendered stores its failing rows: its `store_failures` config, else
    `--store-failures` (dbt_utils' tests select every column only then). -#}
{% macro should_store_failures() -%}
    {%- set configured = config.get('store_failures') -%}
    {{ return(flags.STORE_FAILURES if configured is none else configured) }}
{%- endmacro %}
