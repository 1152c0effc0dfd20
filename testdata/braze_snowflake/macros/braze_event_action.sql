{#
    Normalize a Braze event_type into an action. Braze writes either the short name (`Open`) or
    the full Currents name (`users.messages.email.Open`), depending on the account and connector
    version, so the name is matched on its last dot-separated part, case-insensitively.
    Unknown names give 'unknown' (which the accepted_values tests on `action` then report).
    Plain Snowflake SQL: DECODE over the last part, which REGEXP_SUBSTR cuts out.
#}
{% macro braze_event_action(column) -%}
    {%- set actions = [
        ['send', 'send'],
        ['delivery', 'delivery'],
        ['open', 'open'],
        ['influencedopen', 'influenced_open'],
        ['click', 'click'],
        ['bounce', 'bounce'],
        ['softbounce', 'soft_bounce'],
        ['deferral', 'deferral'],
        ['markasspam', 'spam_report'],
        ['unsubscribe', 'unsubscribe'],
        ['iosforeground', 'ios_foreground'],
        ['impression', 'impression'],
        ['conversion', 'conversion'],
    ] -%}
    decode(lower(regexp_substr({{ column }}, '[^.]+$'))
    {%- for pair in actions %},
        '{{ pair[0] }}', '{{ pair[1] }}'
    {%- endfor %},
        'unknown')
{%- endmacro %}
