//! A DuckDB target with `dialect: snowflake` (docs/snowflake-on-duckdb.md): models written in
//! Snowflake SQL are translated and run on the real DuckDB; what cannot be translated stops
//! the run before anything runs (exit 2) naming the construct, the model file and line, and
//! what to write instead. The function families have files of their own
//! (`snowflake_dialect_<family>.rs`).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestProject, snowflake_dialect_yml};

#[test]
fn snowflake_models_run_on_duckdb_and_the_translation_is_written_beside_the_compiled_sql() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write("seeds/events.csv", "id,payload,sent_at\n1,\"{\"\"plan\"\": \"\"pro\"\", \"\"tags\"\": [\"\"a\"\", \"\"b\"\"]}\",2024-03-05 10:00:00\n2,\"{\"\"plan\"\": null}\",2024-03-01 08:30:00\n")
        .write(
            "models/stg_events.sql",
            "{{ config(materialized='table') }}\n\
             select id,\n  iff(payload:plan::string = 'pro', 'paid', 'free') as tier,\n  \
             nvl(payload:plan::string, 'none') as plan,\n  dateadd('day', -7, sent_at::date) as week_before,\n  \
             datediff(hour, '2024-03-01 00:00:00'::timestamp_ntz, sent_at) as hours_in\n\
             from {{ ref('events') }}\n",
        )
        .write(
            "models/event_tags.sql",
            "{{ config(materialized='table') }}\n\
             select e.id, f.index as position, f.value::string as tag\n\
             from {{ ref('events') }} e, lateral flatten(input => parse_json(e.payload):tags) f\n",
        );
    p.ok(&["build"]);
    assert_eq!(
        p.query("select id, tier, plan, cast(week_before as varchar), hours_in from analytics.stg_events order by id"),
        vec![
            vec!["1", "paid", "pro", "2024-02-27", "106"],
            vec!["2", "free", "none", "2024-02-23", "8"],
        ]
    );
    assert_eq!(
        p.query("select id, position, tag from analytics.event_tags order by id, position"),
        vec![vec!["1", "0", "a"], vec!["1", "1", "b"]]
    );
    // Unquoted names fold to upper case, as on Snowflake.
    assert_eq!(
        p.query("select column_name from information_schema.columns where table_name = 'stg_events' order by ordinal_position"),
        vec![vec!["ID"], vec!["TIER"], vec!["PLAN"], vec!["WEEK_BEFORE"], vec!["HOURS_IN"]]
    );
    // target/compiled/ keeps the Snowflake SQL; target/translated/ holds what ran.
    let compiled = p.read("target/compiled/shop/models/stg_events.sql");
    assert!(compiled.contains("iff(payload:plan::string"), "{compiled}");
    let translated = p.read("target/translated/shop/models/stg_events.sql");
    assert!(
        translated.contains("CASE WHEN") && translated.contains("json_extract") && !translated.contains("iff(payload"),
        "{translated}"
    );
    p.ok(&["compile"]);
    assert!(p.path().join("target/translated/shop/models/event_tags.sql").exists());
}

#[test]
fn templates_see_target_type_snowflake_and_dispatch_prefers_snowflake_macros() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write(
        "macros/greeting.sql",
        "{% macro greeting() %}{{ return(adapter.dispatch('greeting')()) }}{% endmacro %}\n\
         {% macro snowflake__greeting() %}'snowflake macro'{% endmacro %}\n\
         {% macro duckdb__greeting() %}'duckdb macro'{% endmacro %}\n\
         {% macro default__greeting() %}'default macro'{% endmacro %}\n",
    )
    .write(
        "models/m.sql",
        "{{ config(materialized='table') }}\nselect '{{ target.type }}' as target_type, '{{ adapter.type() }}' as adapter_type, {{ greeting() }} as greeting,\n  \
         {% if target.type == 'snowflake' %}iff(true, 1, 0){% else %}0{% endif %} as branch\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query("select target_type, adapter_type, greeting, cast(branch as varchar) from analytics.m"),
        vec![vec!["snowflake", "snowflake", "snowflake macro", "1"]]
    );
}

#[test]
fn a_construct_that_cannot_be_translated_stops_the_run_naming_file_line_and_alternative() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write("models/ok.sql", "select 1 as id\n").write(
        "models/keys.sql",
        "select\n  id,\n  hash(id) as key\nfrom {{ ref('ok') }}\n",
    );
    let out = p.mozt(&["run"]);
    out.assert_code(2);
    let err = &out.stderr;
    assert!(err.contains("HASH"), "{err}");
    assert!(err.contains("models/keys.sql:3:3"), "{err}");
    assert!(err.contains("MD5"), "{err}");
    assert!(err.contains("target/compiled/shop/models/keys.sql"), "{err}");
    // Nothing ran: the error came before the first model.
    assert!(!p.db_path().exists() || p.relations().is_empty(), "{:?}", p.relations());
    // compile reports it too.
    p.mozt(&["compile"]).assert_code(2);
}

