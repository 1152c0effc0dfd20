//! The repo's Braze sample project built twice with the real binary: on DuckDB as usual, and
//! on DuckDB with `dialect: snowflake`, where its cross-database macros take their
//! `snowflake__` branches, so that every model runs as Snowflake SQL translated back into
//! DuckDB SQL. Every table and view must hold the same rows both ways; and, built on the
//! Snowflake emulator (scripts/fakesnow.sh), the same columns and rows as the translated build,
//! compared row by row (tests/common/rows.rs). The same sample in plain Snowflake SQL is
//! tests/snowflake_plain_sample.rs.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::rows::{difference, duckdb_relations, duckdb_table, emulator_connection, emulator_table};
use common::{TestProject, emulator_url, sample_project};

/// The sample project with a second DuckDB target, `sf`, that reads the models as Snowflake SQL.
fn sample_with_dialect_target() -> TestProject {
    let p = sample_project();
    let yml = p.read("project.yml");
    let local = "  dev: {type: duckdb, path: target/dev.duckdb, schema: analytics, threads: 4}\n";
    assert!(yml.contains(local), "the sample's dev target changed: {yml}");
    p.write(
        "project.yml",
        &yml.replace(
            local,
            &format!("{local}  sf: {{type: duckdb, path: target/sf.duckdb, schema: analytics, threads: 4, dialect: snowflake}}\n"),
        ),
    );
    p
}

#[test]
fn the_sample_project_builds_the_same_tables_from_its_snowflake_sql() {
    let p = sample_with_dialect_target();
    p.ok(&["build"]);
    p.ok(&["build", "-t", "sf"]);
    // The translation ran: snowflake__ macros wrote Snowflake SQL for the models.
    assert!(p.path().join("target/translated/braze_analytics/models").is_dir());

    let conn = duckdb::Connection::open_in_memory().unwrap();
    for (db, file) in [("plain", "target/dev.duckdb"), ("sf", "target/sf.duckdb")] {
        let path = p.path().join(file);
        conn.execute_batch(&format!("attach '{}' as {db} (read_only)", path.display()))
            .unwrap();
    }
    let relations = duckdb_relations(&conn, "plain");
    assert!(relations.len() > 20, "{relations:?}");
    let mut differing = vec![];
    for (schema, table) in &relations {
        // A Braze sync table stamps each row with the time of its run (UPDATED_AT).
        let columns = if table.ends_with("_sync") {
            "* exclude (UPDATED_AT)"
        } else {
            "*"
        };
        let (a, b) = (
            format!("(select {columns} from plain.{schema}.{table})"),
            format!("(select {columns} from sf.{schema}.{table})"),
        );
        let sql = format!(
            "select (select count(*) from {a}), (select count(*) from {b}), \
             (select count(*) from ((select * from {a} except all select * from {b}) \
             union all (select * from {b} except all select * from {a})))"
        );
        let (rows_a, rows_b, diff): (i64, i64, i64) = conn
            .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap_or_else(|e| panic!("{schema}.{table}: {e}"));
        if rows_a != rows_b || diff != 0 {
            differing.push(format!(
                "{schema}.{table}: {rows_a} rows plain, {rows_b} with the dialect, {diff} differ"
            ));
        }
    }
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

#[test]
fn the_translated_build_matches_the_build_on_the_snowflake_emulator() {
    let p = sample_with_dialect_target();
    let database = "MOZT_DIALECT_SAMPLE";
    let env = [
        ("MOZT_FAKESNOW_URL", emulator_url()),
        ("MOZT_SF_DATABASE", database.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let on_emulator = p.mozt_env(&["build", "--target", "sf_local"], &env);
    on_emulator.assert_ok();
    p.ok(&["build", "-t", "sf"]);

    let duck = duckdb::Connection::open_in_memory().unwrap();
    let path = p.path().join("target/sf.duckdb");
    duck.execute_batch(&format!("attach '{}' as sf (read_only)", path.display()))
        .unwrap();
    let mut sf = emulator_connection(database, p.path());
    let mut differing = vec![];
    let all = duckdb_relations(&duck, "sf");
    assert!(all.len() > 20, "{all:?}");
    for (schema, table) in &all {
        // Every row of every relation (the Braze syncs' UPDATED_AT is the time of each run).
        let skip: &[&str] = if table.ends_with("_sync") { &["UPDATED_AT"] } else { &[] };
        let local = duckdb_table(&duck, "sf", schema, table, skip);
        let emulated = emulator_table(sf.as_mut(), &schema.to_uppercase(), &table.to_uppercase(), skip);
        differing.extend(difference(
            &format!("{schema}.{table}"),
            ("DuckDB", &local),
            ("the emulator", &emulated),
        ));
    }
    assert!(differing.is_empty(), "{}", differing.join("\n\n"));
}
