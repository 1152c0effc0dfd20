//! Selector methods beyond names and tags: `result:` (a previous run_results.json),
//! `test_type:`/`test_name:`, tests with several parents, named selectors in selectors.yml,
//! and the errors for each.
//!
//! ```text
//!   seeds/raw.csv -> ok_a -> bad_b (fails) -> after_b (skipped)
//!                    ok_a -> pair <- other          (relationships test pair.id -> other.id)
//! ```

mod common;

use common::{Output, TestProject, project_yml};

fn project() -> TestProject {
    let p = TestProject::with_yml(&project_yml("sels", "models:\n  sels:\n    marts: {+tags: [mart]}\n"));
    p.write("seeds/raw.csv", "id\n1\n2\n");
    p.write("models/ok_a.sql", "select id from {{ ref('raw') }}\n");
    p.write(
        "models/bad_b.sql",
        "select id from {{ ref('ok_a') }} join no_such_table using (id)\n",
    );
    p.write("models/after_b.sql", "select * from {{ ref('bad_b') }}\n");
    p.write("models/marts/other.sql", "select 1 as id union all select 2\n");
    p.write("models/marts/pair.sql", "select id from {{ ref('ok_a') }}\n");
    p.write(
        "models/schema.yml",
        "models:\n  - name: ok_a\n    columns:\n      - name: id\n        data_tests: [not_null, {accepted_values: {values: [1], config: {severity: warn}}}]\n  \
         - name: pair\n    columns:\n      - name: id\n        data_tests:\n          - relationships: {to: ref('other'), field: id}\n",
    );
    p.write(
        "tests/assert_ok_a_small.sql",
        "select * from {{ ref('ok_a') }} where id > 100\n",
    );
    p.write(
        "tests/assert_other_small.sql",
        "select * from {{ ref('other') }} where id > 1\n",
    );
    p
}

fn ls(p: &TestProject, args: &[&str]) -> Vec<String> {
    p.ls(args)
}

/// Build (some nodes fail) and keep its artifacts in `last-run/`.
fn with_last_run() -> TestProject {
    let p = project();
    p.mozt(&["build"]).assert_code(1);
    p.save_artifacts("last-run");
    p
}

