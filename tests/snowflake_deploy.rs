//! `mozt deploy` and `mozt clone` on the Snowflake emulator (fakesnow over Snowflake's HTTP
//! protocol). Promotion uses `create or replace [transient] table ... clone` and re-created
//! views. The emulator (fakesnow 0.12.1) has no `alter table/schema ... swap with`, runs
//! `clone` as a copy, and drops the `or replace` of `create or replace table ... clone` (so
//! replacing an existing table fails there, not on Snowflake): these tests promote tables into
//! empty schemas only, and replace views. Needs MOZT_FAKESNOW_URL (scripts/test.sh sets it).

mod common;

use common::TestProject;
use serde_json::Value;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

fn emulator_url() -> String {
    let url = std::env::var("MOZT_FAKESNOW_URL").unwrap_or_else(|_| {
        panic!(
            "MOZT_FAKESNOW_URL is not set: start the emulator with `scripts/fakesnow.sh start` (scripts/test.sh does)"
        )
    });
    let host = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let up = host
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(3)).is_ok());
    assert!(up, "the Snowflake emulator does not answer at {url}");
    url
}

/// Targets `sf` (schema analytics, the default) and `ci` (schema ci), one database per run.
fn project(name: &str) -> TestProject {
    let database = format!("{}_{}", name.to_ascii_uppercase(), std::process::id());
    let target = |schema: &str| {
        format!(
            "    type: snowflake\n    base_url: \"{}\"\n    account: local\n    user: mozt\n    password: any\n    \
             database: {database}\n    schema: {schema}\n    threads: 2\n",
            emulator_url()
        )
    };
    let p = TestProject::with_yml(&format!(
        "name: {name}\ntargets:\n  default: sf\n  sf:\n{}  ci:\n{}",
        target("analytics"),
        target("ci")
    ));
    p.write_deploy_models();
    p
}

/// The first column of each row of a query, as text.
fn column(p: &TestProject, target: &str, sql: &str) -> Vec<String> {
    let out = p.ok(&[
        "show", "-t", target, "--inline", sql, "--limit", "1000", "--output", "json",
    ]);
    let Ok(Value::Array(rows)) = serde_json::from_str::<Value>(&out.stdout) else {
        panic!("mozt show gave no JSON rows:\n{}", out.stdout)
    };
    rows.iter()
        .map(|r| match r.as_object().and_then(|o| o.values().next()) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => panic!("empty row in {}", out.stdout),
        })
        .collect()
}

fn staging_schemas(p: &TestProject) -> Vec<String> {
    column(
        p,
        "sf",
        "select schema_name from information_schema.schemata where schema_name ilike '%mozt_deploy%'",
    )
}

#[test]
fn deploy_on_snowflake_promotes_or_changes_nothing() {
    let p = project("mozt_deploy_sf");
    let out = p.ok(&["deploy"]);
    assert!(out.stdout.contains("Promoted 4 relations"), "{}", out.stdout);
    assert_eq!(column(&p, "sf", "select v from analytics.v order by id"), ["A", "B"]);
    assert!(staging_schemas(&p).is_empty(), "{:?}", staging_schemas(&p));

    // A changed view replaces the deployed one, reading the target's table.
    p.write("models/v.sql", "select id, lower(v) as v from {{ ref('t') }}\n");
    let out = p.ok(&["deploy", "-s", "v"]);
    assert!(out.stdout.contains("Promoted 1 relation "), "{}", out.stdout);
    assert_eq!(column(&p, "sf", "select v from analytics.v order by id"), ["a", "b"]);

    // A failing test: nothing changes, the view still answers. Rows 1 and 2 leave the source
    // and a duplicate fails t's unique test; the kept staging schema shows that the incremental
    // model continued from the target's rows (1, 2) rather than starting over.
    p.write("seeds/raw.csv", "id,v\n3,c\n3,d\n");
    let out = p.mozt(&["deploy", "--keep-staging"]);
    out.assert_code(1);
    assert!(out.stdout.contains("Deploy aborted"), "{}", out.stdout);
    assert_eq!(column(&p, "sf", "select count(*) from analytics.raw"), ["2"]);
    assert_eq!(column(&p, "sf", "select count(*) from analytics.t"), ["2"]);
    assert_eq!(column(&p, "sf", "select id from analytics.inc order by id"), ["1", "2"]);
    assert_eq!(column(&p, "sf", "select v from analytics.v order by id"), ["a", "b"]);
    assert_eq!(
        column(&p, "sf", "select id from analytics__mozt_deploy.inc order by id"),
        ["1", "2", "3", "3"]
    );

    // clone: the CI schema gets prod's tables, and views over prod's views.
    let out = p.ok(&["clone", "-t", "ci", "--from-target", "sf"]);
    assert!(out.stdout.contains("Cloned 3 tables and 1 view"), "{}", out.stdout);
    assert_eq!(column(&p, "ci", "select id from ci.inc order by id"), ["1", "2"]);
    assert_eq!(column(&p, "ci", "select v from ci.v order by id"), ["a", "b"]);
}

/// A model that fails at run time: nothing is promoted, and the staging schema is dropped.
#[test]
fn a_failing_model_changes_nothing_on_snowflake() {
    let p = project("mozt_deploy_sf_fail");
    p.ok(&["deploy"]);
    p.write("seeds/raw.csv", "id,v\n1,a\n2,b\n3,c\n")
        .write(
            "models/v.sql",
            "select id, cast(v as integer) as v from {{ ref('t') }}\n",
        )
        .write(
            "models/w.sql",
            "{{ config(materialized='table') }}\nselect sum(v) as s from {{ ref('v') }}\n",
        );
    let out = p.mozt(&["deploy"]);
    out.assert_code(1);
    assert!(out.stdout.contains("Deploy aborted"), "{}", out.stdout);
    assert_eq!(column(&p, "sf", "select count(*) from analytics.t"), ["2"]);
    assert_eq!(column(&p, "sf", "select v from analytics.v order by id"), ["A", "B"]);
    assert!(staging_schemas(&p).is_empty(), "{:?}", staging_schemas(&p));
}
