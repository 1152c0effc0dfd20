//! The Braze sample written in plain Snowflake SQL (testdata/braze_snowflake: no cross-database
//! macros, no dispatch) built with the real binary twice: on the Snowflake emulator
//! (scripts/fakesnow.sh) and on DuckDB with `dialect: snowflake`. Every relation must have the
//! same columns and the same rows on both, compared row by row in a canonical form
//! (tests/common/rows.rs).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::rows::{difference, duckdb_relations, duckdb_table, emulator_connection, emulator_table};
use common::{TestProject, copy_dir, emulator_url};

/// A copy of testdata/braze_snowflake, with the repository's seeds (its `seeds` is a link to them).
fn plain_sample() -> TestProject {
    let p = TestProject::empty();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/braze_snowflake");
    copy_dir(&fixture, p.path(), &|_| true);
    assert!(
        p.path().join("seeds/braze/email_event.csv").is_file(),
        "the fixture's seeds were not copied"
    );
    p
}

#[test]
fn the_plain_snowflake_sample_builds_the_same_rows_on_the_emulator_and_on_duckdb() {
    let p = plain_sample();
    let database = format!("MOZT_PLAIN_SAMPLE_{}", std::process::id());
    let env = [
        ("MOZT_FAKESNOW_URL", emulator_url()),
        ("MOZT_SF_DATABASE", database.clone()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    p.mozt_env(&["build", "--target", "sf_local"], &env).assert_ok();
    p.ok(&["build"]);
    // The DuckDB build ran translated SQL.
    assert!(p.path().join("target/translated/braze_analytics/models").is_dir());

    let duck = duckdb::Connection::open_in_memory().unwrap();
    let file = p.path().join("target/local.duckdb");
    duck.execute_batch(&format!("attach '{}' as local (read_only)", file.display()))
        .unwrap();
    let relations = duckdb_relations(&duck, "local");
    assert!(relations.len() > 30, "{relations:?}");
    let mut sf = emulator_connection(&database, p.path());
    let mut differing = vec![];
    for (schema, table) in &relations {
        // A Braze sync table stamps each row with the time of its run.
        let skip: &[&str] = if table.ends_with("_sync") { &["UPDATED_AT"] } else { &[] };
        let local = duckdb_table(&duck, "local", schema, table, skip);
        let emulated = emulator_table(sf.as_mut(), &schema.to_uppercase(), &table.to_uppercase(), skip);
        assert!(!local.rows.is_empty(), "{schema}.{table} is empty: nothing compared");
        differing.extend(difference(
            &format!("{schema}.{table}"),
            ("DuckDB", &local),
            ("the emulator", &emulated),
        ));
    }
    assert!(
        differing.is_empty(),
        "{} relations differ:\n{}",
        differing.len(),
        differing.join("\n\n")
    );
}
