//! The SQL check against a corpus: every model of the sample project (both targets) and the
//! real-world-style queries under testdata/sql/ must give no error; broken variants must give
//! the right error at the right place (insta snapshots of the messages).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mozt::check::check_text;
use mozt::project::AdapterKind;
use mozt::sql::parse;

/// The warehouse a dialect name (`duckdb`, `snowflake`) names.
fn kind(dialect: &str) -> AdapterKind {
    dialect.parse().expect("a warehouse type")
}

/// Tables the corpus queries read whose columns are known, so that references are checked.
const TABLES: &[(&str, &[&str])] = &[
    (
        "events",
        &[
            "id",
            "user_id",
            "event_type",
            "payload",
            "occurred_at",
            "amount",
            "session_id",
            "_loaded_at",
        ],
    ),
    ("users", &["id", "email", "country", "created_at", "plan", "attributes"]),
    (
        "orders",
        &[
            "order_id",
            "user_id",
            "ordered_at",
            "status",
            "total",
            "items",
            "currency",
        ],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(name, sql)` for each `-- name: x` section of a corpus file.
fn corpus(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("testdata/sql").join(file)).expect("read corpus");
    let mut out: Vec<(String, String)> = vec![];
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- name: ") {
            out.push((name.trim().to_string(), String::new()));
        } else if let Some((_, sql)) = out.last_mut() {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    out
}

fn no_false_errors(file: &str, dialect: &str) -> (usize, Vec<String>) {
    let queries = corpus(file);
    let mut failures = vec![];
    let mut skipped = vec![];
    for (name, sql) in &queries {
        let errors = check_text(sql, kind(dialect), TABLES);
        if !errors.is_empty() {
            failures.push(format!("{name}:\n{}", errors.join("\n")));
        }
        let d = mozt::sql::dialect_for(kind(dialect));
        if !matches!(parse::parse(sql, d.as_ref()), parse::Outcome::Parsed(_)) {
            skipped.push(name.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "false errors on valid {dialect} SQL:\n\n{}",
        failures.join("\n\n")
    );
    (queries.len(), skipped)
}

#[test]
fn snowflake_corpus_has_no_false_errors() {
    let (n, skipped) = no_false_errors("snowflake.sql", "snowflake");
    eprintln!("snowflake: {n} queries, not analysed: {skipped:?}");
    assert!(n >= 30, "only {n} Snowflake queries");
    // Most of the corpus is analysed, not just passed through.
    assert!(skipped.len() * 4 < n, "too many queries not analysed: {skipped:?}");
}

#[test]
fn duckdb_corpus_has_no_false_errors() {
    let (n, skipped) = no_false_errors("duckdb.sql", "duckdb");
    eprintln!("duckdb: {n} queries, not analysed: {skipped:?}");
    assert!(n >= 30, "only {n} DuckDB queries");
    assert!(skipped.len() * 3 < n, "too many queries not analysed: {skipped:?}");
    // The forms sqlparser is known not to read pass through.
    for form in [
        "summarize",
        "pivot_on_using",
        "asof_join",
        "using_sample",
        "power_operator",
        "starts_with_operator",
    ] {
        assert!(
            skipped.contains(&form.to_string()),
            "{form} should pass through unanalysed"
        );
    }
}

#[test]
fn corpus_is_large_enough() {
    assert!(corpus("snowflake.sql").len() + corpus("duckdb.sql").len() >= 60);
}

/// A broken query and the messages it gives.
fn broken(dialect: &str, sql: &str) -> String {
    let errors = check_text(sql, kind(dialect), TABLES);
    assert!(!errors.is_empty(), "no error for broken SQL:\n{sql}");
    errors.join("\n\n")
}

#[test]
fn typo_in_column_name() {
    insta::assert_snapshot!(broken(
        "snowflake",
        "select id, usr_id, event_type\nfrom events\nwhere amount > 0"
    ));
}

#[test]
fn wrong_qualified_column_in_join() {
    insta::assert_snapshot!(broken(
        "duckdb",
        "select u.id, o.totl\nfrom users u\njoin orders o on o.user_id = u.id"
    ));
}

#[test]
fn column_missing_from_cte() {
    insta::assert_snapshot!(broken(
        "snowflake",
        "with paid as (\n    select order_id, user_id from orders where status = 'paid'\n)\nselect order_id, total\nfrom paid"
    ));
}

#[test]
fn column_missing_in_where_and_group_by() {
    insta::assert_snapshot!(broken(
        "duckdb",
        "select user_id, count(*) as n\nfrom events\nwhere event_typ = 'open'\ngroup by usr_id"
    ));
}

#[test]
fn column_removed_by_exclude() {
    insta::assert_snapshot!(broken(
        "snowflake",
        "with e as (select * exclude (payload) from events)\nselect id, payload:device::string as device\nfrom e"
    ));
}

#[test]
fn missing_comma_between_columns() {
    insta::assert_snapshot!(broken(
        "duckdb",
        "select\n    id,\n    user_id event_type amount\nfrom events"
    ));
}

#[test]
fn missing_comma_between_ctes() {
    insta::assert_snapshot!(broken(
        "snowflake",
        "with a as (select id from events)\nb as (select id from a)\nselect * from b"
    ));
}

#[test]
fn keyword_typo() {
    insta::assert_snapshot!(broken("duckdb", "select id\nfrom events\nwehre amount > 0"));
}

#[test]
fn unclosed_parenthesis() {
    insta::assert_snapshot!(broken(
        "snowflake",
        "select id, coalesce(amount, 0 as amount\nfrom events"
    ));
}

#[test]
fn unterminated_string() {
    insta::assert_snapshot!(broken("duckdb", "select id\nfrom events\nwhere event_type = 'open"));
}

#[test]
fn uncertainty_stays_silent() {
    // Unknown table, unknown function, a table function in FROM, a `*` over an unknown table:
    // none of these references can be proven wrong.
    for sql in [
        "select nope from somewhere_else",
        "select my_udf(whatever, day) as x from events",
        "select e.id, f.value from events e, lateral flatten(input => e.payload) f where f.anything = 1",
        "with s as (select * from raw.unknown_table) select s.whatever from s",
        "select id from events e where exists (select 1 from unknown_table x where x.foo = e.id)",
    ] {
        assert!(
            check_text(sql, AdapterKind::Snowflake, TABLES).is_empty(),
            "false error on: {sql}"
        );
    }
}

// --- The sample project ---------------------------------------------------------------------

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).expect("copy");
        }
    }
}

/// A copy of the sample project (project.yml, models, seeds, snapshots, macros; no tests).
fn sample_copy() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("mozt-sql-").tempdir().expect("tempdir");
    std::fs::copy(root().join("project.yml"), dir.path().join("project.yml")).expect("copy project.yml");
    for d in ["models", "seeds", "snapshots", "macros"] {
        copy_dir(&root().join(d), &dir.path().join(d));
    }
    dir
}

fn mozt(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mozt"))
        .args(args)
        .current_dir(dir)
        .env("SNOWFLAKE_ACCOUNT", "acme-test")
        .env("SNOWFLAKE_USER", "tester")
        .env("SNOWFLAKE_PRIVATE_KEY_PATH", "/nonexistent/key.p8")
        .env_remove("MOZT_SQL_CHECK")
        .env_remove("MOZT_TARGET")
        .env("NO_COLOR", "1")
        .output()
        .expect("run mozt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn sample_project_compiles_without_sql_errors_on_both_dialects() {
    let dir = sample_copy();
    for target in ["dev", "prod"] {
        let (code, out, err) = mozt(dir.path(), &["compile", "--target", target, "--strict"]);
        assert_eq!(code, 0, "{target}: exit {code}\n{out}\n{err}");
        assert!(!err.contains("WARN") && !err.contains("error"), "{target}: {err}");
    }
    // Every model's SQL was analysed: its lineage is in manifest.json.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("target/manifest.json")).expect("manifest.json"))
            .expect("json");
    let nodes = manifest["nodes"].as_object().expect("nodes");
    let models: Vec<_> = nodes.values().filter(|n| n["resource_type"] == "model").collect();
    assert!(models.len() >= 20);
    for m in models {
        assert!(
            m["meta"]["mozt"]["columns_lineage"].is_object(),
            "no columns_lineage for {}",
            m["name"]
        );
    }
}

/// Replace `from` by `to` in a model file of the copy (the text must be there).
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read model");
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write model");
}

#[test]
fn sample_project_errors_are_all_reported_before_running() {
    let dir = sample_copy();
    let p = dir.path();
    edit(
        p,
        "models/intermediate/int_braze__purchases.sql",
        "    p.braze_user_id,\n",
        "    p.braze_usr_id,\n",
    );
    edit(
        p,
        "models/staging/braze/stg_braze__email_event.sql",
        "lower(email_address) as email_address,",
        "lower(email_address) as email_address email,",
    );
    edit(
        p,
        "models/marts/dim_users.sql",
        "max(purchased_at) as last_purchased_at",
        "max(purchase_at) as last_purchased_at",
    );
    // `run` fails the same way, before connecting to anything (exit 2, nothing built).
    let (code, out, err) = mozt(p, &["run"]);
    assert_eq!(code, 2, "{err}");
    assert!(!out.contains("Running") && !out.contains("OK"), "{out}");
    let (code, _, err) = mozt(p, &["compile"]);
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn hard_coded_relation_warns_and_fails_with_strict() {
    let dir = sample_copy();
    let p = dir.path();
    edit(
        p,
        "models/staging/braze/stg_braze__canvas.sql",
        "from {{ ref('stg_braze__canvas_versions') }}",
        "from analytics.stg_braze__canvas_versions",
    );
    let (code, _, err) = mozt(p, &["compile"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("WARN") && err.contains("model stg_braze__canvas reads"),
        "{err}"
    );
    let (code, _, err) = mozt(p, &["compile", "--strict"]);
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!(err);
}

// --- Output columns -------------------------------------------------------------------------

fn columns(dialect: &str, sql: &str) -> (Vec<String>, bool) {
    let (cols, complete) = mozt::check::columns_of_text(sql, kind(dialect), TABLES).expect("parses");
    (cols.into_iter().map(|(c, _)| c).collect(), complete)
}

fn lineage_of(dialect: &str, sql: &str, column: &str) -> Vec<String> {
    let (cols, _) = mozt::check::columns_of_text(sql, kind(dialect), TABLES).expect("parses");
    cols.into_iter()
        .find(|(c, _)| c == column)
        .map(|(_, from)| from)
        .unwrap_or_else(|| panic!("no column {column}"))
}

#[test]
fn output_columns_are_derived() {
    // Star over a CTE, EXCLUDE and RENAME, new columns after it.
    let (cols, complete) = columns(
        "snowflake",
        "with e as (select * exclude (payload, _loaded_at) rename (occurred_at as at) from events)\nselect *, amount * 2 as doubled from e",
    );
    assert!(complete);
    assert_eq!(
        cols,
        ["id", "user_id", "event_type", "at", "amount", "session_id", "doubled"]
    );
    // A union takes its names from the first branch.
    let (cols, complete) = columns(
        "duckdb",
        "select id, user_id from events union all select order_id, user_id from orders",
    );
    assert!(complete);
    assert_eq!(cols, ["id", "user_id"]);
    // Qualified star over a join, table alias column lists, aggregates and windows.
    let (cols, complete) = columns(
        "duckdb",
        "select o.*, x.n, rank() over (order by x.n) as r\nfrom orders o join (select user_id, count(*) from events group by 1) as x(uid, n) on x.uid = o.user_id",
    );
    assert!(complete);
    assert_eq!(
        cols,
        [
            "order_id",
            "user_id",
            "ordered_at",
            "status",
            "total",
            "items",
            "currency",
            "n",
            "r"
        ]
    );
    // An unnamed expression or a star over an unknown table: the list is not exact.
    assert!(!columns("duckdb", "select id, amount + 1 from events").1);
    assert!(!columns("duckdb", "select * from somewhere").1);
}

#[test]
fn lineage_goes_through_ctes_unions_and_case() {
    let sql = "with a as (select id, amount from events union all select order_id, total from orders),\n\
               b as (select id, case when amount > 10 then amount else 0 end as big, count(*) over () as n from a)\n\
               select big, n, id from b";
    assert_eq!(lineage_of("snowflake", sql, "big"), ["events.amount", "orders.total"]);
    assert_eq!(lineage_of("snowflake", sql, "id"), ["events.id", "orders.order_id"]);
    assert!(lineage_of("snowflake", sql, "n").is_empty());
    // A scalar subquery and a semi-structured path.
    let sql = "select (select max(total) from orders o where o.user_id = e.user_id) as top, payload:device::string as d from events e";
    assert_eq!(lineage_of("snowflake", sql, "top"), ["orders.total"]);
    assert_eq!(lineage_of("snowflake", sql, "d"), ["events.payload"]);
}

#[test]
fn subquery_in_an_expression_sees_the_ctes() {
    insta::assert_snapshot!(broken(
        "snowflake",
        "with paid as (select order_id, user_id from orders where status = 'paid')\nselect id from users\nwhere id in (select usr_id from paid)"
    ));
}

/// Generic tests whose SQL differs only in the relation they read share one syntax check
/// (`sql::shapes`); when that SQL is broken, every test of the group is still reported, each
/// under its own name.
#[test]
fn a_broken_generic_test_is_reported_for_every_column_it_is_applied_to() {
    let dir = sample_copy();
    let p = dir.path();
    std::fs::write(
        p.join("macros/test_broken.sql"),
        "{% test broken(model, column_name) %}\nselect {{ column_name }} from {{ model }} where and {{ column_name }} is null\n{% endtest %}\n",
    )
    .expect("write the test macro");
    for file in ["models/staging/braze/_stg_braze.yml", "models/marts/_marts.yml"] {
        let text = std::fs::read_to_string(p.join(file)).expect("read the YAML");
        std::fs::write(
            p.join(file),
            text.replace(
                "data_tests: [unique, not_null]",
                "data_tests: [unique, not_null, broken]",
            ),
        )
        .expect("write the YAML");
    }
    let (code, _, err) = mozt(p, &["compile"]);
    assert_eq!(code, 2, "{err}");
    let staging = std::fs::read_to_string(p.join("models/staging/braze/_stg_braze.yml")).expect("read");
    let marts = std::fs::read_to_string(p.join("models/marts/_marts.yml")).expect("read");
    let applied = staging.matches("broken]").count() + marts.matches("broken]").count();
    assert!(applied > 5, "the edit applied the test {applied} times");
    let reported = err.matches("SQL syntax error in test broken_").count();
    assert_eq!(reported, applied, "{err}");
    // Nothing else is reported: the unique and not_null tests next to them parse.
    assert_eq!(err.matches("SQL syntax error").count(), applied, "{err}");
}
