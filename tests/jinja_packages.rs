//! dbt packages' Jinja, run unmodified on real DuckDB: macros under a package's namespace,
//! `adapter.dispatch` with the root's `dispatch:` order, root macros over built-in ones, and
//! templates that look at the warehouse (`adapter.get_columns_in_relation`, `run_query`,
//! `statement`/`load_result`), rendered again at run time; and `mozt run-operation`.

mod common;

use common::TestProject;

/// A package `utilpkg` under dbt_packages/, as `mozt deps` installs one: macros that dispatch,
/// call each other by bare name across files, and read a relation's columns.
fn with_package(p: &TestProject) -> &TestProject {
    p.write(
        "dbt_packages/utilpkg/dbt_project.yml",
        "name: utilpkg\nversion: '1.0.0'\nmacro-paths: [\"macros\"]\n",
    )
    .write(
        "dbt_packages/utilpkg/macros/greet.sql",
        "{% macro greet(x) -%}\n  {{ return(adapter.dispatch('greet', 'utilpkg')(x)) }}\n{%- endmacro %}\n\
         {% macro default__greet(x) -%}'hello ' || {{ x }}{%- endmacro %}\n\
         {% macro duckdb__greet(x) -%}'duck ' || {{ helper(x) }}{%- endmacro %}\n\
         {% macro shout(x) -%}upper({{ greet(x) }}){%- endmacro %}\n",
    )
    .write(
        "dbt_packages/utilpkg/macros/columns.sql",
        "{% macro helper(x) -%}lower({{ x }}){%- endmacro %}\n\
         {% macro star(from, except=[]) -%}\n\
         {%- set cols = [] -%}\n\
         {%- for c in adapter.get_columns_in_relation(from) if c.name | lower not in except -%}\n\
         {{ c.quoted }}{% if not loop.last %}, {% endif %}\n\
         {%- endfor -%}\n\
         {%- endmacro %}\n",
    )
}

#[test]
fn package_macros_are_namespaced_and_dispatched_with_the_roots_order() {
    let p = TestProject::new("shop");
    with_package(&p)
        .write(
            "models/greetings.sql",
            "select {{ utilpkg.greet(\"'Ann'\") }} as greeting,\n  {{ utilpkg.shout(\"'Bob'\") }} as shouted,\n  \
             cast(1 as {{ dbt.type_string() }}) as typed,\n  \
             {{ dbt.datediff(\"date '2024-01-01'\", \"date '2024-01-03'\", 'day') }} as builtin_days,\n  \
             {{ datediff(\"date '2024-01-01'\", \"date '2024-01-03'\", 'day') }} as root_days,\n  \
             {{ dbt.hash(\"'a'\") }} as hashed\n",
        )
        // The root overrides a built-in by its bare name (dbt.datediff keeps dbt's), and the
        // default__ implementation dbt.hash dispatches to.
        .write(
            "macros/overrides.sql",
            "{% macro datediff(a, b, part) -%}({{ b }} - {{ a }}){%- endmacro %}\n\
             {% macro default__hash(field) -%}'root:' || {{ field }}{%- endmacro %}\n",
        );
    p.ok(&["run"]);
    let compiled = p.read("target/compiled/shop/models/greetings.sql");
    insta::assert_snapshot!("package_macros", compiled);
    assert_eq!(
        p.query("select greeting, shouted, typed, builtin_days, root_days, hashed from analytics.greetings"),
        vec![vec!["duck ann", "DUCK BOB", "1", "2", "2", "root:a"]]
    );

    // The root's `dispatch:` puts its own greet first, for the package's calls too.
    p.write(
        "project.yml",
        &common::project_yml(
            "shop",
            "dispatch:\n  - macro_namespace: utilpkg\n    search_order: [shop, utilpkg]\n",
        ),
    )
    .write(
        "macros/greet.sql",
        "{% macro duckdb__greet(x) -%}'root ' || {{ x }}{%- endmacro %}\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query("select greeting, shouted from analytics.greetings"),
        vec![vec!["root Ann", "ROOT BOB"]]
    );
    // Without the override in the search order, the package's own comes first again.
    p.write(
        "project.yml",
        &common::project_yml(
            "shop",
            "dispatch:\n  - macro_namespace: utilpkg\n    search_order: [utilpkg, shop]\n",
        ),
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query("select greeting from analytics.greetings"),
        vec![vec!["duck ann"]]
    );
}

