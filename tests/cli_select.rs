//! The selector language on a small DAG, through `mozt ls` and `mozt run`.
//!
//! ```text
//!   seeds/raw.csv -> stg_a -> int_ab -> mart_x -> mart_y
//!                    stg_b ->/
//!   models/other/lonely
//! ```

mod common;

use common::{TestProject, project_yml};

fn project() -> TestProject {
    let p = TestProject::with_yml(&project_yml(
        "sel",
        "models:\n  sel:\n    staging: {+tags: [stg]}\n    marts: {+tags: [mart], +materialized: table}\n",
    ));
    p.write("seeds/raw.csv", "id\n1\n2\n");
    p.write("models/staging/stg_a.sql", "select id from {{ ref('raw') }}\n");
    p.write("models/staging/stg_b.sql", "select 10 as id\n");
    p.write(
        "models/intermediate/int_ab.sql",
        "{{ config(tags=['nightly']) }}\nselect id from {{ ref('stg_a') }} union all select id from {{ ref('stg_b') }}\n",
    );
    p.write("models/marts/mart_x.sql", "select * from {{ ref('int_ab') }}\n");
    p.write(
        "models/marts/mart_y.sql",
        "{{ config(tags=['nightly']) }}\nselect count(*) as n from {{ ref('mart_x') }}\n",
    );
    p.write("models/other/lonely.sql", "select 1 as x\n");
    p
}

/// `mozt ls ARGS --output name`, sorted.
fn ls(p: &TestProject, args: &[&str]) -> Vec<String> {
    let mut all = vec!["ls", "--output", "name"];
    all.extend_from_slice(args);
    let mut v = p.ok(&all).stdout_lines();
    v.sort();
    v
}

#[test]
fn names_and_graph_operators() {
    let p = project();
    assert_eq!(ls(&p, &["-s", "int_ab"]), ["int_ab"]);
    assert_eq!(ls(&p, &["-s", "stg_a", "lonely"]), ["lonely", "stg_a"]);
    assert_eq!(ls(&p, &["-s", "stg_a", "-s", "lonely"]), ["lonely", "stg_a"]);
    assert_eq!(ls(&p, &["-s", "+int_ab"]), ["int_ab", "raw", "stg_a", "stg_b"]);
    assert_eq!(ls(&p, &["-s", "int_ab+"]), ["int_ab", "mart_x", "mart_y"]);
    assert_eq!(
        ls(&p, &["-s", "+mart_x+"]),
        ["int_ab", "mart_x", "mart_y", "raw", "stg_a", "stg_b"]
    );
    assert_eq!(ls(&p, &["-s", "1+mart_x"]), ["int_ab", "mart_x"]);
    assert_eq!(ls(&p, &["-s", "stg_a+1"]), ["int_ab", "stg_a"]);
    assert_eq!(ls(&p, &["-s", "raw+"]), ["int_ab", "mart_x", "mart_y", "raw", "stg_a"]);
    let none = p.ok(&["ls", "-s", "no_such_model"]);
    assert!(none.stdout.is_empty(), "{}", none.stdout);
    assert!(
        none.stderr.contains("'no_such_model' matches no node"),
        "a selector that matches nothing is worth a warning: {}",
        none.stderr
    );
}

#[test]
fn tags_paths_exclude_and_intersection() {
    let p = project();
    assert_eq!(ls(&p, &["-s", "tag:stg"]), ["stg_a", "stg_b"]);
    assert_eq!(ls(&p, &["-s", "tag:nightly"]), ["int_ab", "mart_y"]);
    assert_eq!(ls(&p, &["-s", "tag:mart"]), ["mart_x", "mart_y"]);
    assert_eq!(ls(&p, &["-s", "path:models/marts"]), ["mart_x", "mart_y"]);
    assert_eq!(ls(&p, &["-s", "path:models/staging/stg_b.sql"]), ["stg_b"]);
    assert_eq!(ls(&p, &["-s", "models/other"]), ["lonely"]);
    assert_eq!(ls(&p, &["-s", "path:seeds"]), ["raw"]);
    // Intersection: nightly AND mart.
    assert_eq!(ls(&p, &["-s", "tag:nightly,tag:mart"]), ["mart_y"]);
    assert_eq!(ls(&p, &["-s", "int_ab+,tag:mart"]), ["mart_x", "mart_y"]);
    // Exclusion.
    assert_eq!(
        ls(&p, &["-s", "+mart_y", "--exclude", "tag:stg"]),
        ["int_ab", "mart_x", "mart_y", "raw"]
    );
    assert_eq!(ls(&p, &["-s", "tag:mart", "--exclude", "mart_y"]), ["mart_x"]);
    assert_eq!(
        ls(&p, &["--resource-type", "model", "--exclude", "int_ab+", "lonely"]),
        ["stg_a", "stg_b"]
    );
}

#[test]
fn ls_outputs() {
    let p = project();
    // Without a selection: every node and nothing else, as fqn selectors.
    let mut all = p.ok(&["ls"]).stdout_lines();
    all.sort();
    assert_eq!(
        all,
        [
            "sel.intermediate.int_ab",
            "sel.marts.mart_x",
            "sel.marts.mart_y",
            "sel.other.lonely",
            "sel.raw",
            "sel.staging.stg_a",
            "sel.staging.stg_b",
        ]
    );
    assert_eq!(
        p.ok(&["ls", "-s", "tag:stg", "--output", "path"]).stdout_lines(),
        ["models/staging/stg_a.sql", "models/staging/stg_b.sql"]
    );
    assert_eq!(ls(&p, &["--resource-type", "seed"]), ["raw"]);
    let json: Vec<serde_json::Value> = p
        .ok(&["ls", "-s", "int_ab", "--output", "json"])
        .stdout_lines()
        .iter()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["unique_id"], "model.sel.int_ab");
    assert_eq!(json[0]["resource_type"], "model");
    assert_eq!(json[0]["original_file_path"], "models/intermediate/int_ab.sql");
    let mut deps: Vec<String> = json[0]["depends_on"]
        .as_array()
        .expect("depends_on")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    deps.sort();
    assert_eq!(deps, ["model.sel.stg_a", "model.sel.stg_b"]);
    assert_eq!(json[0]["config"]["tags"], serde_json::json!(["nightly"]));
}

#[test]
fn run_builds_only_the_selection() {
    let p = project();
    p.ok(&["build", "-s", "+int_ab"]);
    assert_eq!(
        p.relations(),
        [
            "analytics.int_ab",
            "analytics.raw",
            "analytics.stg_a",
            "analytics.stg_b"
        ]
    );
    p.ok(&["run", "-s", "int_ab+", "--exclude", "mart_y"]);
    assert!(p.relations().contains(&"analytics.mart_x".to_string()));
    assert!(!p.relations().contains(&"analytics.mart_y".to_string()));
    let results = p.json("target/run_results.json");
    let ids: Vec<&str> = results["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["unique_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"model.sel.int_ab") && ids.contains(&"model.sel.mart_x"));
}

#[test]
fn bad_selectors_are_usage_errors() {
    let p = project();
    let out = p.mozt(&["ls", "-s", "tag:"]);
    out.assert_project_error();
    assert!(out.stderr.contains("tag:"), "{}", out.stderr);
    let out = p.mozt(&["ls", "-s", "colour:red"]);
    out.assert_project_error();
    assert!(out.stderr.contains("colour"), "{}", out.stderr);
}
