//! `mozt deploy` (blue/green) and `mozt clone` on DuckDB: a deploy swaps everything in or
//! changes nothing; views end up reading the target schema; incremental models continue from
//! the target's data.

mod common;

use common::TestProject;

/// A seed, a table model with tests, a view over it, an incremental model, and a model in a
/// custom schema.
fn project() -> TestProject {
    let p = TestProject::new("deploy_test");
    p.write_deploy_models().write(
        "models/m.sql",
        "{{ config(materialized='table', schema='marts') }}\nselect count(*) as n from {{ ref('v') }}\n",
    );
    p
}

fn count(p: &TestProject, rel: &str) -> String {
    p.scalar(&format!("select count(*)::varchar from {rel}"))
}

fn staging_left(p: &TestProject) -> Vec<String> {
    p.relations()
        .into_iter()
        .filter(|r| r.contains("__mozt_deploy"))
        .collect()
}

#[test]
fn deploy_promotes_everything_and_views_read_the_target_schema() {
    let p = project();
    let out = p.ok(&["deploy"]);
    assert!(out.stdout.contains("Promoted 5 relations"), "{}", out.stdout);
    assert_eq!(count(&p, "analytics.t"), "2");
    assert_eq!(
        p.scalar("select string_agg(v, ',' order by id) from analytics.v"),
        "A,B"
    );
    assert_eq!(p.scalar("select n::varchar from analytics_marts.m"), "2");
    assert_eq!(p.relation_type("analytics", "v").as_deref(), Some("VIEW"));
    let view_sql = p.scalar("select sql from duckdb_views() where view_name = 'v' and schema_name = 'analytics'");
    assert!(
        !view_sql.contains("__mozt_deploy"),
        "the view reads the staging schema: {view_sql}"
    );
    assert!(
        staging_left(&p).is_empty(),
        "staging left behind: {:?}",
        staging_left(&p)
    );
    // The manifest names the target's relations, for later --state comparisons.
    let manifest = p.json("target/manifest.json");
    let name = &manifest["nodes"]["model.deploy_test.t"]["relation_name"];
    assert_eq!(name.as_str(), Some("analytics.t"), "{name}");
    let results = p.json("target/run_results.json");
    let t = results["results"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["unique_id"] == "model.deploy_test.t"))
        .unwrap_or_else(|| panic!("no result for t: {results}"));
    assert_eq!(t["relation_name"].as_str(), Some("analytics.t"), "{t}");
}

#[test]
fn a_failing_test_changes_nothing_in_the_target() {
    let p = project();
    p.ok(&["deploy"]);
    // A duplicate id fails t's unique test; the new row would change every relation.
    p.write("seeds/raw.csv", "id,v\n1,a\n2,b\n3,c\n3,d\n");
    let out = p.mozt(&["deploy"]);
    out.assert_code(1);
    assert!(out.stdout.contains("Deploy aborted"), "{}", out.stdout);
    assert_eq!(count(&p, "analytics.raw"), "2");
    assert_eq!(count(&p, "analytics.t"), "2");
    assert_eq!(count(&p, "analytics.inc"), "2");
    assert_eq!(
        p.scalar("select string_agg(v, ',' order by id) from analytics.v"),
        "A,B"
    );
    assert_eq!(p.scalar("select n::varchar from analytics_marts.m"), "2");
    assert!(
        staging_left(&p).is_empty(),
        "staging left behind: {:?}",
        staging_left(&p)
    );
    // The same through `build --atomic`.
    p.mozt(&["build", "--atomic"]).assert_code(1);
    assert_eq!(count(&p, "analytics.t"), "2");
}

