//! What running dbt_utils' own integration tests with mozt (scripts/dbt-compat.sh) showed mozt
//! lacked, each in a small dbt project on real DuckDB: a package `kit` written as dbt_utils
//! writes its macros (Jinja2's leniencies, relations checked as mappings, `kwargs`, macros that
//! return nothing until `execute`), dbt's cross-database macros, and seeds typed as dbt-duckdb
//! types them.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

const PROFILE: &str = "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: analytics\n";

/// A dbt project `shop` with the package `kit` in dbt_packages/.
fn project() -> TestProject {
    let p = TestProject::empty();
    p.write("dbt_project.yml", "name: shop\nversion: '1.0.0'\nconfig-version: 2\nprofile: shop\n")
        .write("profiles.yml", PROFILE)
        .write("dbt_packages/kit/dbt_project.yml", "name: kit\nversion: '1.0.0'\nconfig-version: 2\n")
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
            "select lit, escaped, six, seven, ab, replaced, len, pos, tail, \
             bool_text, days, month_end, made, arr from analytics.crossdb"
        ),
        vec![vec![
            "it",
            "it's",
            "6",
            "7",
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
