//! What running dbt_utils' own integration tests with mozt (scripts/dbt-compat.sh) showed mozt
//! lacked, each in a small dbt project on real DuckDB: a package `kit` written as dbt_utils
//! writes its macros (Jinja2's leniencies, relations checked as mappings, `kwargs`, macros that
//! return nothing until `execute`), dbt's cross-database macros, and seeds typed as dbt-duckdb
//! types them.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

/// A dbt project `shop` with the package `kit` in dbt_packages/.
fn project() -> TestProject {
    let p = TestProject::dbt("");
    p.write("dbt_packages/kit/dbt_project.yml", "name: kit\nversion: '1.0.0'\nconfig-version: 2\n")
        .write(
            "dbt_packages/kit/macros/checks.sql",
            // dbt_utils' way of checking an argument is a relation.
            "{% macro is_relation(obj) %}\
             {%- if not (obj is mapping and obj.get('metadata', {}).get('type', '').endswith('Relation')) -%}\
             {%- do exceptions.raise_compiler_error('expected a Relation, got ' ~ obj) -%}\
             {%- endif -%}\
             {% endmacro %}\n\
             {% macro counted(relation, group_by=[]) %}\
             {%- do kit.is_relation(relation) -%}\
             {%- if group_by | length > 0 %}{% set gb_cols = group_by | join(', ') ~ ', ' %}{% endif -%}\
             select {{ gb_cols }}count(*) as n from {{ relation }}{% if group_by %} group by {{ group_by | join(', ') }}{% endif %}\
             {% endmacro %}\n",
        )
        .write(
            "dbt_packages/kit/macros/at_least.sql",
            // Reads `at_least` from kwargs: no parameter of that name.
            "{% test share_not_null(model, group_by_columns=[]) %}\
             {%- set column_name = kwargs.get('column_name') -%}\
             {%- set at_least = kwargs.get('at_least', 1) -%}\
             select * from (select avg(case when {{ column_name }} is null then 0 else 1 end) as share from {{ model }}) s \
             where share < {{ at_least }}\
             {% endtest %}\n\
             {% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}\n",
        )
        .write(
            "dbt_packages/kit/macros/union.sql",
            // Returns nothing until `execute`, then reads the warehouse; a dict of lists built up
            // with update() and append(), as union_relations builds its columns.
            "{% macro union_all(relations) %}\
             {%- if not execute %}{{ return('') }}{% endif -%}\
             {%- set columns = {} -%}\
             {%- for r in relations -%}\
             {%- do columns.update({r.identifier: []}) -%}\
             {%- for c in adapter.get_columns_in_relation(r) -%}{%- do columns[r.identifier].append(c.name) -%}{%- endfor -%}\
             {%- endfor -%}\
             {%- for r in relations %}select {{ columns[r.identifier] | join(', ') }} from {{ r }}{% if not loop.last %} union all {% endif %}{% endfor -%}\
             {% endmacro %}\n",
        )
        .write(
            "dbt_packages/kit/macros/label.sql",
            // Called without its argument: the missing value joins with `~` as '' (Jinja2).
            "{% macro label(message) %}{{ return('note: ' ~ message) }}{% endmacro %}\n",
        )
        .write("models/a.sql", "select 1 as id union all select 2\n")
        .write("models/b.sql", "select 3 as id\n");
    p
}

#[test]
fn package_macros_written_for_jinja2_run() {
    let p = project();
    p.write("models/counts.sql", "{{ kit.counted(ref('a')) }}\n")
        .write("models/counts_by_id.sql", "{{ kit.counted(ref('a'), ['id']) }}\n")
        .write("models/both.sql", "{{ kit.union_all([ref('a'), ref('b')]) }}\n")
        .write(
            "models/labels.sql",
            "select '{{ kit.label() }}' as bare, {{ kit.label() is string }} as is_text, \
             '{{ kit.label('x') }}' as given\n",
        )
        .write(
            "models/schema.yml",
            "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          \
             - kit.share_not_null:\n              at_least: 0.9\n          - kit.positive\n",
        )
        // The root's own test of that name: `kit.positive` is still the package's.
        .write(
            "macros/positive.sql",
            "{% test positive(model, column_name) %}select 1 as always_fails{% endtest %}\n",
        );
    p.ok(&["build"]);
    assert_eq!(p.scalar("select n from analytics.counts"), "2");
    assert_eq!(
        p.query("select id, n from analytics.counts_by_id order by id"),
        vec![vec!["1", "1"], vec!["2", "1"]]
    );
    assert_eq!(
        p.query("select id from analytics.both order by id"),
        vec![vec!["1"], vec!["2"], vec!["3"]]
    );

    assert_eq!(
        p.query("select bare, is_text, given from analytics.labels"),
        vec![vec!["note: ", "true", "note: x"]]
    );

    // A string is not a relation: the package's own check says so.
    p.write("models/counts.sql", "{{ kit.counted('a') }}\n");
    let out = p.mozt(&["run"]);
    out.assert_code(2);
    assert!(out.stderr.contains("expected a Relation, got a"), "{}", out.stderr);
}