#[test]
fn a_failing_model_changes_nothing_and_keep_staging_keeps_it() {
    let p = project();
    p.ok(&["deploy"]);
    p.write("seeds/raw.csv", "id,v\n1,a\n2,b\n3,c\n");
    // Fails at run time only (the cast), after t and inc were built in staging.
    p.write(
        "models/m.sql",
        "{{ config(materialized='table', schema='marts') }}\nselect cast(max(v) as integer) as n from {{ ref('v') }}\n",
    );
    let out = p.mozt(&["deploy", "--keep-staging"]);
    out.assert_code(1);
    assert!(out.stdout.contains("Deploy aborted"), "{}", out.stdout);
    assert_eq!(count(&p, "analytics.t"), "2");
    assert_eq!(count(&p, "analytics.inc"), "2");
    assert_eq!(p.scalar("select n::varchar from analytics_marts.m"), "2");
    // Kept for inspection: the staging copy holds the new data.
    assert_eq!(count(&p, "analytics__mozt_deploy.t"), "3");
    // The next deploy starts from clean staging schemas and drops them when done.
    p.write(
        "models/m.sql",
        "{{ config(materialized='table', schema='marts') }}\nselect count(*) as n from {{ ref('v') }}\n",
    );
    p.ok(&["deploy"]);
    assert_eq!(p.scalar("select n::varchar from analytics_marts.m"), "3");
    assert!(
        staging_left(&p).is_empty(),
        "staging left behind: {:?}",
        staging_left(&p)
    );
}

#[test]
fn incremental_models_continue_from_the_target_data() {
    let p = project();
    p.ok(&["deploy"]);
    // Rows 1 and 2 leave the source: a rebuild from scratch would keep only row 3.
    p.write("seeds/raw.csv", "id,v\n3,c\n");
    p.ok(&["deploy"]);
    assert_eq!(
        p.scalar("select string_agg(id::varchar, ',' order by id) from analytics.inc"),
        "1,2,3"
    );
    assert_eq!(count(&p, "analytics.t"), "1");
}

/// A deploy's manifest.json is the production state pull requests compare with: nothing is
/// modified right after it, and a changed model selects itself and what depends on it.
#[test]
fn deploy_artifacts_serve_as_the_state_for_the_next_change() {
    let p = project();
    p.ok(&["deploy"]);
    std::fs::create_dir_all(p.path().join("prod-artifacts")).expect("mkdir");
    for f in ["manifest.json", "run_results.json"] {
        std::fs::copy(p.path().join("target").join(f), p.path().join("prod-artifacts").join(f)).expect("copy");
    }
    let ls = |p: &TestProject| {
        let out = p.ok(&[
            "ls",
            "-s",
            "state:modified+",
            "--state",
            "prod-artifacts",
            "--output",
            "name",
        ]);
        let mut names = out.stdout_lines();
        names.sort();
        names
    };
    assert!(ls(&p).is_empty(), "modified right after a deploy: {:?}", ls(&p));
    p.write("models/v.sql", "select id, lower(v) as v from {{ ref('t') }}\n");
    let names = ls(&p);
    assert!(
        names.contains(&"v".to_string()) && names.contains(&"m".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"t".to_string()), "{names:?}");
}

#[test]
fn deploy_of_a_selection_reads_unselected_parents_from_the_target() {
    let p = project();
    p.ok(&["deploy"]);
    p.write("models/v.sql", "select id, lower(v) as v from {{ ref('t') }}\n");
    let out = p.ok(&["deploy", "-s", "v+"]);
    assert!(out.stdout.contains("Promoted 2 relations"), "{}", out.stdout);
    assert_eq!(
        p.scalar("select string_agg(v, ',' order by id) from analytics.v"),
        "a,b"
    );
    assert!(
        staging_left(&p).is_empty(),
        "staging left behind: {:?}",
        staging_left(&p)
    );
}

/// Targets `prod` and `ci`; `ci` in the same DuckDB file as prod (schema `ci`) or in its own.
fn clone_project(same_file: bool) -> TestProject {
    let ci_path = if same_file {
        "target/dev.duckdb"
    } else {
        "target/pr.duckdb"
    };
    let p = TestProject::with_yml(&format!(
        "name: clone_test\ntargets:\n  default: ci\n  prod: {{type: duckdb, path: target/dev.duckdb, schema: analytics}}\n  \
         ci: {{type: duckdb, path: {ci_path}, schema: ci}}\n"
    ));
    p.write_seed_table_view().write(
        "models/later.sql",
        "{{ config(materialized='table') }}\nselect 1 as x\n",
    );
    p
}