#[test]
fn result_method_reads_the_previous_run() {
    let p = with_last_run();
    let r = |sel: &str| ls(&p, &["--state", "last-run", "-s", sel]);
    assert_eq!(r("result:error"), ["bad_b"]);
    assert_eq!(r("result:skipped"), ["after_b"]);
    assert_eq!(r("result:fail"), ["assert_other_small"]);
    assert_eq!(r("result:warn"), ["accepted_values_ok_a_id__1"]);
    assert_eq!(r("result:error+"), ["after_b", "bad_b"]);
    assert_eq!(
        r("result:success,tag:mart"),
        [
            "assert_other_small",
            "other",
            "pair",
            "relationships_pair_id__id__ref_other_"
        ]
    );
    assert_eq!(r("result:pass,test_type:singular"), ["assert_ok_a_small"]);
    // success and skipped (tests passed: `pass`, not matched).
    assert_eq!(
        ls(
            &p,
            &["--state", "last-run", "-s", "result:s*", "--resource-type", "model"]
        ),
        ["after_b", "ok_a", "other", "pair"]
    );
    // Rerun what failed and what it skipped.
    let out = p.mozt(&["build", "--state", "last-run", "-s", "result:error+", "result:skipped"]);
    out.assert_code(1);
    let results = p.json("target/run_results.json");
    let mut ran: Vec<&str> = results["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["unique_id"].as_str().unwrap_or_default())
        .collect();
    ran.sort();
    assert_eq!(ran, ["model.sels.after_b", "model.sels.bad_b"]);
}

#[test]
fn test_methods_and_multi_parent_tests() {
    let p = project();
    assert_eq!(
        ls(&p, &["-s", "test_type:singular"]),
        ["assert_ok_a_small", "assert_other_small"]
    );
    assert_eq!(
        ls(&p, &["-s", "test_type:generic"]),
        [
            "accepted_values_ok_a_id__1",
            "not_null_ok_a_id",
            "relationships_pair_id__id__ref_other_"
        ]
    );
    assert_eq!(ls(&p, &["-s", "test_name:not_null"]), ["not_null_ok_a_id"]);
    assert_eq!(
        ls(&p, &["-s", "test_name:accepted_*,test_type:generic"]),
        ["accepted_values_ok_a_id__1"]
    );
    assert_eq!(
        ls(&p, &["-s", "resource_type:test", "--exclude", "test_type:generic"]),
        ["assert_ok_a_small", "assert_other_small"]
    );
    // A test reading two models comes with either of them (eager indirect selection)...
    assert!(ls(&p, &["-s", "other"]).contains(&"relationships_pair_id__id__ref_other_".to_string()));
    assert!(ls(&p, &["-s", "pair"]).contains(&"relationships_pair_id__id__ref_other_".to_string()));
    // ... and goes away when either is excluded.
    assert!(
        !ls(&p, &["-s", "tag:mart", "--exclude", "other"])
            .contains(&"relationships_pair_id__id__ref_other_".to_string())
    );
    // @: the node, its descendants, and their ancestors.
    assert_eq!(
        ls(&p, &["-s", "@bad_b", "--resource-type", "model", "seed"]),
        ["after_b", "bad_b", "ok_a", "raw"]
    );
    assert_eq!(ls(&p, &["-s", "@bad_b,tag:mart"]), Vec::<String>::new());
    assert_eq!(
        ls(&p, &["-s", "+pair,resource_type:seed", "other"]),
        [
            "assert_other_small",
            "other",
            "raw",
            "relationships_pair_id__id__ref_other_"
        ]
    );
    assert_eq!(
        ls(
            &p,
            &[
                "-s",
                "config.materialized:view,path:models/marts",
                "--resource-type",
                "model"
            ]
        ),
        ["other", "pair"]
    );
}

#[test]
fn named_selectors() {
    let p = project();
    p.write(
        "selectors.yml",
        r#"selectors:
  - name: marts
    definition: "tag:mart"
  - name: a_and_children
    definition:
      method: fqn
      value: ok_a
      children: true
  - name: a_parents
    definition: {method: name, value: ok_a, parents: true}
  - name: marts_but_other
    definition:
      union:
        - selector: marts
        - exclude: ["other"]
  - name: a_children_models_in_marts
    definition:
      intersection:
        - selector: a_and_children
        - method: path
          value: models/marts
  - name: depth
    definition: {method: name, value: raw, children_depth: 1}
  - name: at
    definition: {method: name, value: bad_b, childrens_parents: true}
"#,
    );
    let sel = |name: &str| ls(&p, &["--selector", name, "--resource-type", "model", "seed"]);
    assert_eq!(sel("marts"), ["other", "pair"]);
    assert_eq!(sel("a_and_children"), ["after_b", "bad_b", "ok_a", "pair"]);
    assert_eq!(sel("a_parents"), ["ok_a", "raw"]);
    assert_eq!(sel("marts_but_other"), ["pair"]);
    assert_eq!(sel("a_children_models_in_marts"), ["pair"]);
    assert_eq!(sel("depth"), ["ok_a", "raw"]);
    assert_eq!(sel("at"), ["after_b", "bad_b", "ok_a", "raw"]);
    // Tests come with what a selector picks, as with --select.
    assert!(ls(&p, &["--selector", "marts"]).contains(&"relationships_pair_id__id__ref_other_".to_string()));
    // And run with it.
    p.ok(&["build", "--selector", "a_parents"]);
    p.ok(&["run", "--selector", "marts"]);
    assert_eq!(
        p.relations(),
        ["analytics.ok_a", "analytics.other", "analytics.pair", "analytics.raw"]
    );
}

/// stderr with the temp folder's path replaced.
fn redact(out: &Output, p: &TestProject) -> String {
    out.assert_project_error();
    out.stderr.replace(&p.path().display().to_string(), "[project]")
}

#[test]
fn selector_and_state_errors() {
    let p = project();
    let out = p.mozt(&["ls", "--selector", "marts"]);
    insta::assert_snapshot!("selectors_yml_missing", redact(&out, &p));

    p.write(
        "selectors.yml",
        "selectors:\n  - name: marts\n    definition: \"tag:mart\"\n",
    );
    let out = p.mozt(&["ls", "--selector", "mart"]);
    insta::assert_snapshot!("selector_unknown", redact(&out, &p));

    p.write(
        "selectors.yml",
        "selectors:\n  - name: marts\n    definition: [\"tag:mart\"\n",
    );
    let out = p.mozt(&["ls", "--selector", "marts"]);
    insta::assert_snapshot!("selectors_yml_bad_yaml", redact(&out, &p));

    p.write(
        "selectors.yml",
        "selectors:\n  - name: ok\n    definition: \"tag:mart\"\n  - name: loop\n    definition: {union: [{selector: loop}]}\n  - name: odd\n    definition: {colour: red}\n  - name: bad_method\n    definition: \"colour:red\"\n",
    );
    insta::assert_snapshot!("selector_cycle", redact(&p.mozt(&["ls", "--selector", "loop"]), &p));
    insta::assert_snapshot!(
        "selector_bad_definition",
        redact(&p.mozt(&["ls", "--selector", "odd"]), &p)
    );
    insta::assert_snapshot!(
        "selector_bad_method",
        redact(&p.mozt(&["ls", "--selector", "bad_method"]), &p)
    );

    let out = p.mozt(&["ls", "-s", "state:modified"]);
    insta::assert_snapshot!("state_without_state_dir", redact(&out, &p));
    let out = p.mozt(&["ls", "-s", "state:modified", "--state", "nowhere"]);
    insta::assert_snapshot!("state_dir_missing", redact(&out, &p));

    p.ok(&["parse"]);
    std::fs::create_dir_all(p.path().join("st")).expect("mkdir");
    std::fs::copy(p.path().join("target/manifest.json"), p.path().join("st/manifest.json")).expect("copy");
    let out = p.mozt(&["ls", "-s", "state:changed", "--state", "st"]);
    insta::assert_snapshot!("state_unknown_kind", redact(&out, &p));
    let out = p.mozt(&["ls", "-s", "state:modified.colour", "--state", "st"]);
    insta::assert_snapshot!("state_unknown_sub_kind", redact(&out, &p));
    let out = p.mozt(&["ls", "-s", "result:error", "--state", "st"]);
    insta::assert_snapshot!("result_without_run_results", redact(&out, &p));
    let out = p.mozt(&["ls", "-s", "result:broken", "--state", "st"]);
    insta::assert_snapshot!("result_unknown_status", redact(&out, &p));
    p.write("st/manifest.json", "{\"nodes\": {\n  \"x\": [}\n");
    let out = p.mozt(&["ls", "-s", "state:new", "--state", "st"]);
    insta::assert_snapshot!("state_manifest_bad_json", redact(&out, &p));
    let out = p.mozt(&["run", "--defer"]);
    out.assert_code(2);
    assert!(out.stderr.contains("--state"), "{}", out.stderr);
}