#[test]
fn a_tests_kwargs_reach_the_macro_and_fail_it() {
    let p = project();
    p.write("models/sparse.sql", "select 1 as v union all select null\n")
        .write(
            "models/schema.yml",
            "version: 2\nmodels:\n  - name: sparse\n    columns:\n      - name: v\n        data_tests:\n          \
         - kit.share_not_null:\n              at_least: 0.9\n",
        );
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("FAIL kit_share_not_null_sparse_0_9__v (1 failing)"),
        "{}",
        out.stdout
    );
}

#[test]
fn dbts_cross_database_macros_render_for_duckdb() {
    let p = project();
    p.write(
        "models/crossdb.sql",
        "select {{ dbt.string_literal('it') }} as lit,\n  \
         '{{ dbt.escape_single_quotes(\"it's\") }}' as escaped,\n  \
         {{ dbt.safe_cast(\"'6'\", dbt.type_int()) }} as six,\n  \
         {{ dbt.cast(\"'7'\", dbt.type_bigint()) }} as seven,\n  \
         typeof({{ dbt.cast(\"'0.5'\", dbt.type_float()) }}) as float_type,\n  \
         {{ dbt.concat([\"'a'\", \"'b'\"]) }} as ab,\n  \
         {{ dbt.replace(\"'a-b'\", \"'-'\", \"'+'\") }} as replaced,\n  \
         {{ dbt.length(\"'abc'\") }} as len,\n  \
         {{ dbt.position(\"'b'\", \"'abc'\") }} as pos,\n  \
         {{ dbt.right(\"'abc'\", 2) }} as tail,\n  \
         {{ dbt.cast_bool_to_text('true') }} as bool_text,\n  \
         {{ dbt.datediff(\"'2024-01-01'\", \"'2024-01-03'\", 'day') }} as days,\n  \
         cast({{ dbt.last_day(\"date '2024-02-10'\", 'month') }} as varchar) as month_end,\n  \
         cast({{ dbt.date(2024, 3, 1) }} as varchar) as made,\n  \
         cast({{ dbt.array_construct(['1', '2']) }} as varchar) as arr\n",
    )
    .write(
        "models/aggregated.sql",
        "select {{ dbt.listagg('v', \"','\", 'order by v') }} as joined, {{ dbt.listagg('v', \"'|'\", 'order by v desc', 2) }} as two,\n  \
         {{ dbt.bool_or('v > 2') }} as some_big, {{ dbt.any_value('1') }} as one\n\
         from (select 1 as v union all select 3 union all select 2) t\n\
         {{ dbt.except() }} select 'x', 'y', false, 0\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query(
            "select lit, escaped, six, typeof(six), seven, typeof(seven), ab, replaced, len, pos, tail, \
             bool_text, days, month_end, made, arr from analytics.crossdb"
        ),
        vec![vec![
            "it",
            "it's",
            "6",
            "INTEGER",
            "7",
            "BIGINT",
            "ab",
            "a+b",
            "3",
            "2",
            "bc",
            "true",
            "2",
            "2024-02-29",
            "2024-03-01",
            "[1, 2]"
        ]]
    );
    assert_eq!(p.query("select float_type from analytics.crossdb"), vec![vec!["FLOAT"]]);
    assert_eq!(
        p.query("select joined, two, some_big, one from analytics.aggregated"),
        vec![vec!["1,2,3", "3|2", "true", "1"]]
    );
}