#[test]
fn clone_within_one_file_copies_tables_and_points_views_at_prod() {
    let p = clone_project(true);
    p.ok(&["build", "-t", "prod", "--exclude", "later"]);
    let out = p.ok(&["clone", "--from-target", "prod"]);
    assert!(
        out.stdout
            .contains("Cloned 2 tables and 1 view from target prod into target ci"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Not in target prod (left as they are): later"),
        "{}",
        out.stdout
    );
    assert_eq!(p.relation_type("ci", "t").as_deref(), Some("BASE TABLE"));
    assert_eq!(p.relation_type("ci", "v").as_deref(), Some("VIEW"));
    assert_eq!(p.relation_type("ci", "later"), None);
    assert_eq!(p.scalar("select string_agg(v, ',' order by id) from ci.v"), "A,B");
    // A copy, not a reference: changing prod leaves the CI table as it was.
    p.write("seeds/raw.csv", "id,v\n1,a\n");
    p.ok(&["seed", "-t", "prod"]);
    p.ok(&["run", "-t", "prod", "-s", "t"]);
    assert_eq!(count(&p, "ci.t"), "2");
    // A CI build of one changed model then reads the cloned parent.
    p.write("models/v.sql", "select id, lower(v) as v from {{ ref('t') }}\n");
    p.ok(&["run", "-s", "v"]);
    assert_eq!(p.scalar("select string_agg(v, ',' order by id) from ci.v"), "a,b");
}

#[test]
fn clone_from_another_duckdb_file_copies_everything() {
    let p = clone_project(false);
    p.ok(&["build", "-t", "prod"]);
    let out = p.ok(&["clone", "--from-target", "prod", "-s", "t", "v"]);
    assert!(
        out.stdout
            .contains("Cloned 2 tables and 0 views from target prod into target ci"),
        "{}",
        out.stdout
    );
    let ci = p.path().join("target/pr.duckdb");
    let rows = common::query_db(&ci, "select string_agg(v, ',' order by id) from ci.v");
    assert_eq!(rows, vec![vec!["A,B".to_string()]]);
    let later = common::query_db(
        &ci,
        "select count(*)::varchar from information_schema.tables where table_name = 'later'",
    );
    assert_eq!(later, vec![vec!["0".to_string()]], "later was not selected");
}

#[test]
fn clone_from_a_state_manifest() {
    let p = clone_project(true);
    p.ok(&["build", "-t", "prod", "--exclude", "later"]);
    std::fs::create_dir_all(p.path().join("prod-artifacts")).expect("mkdir");
    std::fs::copy(
        p.path().join("target/manifest.json"),
        p.path().join("prod-artifacts/manifest.json"),
    )
    .expect("copy manifest.json");
    let out = p.ok(&["clone", "--state", "prod-artifacts", "--exclude", "raw"]);
    assert!(
        out.stdout
            .contains("Cloned 1 table and 1 view from the state in prod-artifacts into target ci"),
        "{}",
        out.stdout
    );
    assert_eq!(p.scalar("select string_agg(v, ',' order by id) from ci.v"), "A,B");
    assert_eq!(p.relation_type("ci", "raw"), None);
}

#[test]
fn clone_refuses_its_own_target_unknown_targets_and_no_source() {
    let p = clone_project(true);
    p.mozt(&["clone", "--from-target", "ci"]).assert_project_error();
    p.mozt(&["clone", "--from-target", "nope"]).assert_project_error();
    let out = p.mozt(&["clone"]);
    out.assert_project_error();
    assert!(out.stderr.contains("--from-target NAME"), "{}", out.stderr);
}
