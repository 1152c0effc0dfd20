//! `mozt init`, `compile`, `show`, and the artifacts under target/.

mod common;

use common::{TestProject, project_yml, query_db, run_mozt};

#[test]
fn init_then_build_works_at_once() {
    let dir = TestProject::empty();
    let out = run_mozt(dir.path(), &["init", "demo"], &[]);
    out.assert_ok();
    assert!(out.stdout.contains("cd demo"), "{}", out.stdout);
    let root = dir.path().join("demo");
    assert!(root.join("project.yml").exists());

    let out = run_mozt(&root, &["build"], &[]);
    out.assert_ok();
    assert!(out.stdout.contains("Completed successfully"), "{}", out.stdout);
    // The starter project's mart is a table with one row per customer.
    let db = root.join("target/dev.duckdb");
    let rows = query_db(
        &db,
        "select table_type from information_schema.tables where table_name = 'customers'",
    );
    assert_eq!(rows, [["BASE TABLE"]]);
    assert_eq!(
        query_db(&db, "select count(*), count(distinct customer_id) from customers"),
        [["3", "3"]]
    );

    // A second init into the same folder is refused, and a bad name too.
    let again = run_mozt(dir.path(), &["init", "demo"], &[]);
    again.assert_project_error();
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    run_mozt(dir.path(), &["init", "no-dashes"], &[]).assert_project_error();
    assert!(!dir.path().join("no-dashes").exists());
}

fn small_project() -> TestProject {
    let p = TestProject::with_yml(&project_yml(
        "shop",
        "models:\n  shop:\n    marts: {+materialized: table, +schema: reporting}\n",
    ));
    p.write(
        "seeds/raw_orders.csv",
        "id,amount,status\n1,10.5,paid\n2,20,paid\n3,7.25,refunded\n",
    );
    p.write(
        "models/staging/stg_orders.sql",
        "select id as order_id, amount, status\nfrom {{ ref('raw_orders') }}\n",
    );
    p.write(
        "models/marts/revenue.sql",
        "select status, sum(amount) as revenue, count(*) as orders\nfrom {{ ref('stg_orders') }}\ngroup by status\n",
    );
    p.write(
        "models/marts/_marts.yml",
        "models:\n  - name: revenue\n    description: Revenue per order status.\n    columns:\n      - name: status\n        description: paid or refunded\n",
    );
    p
}

#[test]
fn compile_writes_sql_with_refs_resolved() {
    let p = small_project();
    let out = p.ok(&["compile"]);
    assert!(out.stdout.contains("Compiled"), "{}", out.stdout);
    let stg = p.read("target/compiled/shop/models/staging/stg_orders.sql");
    assert_eq!(
        stg.trim(),
        "select id as order_id, amount, status\nfrom analytics.raw_orders"
    );
    let mart = p.read("target/compiled/shop/models/marts/revenue.sql");
    assert!(mart.contains("from analytics.stg_orders"), "{mart}");
    assert!(!mart.contains("{{"), "{mart}");
    // compile needs no warehouse.
    assert!(!p.db_path().exists());
    // -s limits what is compiled.
    let q = small_project();
    q.ok(&["compile", "-s", "revenue"]);
    assert!(q.path().join("target/compiled/shop/models/marts/revenue.sql").exists());
    assert!(
        !q.path()
            .join("target/compiled/shop/models/staging/stg_orders.sql")
            .exists()
    );
}

