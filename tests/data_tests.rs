//! Data tests, unit tests, store-failures, `mozt build` stopping at bad data and `mozt source
//! freshness`, run through the real `mozt` binary on projects in temporary folders, on DuckDB.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

struct Project {
    dir: TempDir,
}

#[derive(Debug)]
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Output {
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "mozt panicked:\n{}", self.stderr);
        self
    }

    /// The progress line of a node, e.g. `FAIL not_null_users_name (1 failing)`.
    fn line(&self, needle: &str) -> String {
        self.stdout
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{}", self.stdout))
            .to_string()
    }

    fn has(&self, needle: &str) -> bool {
        self.stdout.contains(needle) || self.stderr.contains(needle)
    }
}

const PROJECT_YML: &str = "name: shop\n\
targets:\n  default: dev\n  dev: {type: duckdb, path: target/dev.duckdb, schema: analytics, threads: 1}\n";

const USERS_OK: &str = "id,name,status\n1,ann,active\n2,bob,inactive\n3,cy,active\n";
const ORDERS_OK: &str = "id,user_id,amount\n10,1,5\n11,2,7\n12,3,9\n";

/// Every built-in test on a model, passing with the good seeds.
const SCHEMA: &str = "\
models:
  - name: stg_users
    columns:
      - name: id
        data_tests: [unique, not_null]
      - name: name
        data_tests:
          - not_null
      - name: status
        data_tests:
          - accepted_values:
              values: ['active', 'inactive']
  - name: stg_orders
    columns:
      - name: id
        tests: [unique]
      - name: user_id
        data_tests:
          - relationships:
              to: ref('stg_users')
              field: id
";

impl Project {
    fn new(files: &[(&str, &str)]) -> Project {
        let p = Project {
            dir: tempfile::tempdir().unwrap(),
        };
        p.write("project.yml", PROJECT_YML);
        for (path, text) in files {
            p.write(path, text);
        }
        p
    }

