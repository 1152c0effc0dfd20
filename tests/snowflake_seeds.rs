//! Seeds' `quote_columns` on the Snowflake emulator: with `true` every column is created
//! quoted as the CSV header writes it (lower case kept, so it must be quoted to be read, as
//! with dbt-snowflake); without it names fold to upper case as Snowflake's unquoted names do.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[test]
fn quote_columns_keeps_the_headers_case_on_snowflake() {
    let p = common::emulator_project("seedquote");
    p.write(
        "project.yml",
        &format!(
            "{}seeds:\n  seedquote:\n    quoted:\n      +quote_columns: true\n",
            p.read("project.yml")
        ),
    )
    .write("seeds/quoted/q.csv", "id,name\n1,a\n")
    .write("seeds/plain.csv", "id,name\n1,a\n");
    p.ok(&["seed"]);
    let columns = |table: &str| -> Vec<String> {
        common::show_rows(
            &p,
            &format!(
                "select column_name from information_schema.columns where table_name = '{table}' order by ordinal_position"
            ),
        )
        .into_iter()
        .map(|r| r["COLUMN_NAME"].as_str().or(r["column_name"].as_str()).unwrap_or_default().to_string())
        .collect()
    };
    assert_eq!(columns("Q"), vec!["id", "name"]);
    assert_eq!(columns("PLAIN"), vec!["ID", "NAME"]);
    let rows = common::show_rows(&p, "select \"id\", \"name\" from analytics.q");
    assert_eq!(rows.len(), 1, "{rows:?}");
}
