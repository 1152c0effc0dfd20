//! `--defer --state`: a pull request builds only its changed models (and what depends on them)
//! in a CI schema, and reads every other model from production. On a copy of the sample project
//! with DuckDB: "production" is the `dev` target (schema analytics), CI the `ci` target (schema
//! ci) in the same database file.

mod common;

use common::{TestProject, sample_project};

fn project_with_ci_target() -> TestProject {
    let p = sample_project();
    let yml = p.read("project.yml");
    let dev = "  dev: {type: duckdb, path: target/dev.duckdb, schema: analytics, threads: 4}\n";
    assert!(yml.contains(dev), "the sample's dev target changed: update this test");
    p.write(
        "project.yml",
        &yml.replace(
            dev,
            &format!("{dev}  ci: {{type: duckdb, path: target/dev.duckdb, schema: ci, threads: 4}}\n"),
        ),
    );
    p
}

fn ci_relations(p: &TestProject) -> Vec<String> {
    p.relations().into_iter().filter(|r| r.starts_with("ci.")).collect()
}

#[test]
fn a_pull_request_builds_only_what_changed_and_reads_the_rest_from_prod() {
    let p = project_with_ci_target();
    p.ok(&["build"]);
    p.save_artifacts("prod-artifacts");
    let funnel = "models/marts/fct_message_funnel.sql";
    let text = p.read(funnel);
    // The final select gets a new column.
    assert!(
        text.contains("\nselect\n"),
        "fct_message_funnel changed: update this test"
    );
    p.write(
        funnel,
        &text.replace("\nselect\n", "\nselect\n    'pr' as pr_marker,\n"),
    );
    let ci = [
        "build",
        "-t",
        "ci",
        "-s",
        "state:modified+",
        "--state",
        "prod-artifacts",
    ];

    // Without --defer, the unselected parents do not exist in schema ci: the build fails.
    let out = p.mozt(&ci);
    out.assert_code(1);
    assert!(ci_relations(&p).is_empty(), "{:?}", ci_relations(&p));

    let mut with_defer = ci.to_vec();
    with_defer.push("--defer");
    let out = p.mozt(&with_defer);
    out.assert_ok();
    // Exactly the modified model and its descendants are built in ci.
    let built: Vec<String> = p
        .ls(&["-s", "fct_message_funnel+", "--resource-type", "model"])
        .into_iter()
        .map(|n| format!("ci.{n}"))
        .collect();
    assert!(built.len() >= 3, "{built:?}");
    let found: Vec<String> = ci_relations(&p)
        .into_iter()
        .filter(|r| !r.ends_with("__mozt_braze_state"))
        .collect();
    assert_eq!(found, built, "{}", out.stdout);
    // Same rows as production's, read from production's parents.
    for table in ["fct_message_funnel", "fct_campaign_performance"] {
        assert_eq!(
            p.scalar(&format!("select count(*) from ci.{table}")),
            p.scalar(&format!("select count(*) from analytics.{table}")),
            "{table}"
        );
    }
    let compiled = p.read("target/compiled/braze_analytics/models/marts/fct_message_funnel.sql");
    assert!(compiled.contains("analytics.int_braze__"), "{compiled}");
    assert!(!compiled.contains("ci.int_braze__"), "{compiled}");
    // The model built in this run is read from ci, not deferred.
    let downstream = p.read("target/compiled/braze_analytics/models/marts/fct_campaign_performance.sql");
    assert!(downstream.contains("ci.fct_message_funnel"), "{downstream}");
    assert_eq!(
        p.scalar("select count(*) from ci.fct_message_funnel where pr_marker = 'pr'"),
        p.scalar("select count(*) from ci.fct_message_funnel")
    );

    // A parent that exists in the CI schema is read from there, not from production.
    p.ok(&[
        "run",
        "-t",
        "ci",
        "-s",
        "int_braze__messages",
        "--defer",
        "--state",
        "prod-artifacts",
    ]);
    p.ok(&with_defer);
    let compiled = p.read("target/compiled/braze_analytics/models/marts/fct_message_funnel.sql");
    assert!(compiled.contains("ci.int_braze__messages"), "{compiled}");
    assert!(
        compiled.contains("analytics.int_braze__message_events") || !compiled.contains("int_braze__message_events"),
        "{compiled}"
    );
}
