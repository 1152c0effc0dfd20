{#
    Normalize a Braze event_type into an action. Braze writes either the short name (`Open`) or
    the full Currents name (`users.messages.email.Open`), depending on the account and connector
    version, so the name is matched on its last dot-separated part, case-insensitively.
    Unknown names give 'unknown' (which the accepted_values tests on `action` then report).
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
    case
    {%- for pair in actions %}
        when lower({{ column }}) = '{{ pair[0] }}' or lower({{ column }}) like '%.{{ pair[0] }}' then '{{ pair[1] }}'
    {%- endfor %}
        else 'unknown'
    end
{%- endmacro %}