    /// A shop: two seeds, two staging models and the YAML above.
    fn shop(users: &str, orders: &str) -> Project {
        Project::new(&[
            ("seeds/users.csv", users),
            ("seeds/orders.csv", orders),
            ("models/stg_users.sql", "select * from {{ ref('users') }}\n"),
            ("models/stg_orders.sql", "select * from {{ ref('orders') }}\n"),
            (
                "models/user_totals.sql",
                "select user_id, sum(amount) as total from {{ ref('stg_orders') }} group by user_id\n",
            ),
            ("models/schema.yml", SCHEMA),
        ])
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn mozt(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_mozt"))
            .args(args)
            .current_dir(self.root())
            .env_remove("MOZT_TARGET")
            .env_remove("MOZT_PROJECT_DIR")
            .env("MOZT_LOG", "error")
            .output()
            .unwrap();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Rows of a query on the project's DuckDB file, as text.
    fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let conn = duckdb::Connection::open(self.root().join("target/dev.duckdb")).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut out = vec![];
        while let Some(row) = rows.next().unwrap() {
            let n = row.as_ref().column_count();
            out.push(
                (0..n)
                    .map(|i| match row.get_ref(i).unwrap() {
                        duckdb::types::ValueRef::Null => "null".to_string(),
                        duckdb::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        other => format!("{:?}", other.to_owned()),
                    })
                    .collect(),
            );
        }
        out
    }
}

/// The output without timings and independent of the order nodes finished in (which the
/// scheduler decides), for snapshots: progress lines sorted without their counter, the
/// failure blocks of the summary sorted.
fn stable(text: &str) -> String {
    let mut progress = vec![];
    let mut rest = vec![];
    for line in text.lines() {
        let line = match line.rfind(" [") {
            Some(i) if line.ends_with(']') => line[..i].trim_end_matches(['.', ' ']).to_string(),
            _ => line.to_string(),
        };
        let counter = line.trim_start().split_once(" of ").and_then(|(n, r)| {
            n.parse::<usize>().ok()?;
            r.split_once(' ').map(|(_, after)| after.to_string())
        });
        match counter {
            Some(after) => progress.push(after),
            None if line.starts_with("Finished in ") => rest.push("Finished in TIME".to_string()),
            None => rest.push(line),
        }
    }
    progress.sort();
    let rest = rest.join("\n");
    let mut blocks: Vec<&str> = rest.split("\n\n").collect();
    let first = blocks
        .iter()
        .position(|b| b.contains(" in test ") || b.contains(" in unit_test "));
    let last = blocks
        .iter()
        .rposition(|b| b.contains(" in test ") || b.contains(" in unit_test "));
    if let (Some(a), Some(b)) = (first, last) {
        blocks[a..=b].sort();
    }
    format!("{}\n---\n{}", progress.join("\n"), blocks.join("\n\n"))
}

#[test]
fn built_in_tests_pass_on_good_data() {
    let p = Project::shop(USERS_OK, ORDERS_OK);
    let out = p.mozt(&["build"]);
    out.expect(0);
    for name in [
        "unique_stg_users_id",
        "not_null_stg_users_id",
        "not_null_stg_users_name",
        "accepted_values_stg_users_status__active__inactive",
        "unique_stg_orders_id",
    ] {
        assert!(out.line(name).contains(" PASS "), "{name}: {}", out.stdout);
    }
    assert!(
        out.line("relationships_stg_orders_user_id__id__ref_stg_users_")
            .contains(" PASS ")
    );
    // Tests are nodes: ls lists them, and each depends on what it tests.
    let ls = p.mozt(&["ls", "--resource-type", "test", "--output", "name"]);
    ls.expect(0);
    assert_eq!(ls.stdout.lines().count(), 6, "{}", ls.stdout);
    let json = p.mozt(&["ls", "-s", "test_name:relationships", "--output", "json"]);
    json.expect(0);
    let v: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(
        v["depends_on"],
        serde_json::json!(["model.shop.stg_orders", "model.shop.stg_users"])
    );
}

#[test]
fn each_built_in_test_fails_on_bad_data_and_build_skips_downstream() {
    let users = "id,name,status\n1,ann,active\n1,bob,inactive\n3,,gone\n";
    let orders = "id,user_id,amount\n10,1,5\n10,9,7\n";
    let p = Project::shop(users, orders);
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(
        out.line("unique_stg_users_id")
            .contains("FAIL unique_stg_users_id (1 failing)")
    );
    assert!(
        out.line("not_null_stg_users_name")
            .contains("FAIL not_null_stg_users_name (1 failing)")
    );
    assert!(
        out.line("accepted_values_stg_users")
            .contains("FAIL accepted_values_stg_users_status__active__inactive (1 failing)")
    );
    assert!(
        out.line("relationships_stg_orders")
            .contains("FAIL relationships_stg_orders_")
    );
    assert!(
        out.line("unique_stg_orders_id")
            .contains("FAIL unique_stg_orders_id (1 failing)")
    );
    assert!(out.line("not_null_stg_users_id").contains(" PASS "));
    // user_totals reads stg_orders, whose unique test failed: skipped. (The relationships
    // test alone would not stop it: it also reads stg_users, which user_totals does not.)
    assert!(out.line("analytics.user_totals").contains(" SKIP "), "{}", out.stdout);
    assert!(out.has("FAIL in test not_null_stg_users_name (models/schema.yml)"));
    assert!(out.has("compiled SQL: target/compiled/shop/models/schema.yml/not_null_stg_users_name.sql"));
    assert!(out.has("rerun with --store-failures"));
    insta::assert_snapshot!("built_in_failures", stable(&out.stdout));
}

#[test]
fn severity_warn_reports_without_failing_and_thresholds_apply() {
    let users = "id,name,status\n1,ann,active\n2,,active\n3,,active\n";
    let schema = "\
models:
  - name: stg_users
    columns:
      - name: name
        data_tests:
          - not_null:
              config: {severity: warn}
      - name: status
        data_tests:
          - not_null
";
    let p = Project::new(&[
        ("seeds/users.csv", users),
        ("models/stg_users.sql", "select * from {{ ref('users') }}\n"),
        ("models/schema.yml", schema),
    ]);
    let out = p.mozt(&["build"]);
    out.expect(0);
    assert!(
        out.line("not_null_stg_users_name")
            .contains("WARN not_null_stg_users_name (2 failing)")
    );
    assert!(out.has("Completed with warnings"));
    assert!(out.has("WARN=1"));

    // error severity with error_if above the count: a warning, not a failure.
    p.write(
        "models/schema.yml",
        &schema.replace("{severity: warn}", "{error_if: '>5'}"),
    );
    let out = p.mozt(&["test"]);
    out.expect(0);
    assert!(out.line("not_null_stg_users_name").contains("WARN"));
    p.write(
        "models/schema.yml",
        &schema.replace("{severity: warn}", "{error_if: '>1'}"),
    );
    let out = p.mozt(&["test"]);
    out.expect(1);
    assert!(out.line("not_null_stg_users_name").contains("FAIL"));
    assert!(out.has("2 failing rows (fails if >1)"));
    // warn_if above the count: a pass.
    p.write(
        "models/schema.yml",
        &schema.replace("{severity: warn}", "{severity: warn, warn_if: '>2'}"),
    );
    assert!(
        p.mozt(&["test"])
            .expect(0)
            .line("not_null_stg_users_name")
            .contains("PASS")
    );
}

#[test]
fn where_filters_the_tested_rows() {
    let users = "id,name,status\n1,ann,active\n2,bob,gone\n";
    let schema = "\
models:
  - name: stg_users
    columns:
      - name: status
        data_tests:
          - accepted_values:
              values: [active]
              config:
                where: \"id < 2\"
";
    let p = Project::new(&[
        ("seeds/users.csv", users),
        ("models/stg_users.sql", "select * from {{ ref('users') }}\n"),
        ("models/schema.yml", schema),
    ]);
    p.mozt(&["build"]).expect(0);
    let sql = std::fs::read_to_string(
        p.root()
            .join("target/compiled/shop/models/schema.yml/accepted_values_stg_users_status__active.sql"),
    )
    .unwrap();
    assert!(sql.contains("where id < 2"), "{sql}");
    p.write("models/schema.yml", &schema.replace("id < 2", "id < 3"));
    p.mozt(&["test"]).expect(1);
}

#[test]
fn custom_generic_tests_and_overrides_of_built_ins() {
    let p = Project::new(&[
        ("seeds/orders.csv", "id,amount\n1,5\n2,-3\n3,-4\n"),
        ("models/stg_orders.sql", "select * from {{ ref('orders') }}\n"),
        (
            "tests/generic/is_positive.sql",
            "{% test is_positive(model, column_name, strict=true) %}\nselect * from {{ model }} where {{ column_name }} {% if strict %}<={% else %}<{% endif %} 0\n{% endtest %}\n",
        ),
        (
            "macros/row_count.sql",
            "{% test row_count_at_least(model, n) %}\nselect 1 from (select count(*) as c from {{ model }}) t where c < {{ n }}\n{% endtest %}\n",
        ),
        (
            "models/schema.yml",
            "models:\n  - name: stg_orders\n    data_tests:\n      - row_count_at_least: {n: 3}\n    columns:\n      - name: amount\n        data_tests: [is_positive]\n",
        ),
    ]);
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(
        out.line("is_positive_stg_orders_amount")
            .contains("FAIL is_positive_stg_orders_amount (2 failing)")
    );
    assert!(out.line("row_count_at_least_stg_orders_3").contains("PASS"));

    // `config()` in a test's definition sets its default severity; the YAML entry's wins.
    p.write(
        "tests/generic/mostly_positive.sql",
        "{% test mostly_positive(model, column_name) %}\n{{ config(severity='warn') }}\nselect * from {{ model }} where {{ column_name }} < 0\n{% endtest %}\n",
    );
    p.write(
        "models/schema.yml",
        "models:\n  - name: stg_orders\n    columns:\n      - name: amount\n        data_tests:\n          - mostly_positive\n      - name: id\n        data_tests:\n          - mostly_positive: {config: {severity: error}}\n",
    );
    let out = p.mozt(&["test"]);
    out.expect(0);
    assert!(out.line("mostly_positive_stg_orders_amount").contains("WARN"));
    assert!(out.line("mostly_positive_stg_orders_id").contains("PASS"));
    p.write("seeds/orders.csv", "id,amount\n-1,5\n");
    p.mozt(&["seed"]).expect(0);
    let out = p.mozt(&["test"]);
    out.expect(1);
    assert!(out.line("mostly_positive_stg_orders_id").contains("FAIL"));
    p.write("seeds/orders.csv", "id,amount\n1,5\n2,-3\n3,-4\n");
    p.mozt(&["seed"]).expect(0);

    // A project's own `not_null` replaces the built-in one.
    p.write(
        "models/schema.yml",
        "models:\n  - name: stg_orders\n    columns:\n      - name: amount\n        data_tests: [not_null]\n",
    );
    p.write(
        "macros/my_not_null.sql",
        "{% test not_null(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} is null or {{ column_name }} < 0\n{% endtest %}\n",
    );
    let out = p.mozt(&["test"]);
    out.expect(1);
    assert!(out.line("not_null_stg_orders_amount").contains("(2 failing)"));
}

/// Tests declared alike on several models render once and are shared, yet each reads its own
/// model; a test that looks at its model (not only prints it) is rendered for each model.
#[test]
fn tests_declared_alike_each_test_their_own_model() {
    let p = Project::new(&[
        ("seeds/raw.csv", "id,kind\n1,a\n2,a\n3,b\n"),
        ("models/m_a.sql", "select id from {{ ref('raw') }} where kind = 'a'\n"),
        (
            "models/m_b.sql",
            "select null as id from {{ ref('raw') }} where kind = 'b'\n",
        ),
        ("models/m_c.sql", "select id from {{ ref('raw') }}\n"),
        (
            "tests/generic/named.sql",
            "{% test named(model, column_name) %}\nselect '{{ model.identifier }}' as t from {{ model }} where {{ column_name }} > 2\n{% endtest %}\n",
        ),
        (
            "models/schema.yml",
            "models:\n\
             \x20 - {name: m_a, columns: [{name: id, data_tests: [not_null, named]}]}\n\
             \x20 - {name: m_b, columns: [{name: id, data_tests: [not_null, named]}]}\n\
             \x20 - {name: m_c, columns: [{name: id, data_tests: [not_null, named]}]}\n",
        ),
    ]);
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(out.line("not_null_m_a_id").contains("PASS"));
    assert!(out.line("not_null_m_b_id").contains("FAIL"));
    assert!(out.line("not_null_m_c_id").contains("PASS"));
    assert!(out.line("named_m_a_id").contains("PASS"));
    assert!(out.line("named_m_c_id").contains("FAIL"));
    for m in ["m_a", "m_b", "m_c"] {
        let dir = p.root().join("target/compiled/shop/models/schema.yml");
        let not_null = std::fs::read_to_string(dir.join(format!("not_null_{m}_id.sql"))).unwrap();
        assert!(not_null.contains(&format!("analytics.{m}\n")), "{not_null}");
        let named = std::fs::read_to_string(dir.join(format!("named_{m}_id.sql"))).unwrap();
        assert!(
            named.contains(&format!("select '{m}' as t from analytics.{m} ")),
            "{named}"
        );
    }
}

#[test]
fn singular_tests_read_refs_and_fail_on_rows() {
    let p = Project::shop(USERS_OK, ORDERS_OK);
    p.write(
        "tests/assert_no_big_orders.sql",
        "select * from {{ ref('stg_orders') }} where amount > 8\n",
    );
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(
        out.line("assert_no_big_orders")
            .contains("FAIL assert_no_big_orders (1 failing)")
    );
    assert!(out.has("compiled SQL: target/compiled/shop/tests/assert_no_big_orders.sql"));
    // The singular test reads stg_orders, so it ran after it; user_totals, a child of
    // stg_orders, waits for it in build and is skipped.
    assert!(out.line("analytics.user_totals").contains("SKIP"));
}

#[test]
fn store_failures_keeps_the_failing_rows_in_a_table() {
    let users = "id,name,status\n1,ann,active\n2,,active\n3,,active\n";
    let p = Project::shop(users, ORDERS_OK);
    let out = p.mozt(&["build", "--store-failures"]);
    out.expect(1);
    assert!(out.has("see the failing rows: select * from analytics_test_failures.not_null_stg_users_name"));
    let rows = p.query("select count(*) from analytics_test_failures.not_null_stg_users_name");
    assert_eq!(rows, vec![vec!["BigInt(2)".to_string()]]);

    // config store_failures: true, with an alias naming the table; and limit caps the count.
    p.write(
        "models/schema.yml",
        "models:\n  - name: stg_users\n    columns:\n      - name: name\n        data_tests:\n          - not_null:\n              config: {store_failures: true, alias: users_without_name, limit: 1}\n",
    );
    let out = p.mozt(&["test"]);
    out.expect(1);
    assert!(out.line("not_null_stg_users_name").contains("(1 failing)"));
    assert!(out.has("select * from analytics_test_failures.users_without_name"));
    assert_eq!(
        p.query("select count(*) from analytics_test_failures.users_without_name"),
        vec![vec!["BigInt(1)".to_string()]]
    );
}

#[test]
fn selection_picks_a_models_tests_and_exclude_leaves_them_out() {
    let p = Project::shop(USERS_OK, ORDERS_OK);
    p.mozt(&["build"]).expect(0);
    let out = p.mozt(&["test", "-s", "stg_users"]);
    out.expect(0);
    assert!(out.has("not_null_stg_users_name"));
    assert!(!out.has("unique_stg_orders_id"));

    let out = p.mozt(&["test", "--exclude", "stg_users"]);
    out.expect(0);
    assert!(!out.has("not_null_stg_users_name"));
    assert!(out.has("unique_stg_orders_id"));

    // Tags on a column apply to its tests.
    p.write(
        "models/schema.yml",
        &SCHEMA.replace("      - name: name\n", "      - name: name\n        tags: [pii]\n"),
    );
    let out = p.mozt(&["test", "-s", "tag:pii"]);
    out.expect(0);
    assert!(
        out.has("not_null_stg_users_name") && out.has("TOTAL=1"),
        "{}",
        out.stdout
    );

    let out = p.mozt(&["test", "-s", "test_name:accepted_values"]);
    out.expect(0);
    assert!(out.has("TOTAL=1"));
    let out = p.mozt(&["ls", "-s", "test_type:generic", "--output", "name"]);
    assert_eq!(out.expect(0).stdout.lines().count(), 6);
}

const UNIT: &str = "\
unit_tests:
  - name: totals_add_up_per_user
    model: user_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, user_id: 7, amount: 5}
          - {id: 2, user_id: 7, amount: 6}
          - {id: 3, user_id: 8, amount: 1}
    expect:
      rows:
        - {user_id: 8, total: 1}
        - {user_id: 7, total: 11}
