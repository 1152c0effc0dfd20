//! dbt's run flags and project folders beyond models: `--empty` on run, build and compile,
//! `analyses/`, and seeds' `quote_columns`, `column_types` and `delimiter`, in a project in
//! dbt's layout.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

fn rows(p: &TestProject, sql: &str) -> Vec<String> {
    p.query(sql).into_iter().map(|r| r.join(" ")).collect()
}

/// Seeds, a source over one, an ephemeral model, a table, a view and a test.
fn empty_project() -> TestProject {
    let p = TestProject::dbt("");
    p.write(
        "seeds/orders.csv",
        "id,amount,placed_at\n1,5,2024-01-01\n2,7,2024-01-02\n",
    )
    .write("seeds/refunds.csv", "order_id,refund\n1,2.5\n")
    .write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: raw\n    schema: analytics\n    tables:\n      - name: refunds\n",
    )
    .write(
        "models/eph.sql",
        "{{ config(materialized='ephemeral') }}\nselect order_id, refund from {{ source('raw', 'refunds') }}\n",
    )
    .write(
        "models/net.sql",
        "{{ config(materialized='table') }}\n{% set orders = ref('orders') %}\n\
             select o.id, o.placed_at, o.amount - coalesce(r.refund, 0) as net\n\
             from {{ orders }} as o left join {{ ref('eph') }} r on r.order_id = o.id\n",
    )
    .write(
        "models/net_total.sql",
        "select count(*) as n, sum(net) as total from {{ ref('net') }}\n",
    )
    .write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: net\n    columns:\n      - name: id\n        data_tests: [not_null, unique]\n",
    );
    p
}

#[test]
fn empty_builds_every_model_with_its_columns_and_no_rows() {
    let p = empty_project();
    p.ok(&["seed"]);
    p.ok(&["compile", "--empty"]);
    let compiled = p.read("target/compiled/shop/models/net.sql");
    assert!(
        compiled.contains("from (select * from analytics.orders where false limit 0) as o"),
        "{compiled}"
    );
    assert!(
        compiled.contains("from (select * from analytics.refunds where false limit 0)"),
        "the source inside the ephemeral CTE reads empty:\n{compiled}"
    );
    assert!(
        compiled.contains("__mozt__cte__eph as ("),
        "the ephemeral model is a CTE, not a subquery:\n{compiled}"
    );

    let out = p.ok(&["build", "--empty", "-s", "net+"]);
    assert!(out.stdout.contains("PASS"), "{}", out.stdout);
    assert_eq!(p.scalar("select count(*) from analytics.net"), "0");
    assert_eq!(
        rows(
            &p,
            "select column_name || ':' || data_type from information_schema.columns where table_name = 'net' order by ordinal_position"
        ),
        vec!["id:INTEGER", "placed_at:DATE", "net:DOUBLE"]
    );
    assert_eq!(p.scalar("select n from analytics.net_total"), "0");

    // Without the flag the same models read the rows.
    p.ok(&["run"]);
    assert_eq!(p.scalar("select total from analytics.net_total"), "9.5");
    assert!(!p.read("target/compiled/shop/models/net.sql").contains("limit 0"));
}

#[test]
fn analyses_compile_into_target_and_never_run() {
    let p = TestProject::dbt("analysis-paths: [reports]\n");
    p.write("seeds/orders.csv", "id,amount\n1,5\n2,7\n")
        .write("models/big_orders.sql", "select * from {{ ref('orders') }} where amount > {{ var('min', 6) }}\n")
        .write(
            "reports/finance/revenue.sql",
            "{{ config(materialized='table') }}\nselect count(*) as n, sum(amount) as total from {{ ref('big_orders') }}\n",
        )
        // Not under analysis-paths: not read.
        .write("analyses/ignored.sql", "select {{ nope( }}\n");
    let out = p.ok(&["compile"]);
    assert!(
        !out.stderr.contains("analysis-paths"),
        "read, not warned about:\n{}",
        out.stderr
    );
    assert_eq!(
        p.read("target/compiled/shop/reports/finance/revenue.sql").trim(),
        "select count(*) as n, sum(amount) as total from analytics.big_orders"
    );
    let manifest = p.json("target/manifest.json");
    let node = &manifest["nodes"]["analysis.shop.revenue"];
    assert_eq!(node["resource_type"], "analysis", "{node}");
    assert_eq!(node["depends_on"]["nodes"][0], "model.shop.big_orders", "{node}");

    let out = p.ok(&["build"]);
    assert!(!out.stdout.contains("revenue"), "{}", out.stdout);
    assert_eq!(p.relations(), vec!["analytics.big_orders", "analytics.orders"]);
    assert!(
        p.ls(&[]).contains(&"revenue".to_string()),
        "listed, as dbt ls lists analyses"
    );
}

/// A seed's `delimiter` and `column_types` from dbt_project.yml's `seeds:` folder configs, and
/// `quote_columns` on DuckDB (names as the header writes them, odd ones included).
#[test]
fn seed_configs_from_dbt_project_yml() {
    let p = TestProject::dbt(
        "seeds:\n  shop:\n    +quote_columns: true\n    lookups:\n      +delimiter: \";\"\n      +column_types: {code: varchar}\n",
    );
    p.write("seeds/lookups/codes.csv", "code;Label Text;group\n007;x;1\n")
        .write(
            "models/codes_used.sql",
            "select code, \"Label Text\" as label, \"group\" from {{ ref('codes') }}\n",
        );
    let out = p.ok(&["build"]);
    assert!(!out.stderr.contains("WARN"), "{}", out.stderr);
    assert_eq!(
        rows(
            &p,
            "select column_name || ':' || data_type from information_schema.columns where table_name = 'codes' order by ordinal_position"
        ),
        vec!["code:VARCHAR", "Label Text:VARCHAR", "group:INTEGER"]
    );
    assert_eq!(rows(&p, "select * from analytics.codes_used"), vec!["007 x 1"]);
}

/// In dbt's layout a seed's columns get the types dbt gives them (agate's rules as dbt-core sets
/// them up), so a migrated project's seed tables match dbt's; mozt's own layout keeps its
/// stricter inference (tested in cli_seeds).
#[test]
fn seeds_are_typed_as_dbt_types_them() {
    let p = TestProject::dbt("");
    p.write(
        "seeds/events.csv",
        "id,code,at_ms,at,nothing,note,label\n1,007,2021-04-12 23:42:35.000,2021-04-12 23:42:35,,null,null\n2,12,2021-04-13 01:00:00.000,2021-04-13 01:00:00,,NULL,x\n",
    );
    p.ok(&["seed"]);
    assert_eq!(
        rows(
            &p,
            "select column_name || ' ' || data_type from information_schema.columns where table_name = 'events' order by ordinal_position"
        ),
        vec![
            "id INTEGER",
            "code INTEGER",
            "at_ms VARCHAR",
            "at TIMESTAMP",
            "nothing INTEGER",
            "note INTEGER",
            "label VARCHAR"
        ]
    );
    assert_eq!(
        rows(
            &p,
            "select code, at_ms, note is null, label from analytics.events order by id"
        ),
        // A `null` cell is NULL in a typed column; in a text column it stays text, as
        // dbt-duckdb's CSV load keeps it.
        vec![
            "7 2021-04-12 23:42:35.000 true null",
            "12 2021-04-13 01:00:00.000 true x"
        ]
    );
}