#[test]
fn recompile_rewrites_only_what_changed_and_remakes_a_removed_folder() {
    let p = small_project();
    p.write(
        "models/marts/_marts.yml",
        "models:\n  - name: revenue\n    columns:\n      - name: status\n        data_tests: [not_null]\n",
    );
    p.ok(&["compile"]);
    let stg = "target/compiled/shop/models/staging/stg_orders.sql";
    let mart = "target/compiled/shop/models/marts/revenue.sql";
    let test = "target/compiled/shop/models/marts/_marts.yml/not_null_revenue_status.sql";
    let mtime = |rel: &str| {
        std::fs::metadata(p.path().join(rel))
            .and_then(|m| m.modified())
            .unwrap_or_else(|e| panic!("{rel}: {e}"))
    };
    let (stg_at, mart_at, test_at) = (mtime(stg), mtime(mart), mtime(test));
    assert!(p.read(test).contains("status is null"), "{}", p.read(test));

    // A changed model's file is rewritten; files whose SQL is the same are left untouched.
    std::thread::sleep(std::time::Duration::from_millis(50));
    p.write(
        "models/marts/revenue.sql",
        "select status, sum(amount) as revenue\nfrom {{ ref('stg_orders') }}\ngroup by status\nhaving sum(amount) > 0\n",
    );
    p.ok(&["compile"]);
    assert_ne!(mtime(mart), mart_at);
    assert!(p.read(mart).contains("having sum(amount) > 0"), "{}", p.read(mart));
    assert_eq!(mtime(stg), stg_at);
    assert_eq!(mtime(test), test_at);

    // A compiled folder removed (with the tests' folder inside it) is made again, whole.
    std::fs::remove_dir_all(p.path().join("target/compiled/shop/models/marts")).expect("remove the folder");
    p.ok(&["compile"]);
    assert!(p.read(mart).contains("having sum(amount) > 0"), "{}", p.read(mart));
    assert!(p.read(test).contains("status is null"), "{}", p.read(test));
    assert_eq!(mtime(stg), stg_at);
}