#[test]
fn a_refusal_in_sql_a_macro_wrote_points_at_the_compiled_file() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write("macros/k.sql", "{% macro key(c) %}hash({{ c }}){% endmacro %}\n")
        .write("models/keys.sql", "select {{ key('1') }} as k\n");
    let out = p.mozt(&["compile"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("target/compiled/shop/models/keys.sql:1:8"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the model file is models/keys.sql"),
        "{}",
        out.stderr
    );
}

#[test]
fn without_the_setting_nothing_is_translated() {
    let p = TestProject::new("shop");
    p.write("models/m.sql", "select 7 / 2 as half, 'a\\\\b' as s\n");
    p.ok(&["run"]);
    assert!(!p.path().join("target/translated").exists());
    // DuckDB's own reading: the backslashes stay, the name keeps its case.
    assert_eq!(p.query("select s from analytics.m"), vec![vec!["a\\\\b"]]);
}

#[test]
fn an_unknown_dialect_is_a_project_error_at_its_line() {
    let p = TestProject::with_yml("name: shop\ntargets:\n  dev:\n    type: duckdb\n    dialect: bigquery\n");
    p.write("models/m.sql", "select 1 as id\n");
    let out = p.mozt(&["parse"]);
    out.assert_project_error();
    assert!(out.stderr.contains("dialect 'bigquery'"), "{}", out.stderr);
    assert!(out.stderr.contains("project.yml:5"), "{}", out.stderr);
}

#[test]
fn a_dbt_profiles_output_declares_the_dialect_too() {
    let p = TestProject::empty();
    p.write("dbt_project.yml", "name: shop\nversion: '1.0.0'\nprofile: shop\n")
        .write(
            "profiles.yml",
            "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: analytics\n      dialect: snowflake\n",
        )
        .write("models/m.sql", "{{ config(materialized='table') }}\nselect zeroifnull(null) as z, '{{ target.type }}' as t\n");
    p.ok(&["run"]);
    assert_eq!(
        p.query("select cast(z as varchar), t from analytics.m"),
        vec![vec!["0", "snowflake"]]
    );
}

#[test]
fn hooks_and_show_inline_are_translated_too() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write(
        "models/m.sql",
        "{{ config(materialized='table', post_hook=\"insert into {{ this }} select iff(true, 99, 0)\") }}\nselect 1 as id\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query("select cast(id as varchar) from analytics.m order by id"),
        vec![vec!["1"], vec!["99"]]
    );
    let out = p.ok(&[
        "show",
        "--inline",
        "select nvl2(null, 'x', 'y') as v, dateadd(day, 1, '2024-02-28'::date) as d",
    ]);
    assert!(
        out.stdout.contains('y') && out.stdout.contains("2024-02-29"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_refusal_after_its_arguments_were_translated_still_points_at_the_call() {
    // The arguments (a cast) are rewritten before the call is read; the error must still
    // point at the call in the model file, not into the rewritten text.
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write(
        "models/m.sql",
        "select 1 as a,\n  trunc('2024-05-08'::date, 'fortnight') as t\n",
    );
    let out = p.mozt(&["compile"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("TRUNC with the date part 'fortnight'"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("models/m.sql:2:3"), "{}", out.stderr);
}

#[test]
fn seed_columns_fold_to_upper_case_as_on_snowflake() {
    // On Snowflake a seed's columns are unquoted names, folded to upper case; a header that
    // must be quoted (a space) keeps its case, and `quote_columns: true` keeps every name.
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write("seeds/plans.csv", "id,Plan Name,price\n1,Pro,10\n")
        .write("seeds/quoted.csv", "id,price\n1,10\n")
        .write(
            "seeds/quoted.yml",
            "seeds:\n  - name: quoted\n    config: {quote_columns: true}\n",
        )
        .write("models/prices.sql", "select * from {{ ref('plans') }}\n");
    p.ok(&["build"]);
    let columns = |table: &str| {
        p.query(&format!(
            "select column_name from information_schema.columns where table_name = '{table}' order by ordinal_position"
        ))
    };
    assert_eq!(columns("plans"), vec![vec!["ID"], vec!["Plan Name"], vec!["PRICE"]]);
    assert_eq!(columns("prices"), vec![vec!["ID"], vec!["Plan Name"], vec!["PRICE"]]);
    assert_eq!(columns("quoted"), vec![vec!["id"], vec!["price"]]);
}

#[test]
fn snapshot_columns_fold_to_upper_case_as_on_snowflake() {
    // On Snowflake the snapshot's own columns are unquoted names, folded to upper case.
    let p = TestProject::with_yml(&snowflake_dialect_yml("shop"));
    p.write("seeds/plans.csv", "id,updated_at\n1,2024-01-01 00:00:00\n")
        .write(
            "snapshots/plans_history.sql",
            "{% snapshot plans_history %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', \
         updated_at='updated_at') }}\nselect * from {{ ref('plans') }}\n{% endsnapshot %}\n",
        );
    p.ok(&["build"]);
    p.ok(&["snapshot"]);
    assert_eq!(
        p.query(
            "select column_name from information_schema.columns where table_name = 'plans_history' order by ordinal_position"
        ),
        vec![
            vec!["ID"],
            vec!["UPDATED_AT"],
            vec!["MOZT_SCD_ID"],
            vec!["MOZT_UPDATED_AT"],
            vec!["MOZT_VALID_FROM"],
            vec!["MOZT_VALID_TO"]
        ]
    );
    assert_eq!(
        p.scalar("select count(*) from snapshots.plans_history where mozt_valid_to is null"),
        "1"
    );
}
