//! The repo's Braze sample project built twice with the real binary: on DuckDB as usual, and
//! on DuckDB with `dialect: snowflake`, where its cross-database macros take their
//! `snowflake__` branches, so that every model runs as Snowflake SQL translated back into
//! DuckDB SQL. Every table and view must hold the same rows both ways.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sample_project;

#[test]
fn the_sample_project_builds_the_same_tables_from_its_snowflake_sql() {
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
    let mut stmt = conn
        .prepare(
            "select table_schema, table_name from information_schema.tables \
             where table_catalog = 'plain' and table_schema not in ('information_schema', 'pg_catalog') \
             order by 1, 2",
        )
        .unwrap();
    let relations: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
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