#[test]
fn show_previews_rows_as_json_csv_and_table() {
    let p = small_project();
    p.ok(&["build"]);

    let out = p.ok(&["show", "-s", "revenue", "--output", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).expect("show --output json prints JSON");
    let mut got: Vec<(String, f64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap_or_default().to_string(),
                r["revenue"].as_f64().expect("revenue is a number"),
                r["orders"].as_i64().expect("orders is a number"),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, [("paid".to_string(), 30.5, 2), ("refunded".to_string(), 7.25, 1)]);

    let out = p.ok(&["show", "-s", "stg_orders", "--output", "csv", "--limit", "2"]);
    let lines = out.stdout_lines();
    assert_eq!(lines[0], "order_id,amount,status");
    assert_eq!(lines.len(), 3, "header and two rows: {}", out.stdout);

    let out = p.ok(&["show", "-s", "raw_orders"]);
    assert!(out.stdout.contains("| id |"), "{}", out.stdout);
    assert!(out.stdout.contains("(3 rows)"), "{}", out.stdout);

    let out = p.ok(&[
        "show",
        "--inline",
        "select count(*) as n from {{ ref('stg_orders') }}",
        "--output",
        "csv",
    ]);
    assert_eq!(out.stdout_lines(), ["n", "3"]);

    // show previews one model.
    p.mozt(&["show", "-s", "tag:none"]).assert_project_error();
    p.mozt(&["show", "-s", "+revenue"]).assert_project_error();
}

/// The whole manifest.json of a small project (every kind of entry: seed, source, models,
/// an ephemeral one, a data test, lineage), keys in the order written: a change to what
/// consumers and `--state` read shows up here.
#[test]
fn manifest_json_content() {
    let p = small_project();
    p.write(
        "models/staging/_sources.yml",
        "sources:\n  - name: crm\n    tables:\n      - name: customers\n        description: One row per customer.\n        loaded_at_field: updated_at\n        freshness: {warn_after: {count: 1, period: day}}\n        columns:\n          - name: id\n            data_type: integer\n          - name: name\n",
    );
    p.write(
        "models/staging/stg_customers.sql",
        "{{ config(materialized='ephemeral', tags=['crm']) }}\nselect id as customer_id, name from {{ source('crm', 'customers') }}\n",
    );
    p.write(
        "models/marts/customer_orders.sql",
        "select c.customer_id, c.name, o.amount * 2 as double_amount, 1 as one\nfrom {{ ref('stg_customers') }} as c\ncross join {{ ref('stg_orders') }} as o\n",
    );
    p.write(
        "models/marts/_marts.yml",
        "models:\n  - name: revenue\n    description: Revenue per order status.\n    columns:\n      - name: status\n        description: paid or refunded\n        data_tests: [not_null]\n",
    );
    p.ok(&["compile"]);
    let mut m = p.json("target/manifest.json");
    m["metadata"]["generated_at"] = "[generated_at]".into();
    m["metadata"]["env"]["MOZT_VERSION"] = "[version]".into();
    let text = serde_json::to_string_pretty(&m).expect("JSON prints");
    insta::assert_snapshot!(text);
}

#[test]
fn manifest_and_run_results_describe_the_run() {
    let p = small_project();
    p.ok(&["build"]);

    let m = p.json("target/manifest.json");
    assert_eq!(m["metadata"]["project_name"], "shop");
    assert_eq!(m["metadata"]["adapter_type"], "duckdb");
    let revenue = &m["nodes"]["model.shop.revenue"];
    assert_eq!(revenue["resource_type"], "model");
    assert_eq!(revenue["original_file_path"], "models/marts/revenue.sql");
    assert_eq!(revenue["config"]["materialized"], "table");
    assert_eq!(revenue["config"]["schema"], "reporting");
    assert_eq!(revenue["relation_name"], "analytics_reporting.revenue");
    assert_eq!(
        revenue["depends_on"]["nodes"],
        serde_json::json!(["model.shop.stg_orders"])
    );
    assert_eq!(
        revenue["compiled_path"],
        "target/compiled/shop/models/marts/revenue.sql"
    );
    assert_eq!(revenue["description"], "Revenue per order status.");
    assert_eq!(revenue["columns"]["status"]["description"], "paid or refunded");
    let stg = &m["nodes"]["model.shop.stg_orders"];
    assert_eq!(stg["depends_on"]["nodes"], serde_json::json!(["seed.shop.raw_orders"]));
    assert_eq!(m["nodes"]["seed.shop.raw_orders"]["resource_type"], "seed");
    assert_eq!(
        m["child_map"]["model.shop.stg_orders"],
        serde_json::json!(["model.shop.revenue"])
    );

    let r = p.json("target/run_results.json");
    let results = r["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for res in results {
        assert_eq!(res["status"], "success", "{res}");
        assert!(res["execution_time"].as_f64().is_some_and(|t| t >= 0.0), "{res}");
        assert!(res["message"].as_str().is_some_and(|m| !m.is_empty()), "{res}");
    }
    let seed = results
        .iter()
        .find(|x| x["unique_id"] == "seed.shop.raw_orders")
        .expect("seed result");
    assert_eq!(seed["adapter_response"]["rows_affected"], 3);
    // Parents finish before their children.
    let pos = |id: &str| results.iter().position(|x| x["unique_id"] == id).expect("in results");
    assert!(pos("seed.shop.raw_orders") < pos("model.shop.stg_orders"));
    assert!(pos("model.shop.stg_orders") < pos("model.shop.revenue"));
    assert!(r["elapsed_time"].as_f64().is_some());
}

#[test]
fn secrets_stay_out_of_artifacts() {
    // A Snowflake target (the emulator) whose password comes from an environment variable.
    let p = common::emulator_project("sec");
    let yml = p
        .read("project.yml")
        .replace("password: any", "password: \"{{ env_var('MOZT_TEST_SECRET') }}\"");
    p.write("project.yml", &yml);
    p.write("models/m.sql", "select 1 as id\n");
    p.mozt_env(&["build"], &[("MOZT_TEST_SECRET", "hunter2-very-secret")])
        .assert_ok();
    for f in ["target/manifest.json", "target/run_results.json"] {
        assert!(!p.read(f).contains("hunter2-very-secret"), "{f} leaks the secret");
    }
    let out = p.mozt_env(
        &[
            "show",
            "--inline",
            "select '{{ target.password }}' as p",
            "--output",
            "csv",
        ],
        &[("MOZT_TEST_SECRET", "hunter2-very-secret")],
    );
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
}