";

#[test]
fn unit_tests_pass_and_fail_with_a_row_diff() {
    let p = Project::shop(USERS_OK, ORDERS_OK);
    p.write("models/unit.yml", UNIT);
    let out = p.mozt(&["build"]);
    out.expect(0);
    // The unit test runs before its model is built.
    let pos = |needle: &str| {
        out.stdout
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}: {}", out.stdout))
    };
    assert!(pos("PASS user_totals::totals_add_up_per_user") < pos("analytics.user_totals"));

    p.write(
        "models/unit.yml",
        &UNIT.replace("{user_id: 7, total: 11}", "{user_id: 7, total: 12}"),
    );
    let out = p.mozt(&["test", "-s", "user_totals"]);
    out.expect(1);
    assert!(
        out.line("totals_add_up_per_user")
            .contains("FAIL user_totals::totals_add_up_per_user (2 rows differ)")
    );
    insta::assert_snapshot!("unit_test_diff", stable(&out.stdout));

    // In build, a failing unit test stops its model.
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(out.line("analytics.user_totals").contains("SKIP"));

    // CSV rows, a model input not given, and an expected column the model does not return.
    p.write(
        "models/unit.yml",
        "unit_tests:\n  - name: csv_rows\n    model: user_totals\n    given:\n      - input: ref('stg_orders')\n        format: csv\n        rows: |\n          id,user_id,amount\n          1,7,5\n    expect:\n      format: csv\n      rows: |\n        user_id,total\n        7,5\n",
    );
    p.mozt(&["test", "-s", "test_type:unit"]).expect(0);
    // A fixture file for the input and SQL for the expected rows.
    p.write("tests/fixtures/two_orders.csv", "id,user_id,amount\n1,7,5\n2,7,2\n");
    p.write(
        "models/unit.yml",
        "unit_tests:\n  - name: fixture_rows\n    model: user_totals\n    given:\n      - input: ref('stg_orders')\n        format: csv\n        fixture: two_orders\n    expect:\n      format: sql\n      fixture: expected_totals\n",
    );
    p.write(
        "tests/fixtures/expected_totals.sql",
        "select 7 as user_id, 7 as total\n",
    );
    let out = p.mozt(&["test", "-s", "test_type:unit"]);
    out.expect(0);
    assert!(out.has("PASS user_totals::fixture_rows"));
    // A fixture is not a singular test.
    let ls = p.mozt(&["ls", "--resource-type", "test", "--output", "name"]);
    assert!(!ls.expect(0).has("expected_totals"), "{}", ls.stdout);
    p.write(
        "models/unit.yml",
        "unit_tests:\n  - name: missing_input\n    model: user_totals\n    given: []\n    expect: {rows: []}\n",
    );
    let out = p.mozt(&["parse"]);
    out.expect(2);
    assert!(
        out.stderr
            .contains("model user_totals reads ref('stg_orders'), which is not given"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--> models/unit.yml:2"), "{}", out.stderr);
}

#[test]
fn bad_test_yaml_is_a_located_project_error() {
    let p = Project::shop(USERS_OK, ORDERS_OK);
    p.write(
        "models/schema.yml",
        &SCHEMA.replace("          - not_null\n", "          - not_nul\n"),
    );
    let out = p.mozt(&["parse"]);
    out.expect(2);
    assert!(
        out.stderr
            .contains("unknown test 'not_nul' on column name of model stg_users"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--> models/schema.yml:8"), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean 'not_null'?"), "{}", out.stderr);
    insta::assert_snapshot!("unknown_test", out.stderr.trim_end());

    p.write("models/schema.yml", &SCHEMA.replace("              field: id\n", ""));
    let out = p.mozt(&["build"]);
    out.expect(2);
    assert!(
        out.stderr
            .contains("test relationships is missing its argument `field`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--> models/schema.yml:19"), "{}", out.stderr);

    p.write(
        "models/schema.yml",
        &SCHEMA.replace(
            "values: ['active', 'inactive']",
            "values: [a]\n              valuez: [a]",
        ),
    );
    let out = p.mozt(&["parse"]);
    out.expect(2);
    assert!(
        out.stderr.contains("does not take an argument `valuez`"),
        "{}",
        out.stderr
    );

    p.write(
        "models/schema.yml",
        "models:\n  - name: stg_users\n    columns:\n      - name: id\n        data_tests:\n          - unique: {severity: loud}\n",
    );
    p.mozt(&["parse"]).expect(2);
    p.write(
        "models/schema.yml",
        "models:\n  - name: stg_users\n    columns:\n      - name: id\n        data_tests:\n          - relationships:\n              to: ref('nope')\n              field: id\n",
    );
    let out = p.mozt(&["parse"]);
    out.expect(2);
    assert!(out.stderr.contains("ref('nope')"), "{}", out.stderr);
    assert!(out.stderr.contains("--> models/schema.yml:6"), "{}", out.stderr);
}

#[test]
fn tests_on_sources() {
    let p = Project::new(&[
        (
            "seeds/raw_users.csv",
            "id,loaded_at\n1,2024-01-01 00:00:00\n1,2024-01-02 00:00:00\n",
        ),
        (
            "models/sources.yml",
            "sources:\n  - name: raw\n    schema: analytics\n    tables:\n      - name: raw_users\n        columns:\n          - name: id\n            data_tests: [unique, not_null]\n",
        ),
        ("models/users.sql", "select * from {{ source('raw', 'raw_users') }}\n"),
    ]);
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(out.line("source_unique_raw_raw_users_id").contains("FAIL"));
    assert!(out.line("source_not_null_raw_raw_users_id").contains("PASS"));
    assert!(out.line("analytics.users").contains("SKIP"));
}

/// The sample project in the repository, copied into a temporary folder.
fn sample() -> Project {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
    };
    for dir in ["models", "seeds", "macros", "tests", "snapshots"] {
        for entry in walkdir::WalkDir::new(repo.join(dir)).into_iter().flatten() {
            let rel = entry.path().strip_prefix(&repo).unwrap();
            let name = rel.to_string_lossy();
            let keep = ["sql", "yml", "csv"]
                .iter()
                .any(|e| entry.path().extension().is_some_and(|x| x == *e));
            if entry.file_type().is_file() && keep {
                p.write(&name, &std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    p.write(
        "project.yml",
        &std::fs::read_to_string(repo.join("project.yml")).unwrap(),
    );
    p
}

#[test]
fn sample_project_build_passes_every_test_and_a_duplicate_user_stops_it() {
    let p = sample();
    let out = p.mozt(&["build"]);
    out.expect(0);
    assert!(!out.has(" FAIL ") && !out.has(" WARN "), "{}", out.stdout);
    assert!(out.has("PASS dim_users::engagement_tier_follows_days_since_last_engagement"));
    assert!(out.has("PASS assert_opens_never_exceed_deliveries"));

    // The same user twice (another Braze profile with the same external id).
    let users = std::fs::read_to_string(p.root().join("seeds/braze/user.csv")).unwrap();
    let line = users
        .lines()
        .find(|l| !l.starts_with(',') && !l.starts_with("external_id"))
        .unwrap();
    let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
    cells[1] = "ffffffffffffffffffffffff".to_string();
    p.write("seeds/braze/user.csv", &format!("{users}{}\n", cells.join(",")));
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(
        out.line("unique_stg_braze__user_user_key")
            .contains("FAIL unique_stg_braze__user_user_key (1 failing)")
    );
    assert!(out.has("FAIL in test unique_stg_braze__user_user_key"));
    for downstream in [
        "analytics.dim_users",
        "analytics.fct_message_funnel",
        "analytics.int_braze__messages",
    ] {
        assert!(out.line(downstream).contains(" SKIP "), "{downstream}: {}", out.stdout);
    }
    // Models not downstream of the user table still build.
    assert!(out.line("analytics.stg_braze__campaign ").contains(" OK "));
}

#[test]
fn source_freshness_reports_age_and_fails_when_stale() {
    let now = chrono::Utc::now().naive_utc();
    let recent = (now - chrono::Duration::minutes(30)).format("%Y-%m-%d %H:%M:%S");
    let old = (now - chrono::Duration::hours(30)).format("%Y-%m-%d %H:%M:%S");
    let p = Project::new(&[
        ("seeds/events.csv", &format!("id,synced\n1,{recent}\n")),
        ("seeds/users.csv", &format!("id,synced\n1,{old}\n")),
        ("seeds/plans.csv", &format!("id,synced\n1,{old}\n")),
        (
            "models/sources.yml",
            "sources:\n  - name: raw\n    schema: analytics\n    loaded_at_field: synced\n    freshness:\n      warn_after: {count: 12, period: hour}\n      error_after: {count: 2, period: day}\n    tables:\n      - name: events\n      - name: users\n      - name: plans\n        freshness: null\n",
        ),
    ]);
    p.mozt(&["seed"]).expect(0);
    let out = p.mozt(&["source", "freshness"]);
    out.expect(0);
    assert!(
        out.line("raw.events")
            .contains("PASS freshness of raw.events: 30 minutes old")
    );
    assert!(
        out.line("raw.users")
            .contains("WARN freshness of raw.users: 1 day 6 hours old (warn after 12 hours)")
    );
    assert!(!out.has("raw.plans"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.root().join("target/sources.json")).unwrap()).unwrap();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["unique_id"], "source.shop.raw.users");
    assert_eq!(results[1]["status"], "warn");

    p.write(
        "models/sources.yml",
        "sources:\n  - name: raw\n    schema: analytics\n    loaded_at_field: synced\n    freshness:\n      error_after: {count: 1, period: day}\n    tables:\n      - name: users\n",
    );
    let out = p.mozt(&["source", "freshness", "-s", "source:raw.users"]);
    out.expect(1);
    assert!(out.line("raw.users").contains("ERROR STALE"));

    p.write(
        "models/sources.yml",
        "sources:\n  - name: raw\n    schema: analytics\n    loaded_at_field: synced\n    freshness:\n      error_after: {count: 1, period: fortnight}\n    tables:\n      - name: users\n",
    );
    let out = p.mozt(&["source", "freshness"]);
    out.expect(2);
    assert!(out.stderr.contains("unknown period 'fortnight'"), "{}", out.stderr);
}

#[test]
fn a_test_whose_sql_fails_is_an_error_not_a_pass() {
    let p = Project::new(&[
        ("seeds/users.csv", USERS_OK),
        ("models/stg_users.sql", "select * from {{ ref('users') }}\n"),
        (
            "tests/names_are_numbers.sql",
            "select * from {{ ref('stg_users') }} where cast(name as integer) > 0\n",
        ),
    ]);
    let out = p.mozt(&["build"]);
    out.expect(1);
    assert!(out.line("names_are_numbers").contains("ERROR names_are_numbers"));
    assert!(out.has("ERROR in test names_are_numbers (tests/names_are_numbers.sql)"));
    assert_eq!(
        out.stdout
            .matches("compiled SQL: target/compiled/shop/tests/names_are_numbers.sql")
            .count(),
        1,
        "{}",
        out.stdout
    );
}
