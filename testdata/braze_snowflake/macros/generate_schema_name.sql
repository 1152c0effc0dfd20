{#
    Where a model or seed is built. A node with a custom schema (`+schema: braze` in project.yml,
    or `config(schema=...)`) is built in exactly that schema, so the seeded Braze tables sit in
    `braze` as the Fivetran connector would land them; every other node goes to the target's
    schema. This replaces the default, which would build `<target.schema>_<custom>`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none or custom_schema_name | trim == '' -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