#[test]
fn a_dispatch_that_finds_nothing_says_what_it_looked_for() {
    let p = TestProject::new("shop");
    with_package(&p).write(
        "models/m.sql",
        "select {{ adapter.dispatch('nothing', 'utilpkg')() }} as x\n",
    );
    let out = p.mozt(&["parse"]);
    out.assert_project_error();
    assert!(
        out.stderr
            .contains("No macro named 'nothing' found within namespace: 'utilpkg'")
            && out
                .stderr
                .contains("'utilpkg.duckdb__nothing', 'utilpkg.default__nothing'")
            && out.stderr.contains("models/m.sql"),
        "{}",
        out.stderr
    );
}

/// The named case: a staging model that lists its source's columns from the warehouse.
#[test]
fn a_staging_model_is_built_from_the_columns_of_its_source() {
    let p = TestProject::new("shop");
    with_package(&p)
        .write("seeds/raw_people.csv", "id,full_name,email,secret\n1,Ann,a@x,s1\n2,Bob,b@x,s2\n")
        .write(
            "models/sources.yml",
            "sources:\n  - name: raw\n    schema: analytics\n    tables:\n      - name: raw_people\n",
        )
        .write(
            "models/stg_people.sql",
            "select\n\
             {%- for col in adapter.get_columns_in_relation(source('raw', 'raw_people')) if col.name != 'secret' %}\n    \
             {{ col.name }} as person_{{ col.name }}{{ ',' if not loop.last }}\n\
             {%- endfor %}\n\
             from {{ source('raw', 'raw_people') }}\n",
        )
        .write(
            "models/people_star.sql",
            "select {{ utilpkg.star(ref('stg_people'), except=['person_email']) }} from {{ ref('stg_people') }}\n",
        );
    // Offline, the introspection answers nothing (as dbt's parse), and the SQL check leaves
    // these models out instead of failing on SQL that only exists at run time.
    p.ok(&["compile"]);
    assert!(
        !p.read("target/compiled/shop/models/stg_people.sql")
            .contains("person_id"),
        "compile is offline"
    );
    p.ok(&["seed"]);
    p.ok(&["run"]);
    let stg = p.read("target/compiled/shop/models/stg_people.sql");
    let star = p.read("target/compiled/shop/models/people_star.sql");
    insta::assert_snapshot!("staging_from_source_columns", format!("{stg}\n---\n{star}"));
    assert_eq!(
        p.query("select * from analytics.people_star order by 1"),
        vec![vec!["1", "Ann"], vec!["2", "Bob"]]
    );
    // A generic test that reads the tested relation's columns runs its run-time render.
    p.write(
        "tests/generic/column_count.sql",
        "{% test column_count(model, expected) %}\n\
         select 1 as failure where {{ adapter.get_columns_in_relation(model) | length }} != {{ expected }}\n\
         {% endtest %}\n",
    )
    .write(
        "models/stg.yml",
        "models:\n  - name: stg_people\n    data_tests:\n      - column_count: {expected: 3}\n",
    );
    p.ok(&["test"]);
    // `mozt show` renders an introspective model against the warehouse too.
    let shown = p.ok(&["show", "-s", "stg_people", "--output", "csv"]);
    assert_eq!(
        shown.stdout.lines().next(),
        Some("person_id,person_full_name,person_email")
    );
    assert_eq!(
        p.query(
            "select column_name from information_schema.columns where table_name = 'stg_people' order by ordinal_position"
        ),
        vec![vec!["person_id"], vec!["person_full_name"], vec!["person_email"]]
    );
}

