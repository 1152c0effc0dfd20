//! Keys mozt does not know, in mozt's own project.yml and in schema YAML (issue 24, point 4):
//! each is named in a warning with file:line and the closest known key, or is an error where
//! ignoring it would change where data goes (a target's connection settings). dbt_project.yml
//! and profiles.yml are covered in tests/dbt_project.rs.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestProject, redact};

#[test]
fn unknown_keys_in_project_yml_and_schema_yaml_are_warned_about_with_the_closest_key() {
    let p = TestProject::with_yml(
        "name: typos\nmodel-path: [models]\nmodels:\n  typos:\n    +materialised: table\n    marts:\n      +schema: marts\n      +tagz: [a]\ntargets:\n  default: dev\n  dev: {type: duckdb, path: target/dev.duckdb, schema: analytics}\n",
    );
    p.write("models/marts/orders.sql", "select 1 as id\n").write(
        "models/marts/_orders.yml",
        "version: 2\nmodels:\n  - name: orders\n    descripton: all orders\n    config:\n      materialised: table\n    colums:\n      - name: id\n        data_tests: [unique]\n    columns:\n      - name: id\n        data_type: integer\n        tset: [not_null]\nsources:\n  - name: raw\n    tables:\n      - name: events\n        identifer: raw_events\nmodles: []\n",
    );
    let out = p.mozt(&["build"]);
    out.assert_ok();
    insta::assert_snapshot!("unknown_keys_warnings", redact(&out.stderr, &p));
    // The misspelt configs were not applied: the model is still a view.
    assert_eq!(p.relation_type("analytics_marts", "orders").as_deref(), Some("VIEW"));
}

#[test]
fn an_unknown_key_in_a_targets_connection_settings_is_an_error() {
    let p = TestProject::with_yml(
        "name: typos\ntargets:\n  default: dev\n  dev:\n    type: duckdb\n    pth: target/dev.duckdb\n    schema: analytics\n",
    );
    p.write("models/a.sql", "select 1 as id\n");
    let out = p.mozt(&["build"]);
    out.assert_project_error();
    insta::assert_snapshot!("unknown_target_key", redact(&out.stderr, &p));
}

#[test]
fn a_macro_defined_in_two_files_is_an_error_naming_both() {
    // The last file read used to win without a word.
    let p = TestProject::new("dups");
    p.write("models/a.sql", "select {{ cents('1') }} as c\n")
        .write("macros/money.sql", "{% macro cents(x) %}{{ x }} * 100{% endmacro %}\n")
        .write(
            "macros/more/money_v2.sql",
            "-- newer\n{% macro cents(x) %}{{ x }} * 1000{% endmacro %}\n",
        );
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    insta::assert_snapshot!("duplicate_macro", redact(&out.stderr, &p));
}