#[test]
fn seeds_take_dbt_duckdbs_types_and_adapter_drop_relation_drops() {
    let p = project();
    p.write("seeds/nums.csv", "small,big,ratio\n1,3000000000,0.5\n-2,4,1\n")
        .write("seeds/scratch.csv", "id\n1\n")
        .write(
            "macros/drop_it.sql",
            "{% macro drop_it(name) %}\
             {% do adapter.drop_relation(api.Relation.create(schema='analytics', identifier=name).incorporate(type='table')) %}\
             {% endmacro %}\n",
        )
        .write(
            "models/found.sql",
            "{% set r = load_relation(ref('nums')) %}select {{ 'true' if r is not none else 'false' }} as nums_found\n",
        );
    p.ok(&["seed"]);
    assert_eq!(
        p.query(
            "select column_name, data_type from information_schema.columns where table_name = 'nums' order by ordinal_position"
        ),
        vec![vec!["small", "INTEGER"], vec!["big", "BIGINT"], vec!["ratio", "DOUBLE"]]
    );
    p.ok(&["run-operation", "drop_it", "--args", "{name: scratch}"]);
    assert_eq!(p.relation_type("analytics", "scratch"), None, "dropped");
    // A relation that is not there is no error.
    p.ok(&["run-operation", "drop_it", "--args", "{name: scratch}"]);
    p.ok(&["run"]);
    assert_eq!(p.scalar("select nums_found from analytics.found"), "true");
}

#[test]
fn python_datetime_and_pytz_work_at_compile_time_as_in_dbt() {
    let p = project();
    p.write(
        "dbt_packages/kit/macros/when.sql",
        // dbt_date's way of comparing times while a model is rendered.
        "{% macro at(value, tz='UTC') %}\
         {%- set zone = modules.pytz.timezone(tz) -%}\
         {%- if value is string and value | length == 10 -%}\
         {{ return(zone.localize(modules.datetime.datetime.strptime(value, '%Y-%m-%d'))) }}\
         {%- elif value is string -%}\
         {%- set parsed = modules.datetime.datetime.fromisoformat(value | replace('Z', '+00:00')) -%}\
         {{ return(zone.localize(parsed) if parsed.tzinfo is none else parsed) }}\
         {%- elif value.hour is defined -%}\
         {{ return(value if value.tzinfo is not none else zone.localize(value)) }}\
         {%- endif -%}\
         {{ return(zone.localize(modules.datetime.datetime(value.year, value.month, value.day))) }}\
         {% endmacro %}\n\
         {% macro is_before(value, reference=none, tz='UTC') %}\
         {{ return(kit.at(reference or run_started_at, tz).timestamp() < kit.at(value, tz).timestamp()) }}\
         {% endmacro %}\n",
    )
    .write(
        "models/never.sql",
        "{{ config(enabled=not kit.is_before('9999-12-31')) }}\nselect 1 as one\n",
    )
    .write(
        "models/moments.sql",
        "select\n  \
         cast('{{ modules.datetime.date(1997, 9, 29) }}' as date) as d,\n  \
         '{{ modules.datetime.datetime(1997, 9, 29, 6, 14, tzinfo=modules.pytz.timezone('America/Los_Angeles')) }}' as lmt,\n  \
         {{ 1 if kit.is_before('2026-09-01', reference='2026-08-31T23:59:59Z', tz='Asia/Tokyo') else 0 }} as tokyo,\n  \
         {{ 1 if kit.is_before('2026-09-01', reference='2026-08-31T23:59:59Z') else 0 }} as utc,\n  \
         {{ 1 if kit.is_before(modules.datetime.date(2026, 9, 1), reference='2026-08-15T12:00:00Z') else 0 }} as date_obj,\n  \
         {{ 1 if kit.is_before('1970-01-01') else 0 }} as epoch\n",
    )
    .write(
        "models/window.sql",
        // dbt_expectations' date arithmetic, in a model and in a test's arguments.
        "{% set end_date = modules.datetime.datetime(2026, 3, 1, 5, 30).replace(hour=0, minute=0) %}\n\
         {% set start_date = (end_date - modules.datetime.timedelta(days=10)) %}\n\
         select cast('{{ start_date }}' as timestamp) as starts, cast('{{ end_date }}' as timestamp) as ends\n",
    )
    .write(
        "models/window.yml",
        "version: 2\nmodels:\n  - name: window\n    data_tests:\n      - kit.in_window:\n          \
         since: \"{{ modules.datetime.date(2026, 3, 1) - modules.datetime.timedelta(10) }}\"\n",
    )
    .write(
        "dbt_packages/kit/macros/in_window.sql",
        "{% test in_window(model, since) %}select * from {{ model }} where starts < cast('{{ since }}' as timestamp){% endtest %}\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query("select cast(d as varchar), lmt, tokyo, utc, date_obj, epoch from analytics.moments"),
        // pytz gives a zone passed to datetime() its local mean time (-07:53 in Los Angeles).
        vec![vec!["1997-09-29", "1997-09-29 06:14:00-07:53", "0", "1", "1", "0"]]
    );
    assert_eq!(
        p.query("select cast(starts as varchar), cast(ends as varchar) from analytics.window"),
        vec![vec!["2026-02-19 00:00:00", "2026-03-01 00:00:00"]]
    );
    p.ok(&["test"]);
    assert_eq!(
        p.query("select count(*) from information_schema.tables where table_name = 'never'"),
        vec![vec!["0"]]
    );
}