#[test]
fn run_query_and_statement_results_shape_a_model() {
    let p = TestProject::new("shop");
    p.write("seeds/payments.csv", "id,method,amount\n1,card,10\n2,cash,5\n3,card,7\n")
        .write(
            "models/pivot.sql",
            "{%- set methods_query -%}select distinct method from {{ ref('payments') }} order by 1{%- endset -%}\n\
             {%- set results = run_query(methods_query) -%}\n\
             {%- if execute -%}{%- set methods = results.columns[0].values() -%}{%- else -%}{%- set methods = [] -%}{%- endif -%}\n\
             {%- call statement('total', fetch_result=True) -%}select sum(amount) as total from {{ ref('payments') }}{%- endcall -%}\n\
             {%- set total = load_result('total')['data'][0][0] if execute else 0 -%}\n\
             select\n\
             {%- for m in methods %}\n    sum(case when method = '{{ m }}' then amount end) as {{ m }}_amount,\n{%- endfor %}\n    \
             {{ total }} as total_amount,\n    {{ zip(['a', 'b'], [1, 2]) | length }} as pairs,\n    \
             '{{ local_md5('mozt') }}' as md5,\n    {{ set([1, 1, 2]) | length }} as distinct_items,\n    \
             '{{ this.include(database=False).render() }}' as me\n\
             from {{ ref('payments') }}\n",
        );
    p.ok(&["build"]);
    insta::assert_snapshot!("run_query_pivot", p.read("target/compiled/shop/models/pivot.sql"));
    assert_eq!(
        p.query("select card_amount, cash_amount, total_amount, pairs, md5, distinct_items, me from analytics.pivot"),
        vec![vec![
            "17",
            "5",
            "22",
            "2",
            "3bd5c0366dd33bf0d7300430c751f180",
            "2",
            "analytics.\"pivot\""
        ]]
    );
}

#[test]
fn run_operation_calls_a_macro_against_the_warehouse() {
    let p = TestProject::new("shop");
    with_package(&p)
        .write("seeds/people.csv", "id,name\n1,Ann\n2,Bob\n")
        .write(
            "macros/ops.sql",
            "{% macro archive(schema_name, suffix='old') %}\n\
             {% call statement('copy') %}create or replace table {{ schema_name }}.people_{{ suffix }} as select * from {{ ref('people') }}{% endcall %}\n\
             {% set n = run_query('select count(*) from ' ~ schema_name ~ '.people_' ~ suffix) %}\n\
             {{ log('archived ' ~ n.rows[0][0] ~ ' rows', info=True) }}\n\
             {{ return(n.rows[0][0]) }}\n\
             {% endmacro %}\n",
        );
    p.ok(&["seed"]);
    let out = p.ok(&[
        "run-operation",
        "archive",
        "--args",
        "{schema_name: analytics, suffix: v1}",
    ]);
    insta::assert_snapshot!("run_operation", out.stdout);
    assert!(out.stderr.contains("archived 2 rows"), "{}", out.stderr);
    assert_eq!(p.scalar("select count(*) from analytics.people_v1"), "2");
    // A package macro by its namespace.
    let out = p.ok(&["run-operation", "utilpkg.shout", "--args", "{x: \"'q'\"}"]);
    assert!(out.stdout.contains("upper('duck ' || lower('q'))"), "{}", out.stdout);
    // Unknown macros and bad --args are usage errors.
    let out = p.mozt(&["run-operation", "archiv"]);
    out.assert_project_error();
    assert!(out.stderr.contains("did you mean archive"), "{}", out.stderr);
    p.mozt(&["run-operation", "archive", "--args", "[1, 2]"])
        .assert_project_error();
}