#[test]
fn a_package_test_may_leave_arguments_out_and_its_config_may_hold_jinja() {
    let p = project();
    p.write(
        "dbt_packages/kit/macros/same_count.sql",
        // dbt_expectations' way: an argument left out defaults to the model.
        "{% test same_count(model, compare_model) %}\
         {%- set other = compare_model or model -%}\
         select 1 from (select (select count(*) from {{ model }}) - (select count(*) from {{ other }}) as d) x where d != 0\
         {% endtest %}\n",
    )
    .write("models/rows.sql", "select 1 as id union all select 2\n")
    .write(
        "models/rows.yml",
        "version: 2\nmodels:\n  - name: rows\n    data_tests:\n      - kit.same_count\n      - kit.same_count:\n          \
         compare_model: ref('rows')\n          config:\n            \
         severity: \"{{ 'warn' if target.type in ['spark'] else 'error' }}\"\n            error_if: \"=0\"\n",
    );
    let out = p.mozt(&["build"]);
    // The second test fails (no failing rows is `=0`) with severity error, rendered from Jinja.
    out.assert_code(1);
    assert!(out.stdout.contains("PASS kit_same_count_rows ."), "{}", out.stdout);
    assert!(
        out.stdout.contains("FAIL kit_same_count_rows_ref_rows_ (0 failing)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("ERROR=1"), "{}", out.stdout);
}

#[test]
fn tests_named_alike_with_different_arguments_both_run_and_a_true_duplicate_is_an_error() {
    let p = project();
    p.write(
        "dbt_packages/kit/macros/matches.sql",
        "{% test matches(model, column_name, pattern) %}\
         select * from {{ model }} where not regexp_matches({{ column_name }}, '{{ pattern }}')\
         {% endtest %}\n",
    )
    .write("models/mails.sql", "select 'a@b' as email\n")
    .write(
        "models/mails.yml",
        // Both names drop the punctuation: kit_matches_mails_email___.
        "version: 2\nmodels:\n  - name: mails\n    columns:\n      - name: email\n        data_tests:\n          \
         - kit.matches:\n              pattern: \"@[^.]*\"\n          - kit.matches:\n              pattern: \"&[^.]*\"\n",
    );
    let out = p.mozt(&["build"]);
    out.assert_code(1);
    assert!(out.stdout.contains("PASS=4 WARN=0 ERROR=1"), "{}", out.stdout);
    p.write(
        "models/mails.yml",
        "version: 2\nmodels:\n  - name: mails\n    columns:\n      - name: email\n        data_tests:\n          \
         - kit.matches:\n              pattern: \"@\"\n          - kit.matches:\n              pattern: \"@\"\n",
    );
    let out = p.mozt(&["build"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("two tests are named 'kit_matches_mails_email_"),
        "{}",
        out.stderr
    );
}

#[test]
fn jinja_inside_a_list_argument_of_a_test_is_rendered() {
    let p = project();
    p.write(
        "dbt_packages/kit/macros/one_of.sql",
        "{% test one_of(model, column_name, values) %}\
         select * from {{ model }} where upper({{ column_name }}) not in ('{{ values | map('upper') | join(\"', '\") }}')\
         {% endtest %}\n",
    )
    .write("models/kinds.sql", "select 'date' as kind union all select 'timestamp'\n")
    .write(
        "models/kinds.yml",
        "version: 2\nmodels:\n  - name: kinds\n    columns:\n      - name: kind\n        data_tests:\n          \
         - kit.one_of:\n              values: [date, \"{{ dbt.type_timestamp() }}\"]\n",
    );
    let out = p.mozt(&["build"]);
    assert!(out.stdout.contains("PASS kit_one_of_kinds_kind"), "{}", out.stdout);
}
