//! `--state`: the `state:` selector method on a copy of the sample project, compared with the
//! manifest.json of a first parse ("production's artifacts"), after one kind of change at a
//! time: a model's SQL, whitespace and comments only, a macro, a var, an env var, a seed's
//! contents, schema YAML, project.yml configs, a new model.

mod common;

use common::{TestProject, sample_project};

/// The sample project with its manifest saved in `prod-artifacts/` (as CI would keep it).
fn with_saved_state() -> TestProject {
    let p = sample_project();
    p.ok(&["parse"]);
    p.save_artifacts("prod-artifacts");
    p
}

/// `mozt ls --output name ARGS --state prod-artifacts`, sorted.
fn ls_state(p: &TestProject, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--state", "prod-artifacts"];
    all.extend_from_slice(args);
    p.ls(&all)
}

/// `ls_state` without tests (selected with their models: dbt's eager indirect selection).
fn changed(p: &TestProject, args: &[&str]) -> Vec<String> {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--resource-type", "model", "seed", "snapshot", "source"]);
    ls_state(p, &all)
}

fn ls(p: &TestProject, args: &[&str]) -> Vec<String> {
    p.ls(args)
}

fn edit(p: &TestProject, rel: &str, f: impl Fn(&str) -> String) {
    let text = p.read(rel);
    let changed = f(&text);
    assert_ne!(text, changed, "the edit of {rel} changed nothing");
    p.write(rel, &changed);
}

const PURCHASES: &str = "models/intermediate/int_braze__purchases.sql";

#[test]
fn unchanged_project_has_nothing_modified_or_new() {
    let p = with_saved_state();
    assert!(ls_state(&p, &["-s", "state:modified"]).is_empty());
    assert!(ls_state(&p, &["-s", "state:new"]).is_empty());
    let all = ls(&p, &[]);
    assert_eq!(ls_state(&p, &["-s", "state:unmodified"]), all);
    assert_eq!(ls_state(&p, &["-s", "state:old"]), all);
}

#[test]
fn a_modified_model_and_exactly_its_descendants() {
    let p = with_saved_state();
    edit(&p, PURCHASES, |t| t.replacen("select", "select 1 as one,", 1));
    assert_eq!(changed(&p, &["-s", "state:modified"]), ["int_braze__purchases"]);
    assert_eq!(changed(&p, &["-s", "state:modified.body"]), ["int_braze__purchases"]);
    assert!(ls_state(&p, &["-s", "state:modified.configs"]).is_empty());
    let plus = ls_state(&p, &["-s", "state:modified+"]);
    assert_eq!(plus, ls(&p, &["-s", "int_braze__purchases+"]));
    for name in ["int_braze__purchases", "int_braze__purchase_attribution", "dim_users"] {
        assert!(plus.contains(&name.to_string()), "{name} missing from {plus:?}");
    }
    assert!(!plus.contains(&"stg_braze__purchase_event".to_string()), "{plus:?}");
    // Graph operators, intersection and exclusion combine with state:.
    assert_eq!(
        ls_state(&p, &["-s", "+state:modified", "--resource-type", "model"]),
        ls(&p, &["-s", "+int_braze__purchases", "--resource-type", "model"])
    );
    assert_eq!(
        ls_state(
            &p,
            &["-s", "state:modified+,resource_type:model", "--exclude", "dim_users"]
        ),
        ls(
            &p,
            &[
                "-s",
                "int_braze__purchases+,resource_type:model",
                "--exclude",
                "dim_users"
            ]
        )
    );
    assert_eq!(
        ls_state(&p, &["-s", "state:modified+1,config.materialized:view"]),
        ls(&p, &["-s", "int_braze__purchases+1,config.materialized:view"])
    );
}

#[test]
fn whitespace_and_comment_changes_are_not_modifications() {
    let p = with_saved_state();
    edit(&p, PURCHASES, |t| {
        format!(
            "-- a new comment line\n{}\n\n/* a block\n comment */\n{{# and a Jinja one #}}\n",
            t.replace('\n', "\n\n  ").replace(", ", " ,  ")
        )
    });
    assert!(ls_state(&p, &["-s", "state:modified"]).is_empty());
    // A change inside a string literal is a change.
    edit(&p, "models/staging/braze/stg_braze__user.sql", |t| {
        t.replacen("select", "select 'a  b' as spaced,", 1)
    });
    assert_eq!(changed(&p, &["-s", "state:modified"]), ["stg_braze__user"]);
}

#[test]
fn a_macro_change_modifies_the_models_that_use_it() {
    let p = with_saved_state();
    edit(&p, "macros/braze_event_action.sql", |t| {
        format!("{t}\n{{# v2 #}}\n{{% macro unused_helper() %}}1{{% endmacro %}}\n")
    });
    // A new macro and a Jinja comment: the file's text changed, so its users count as modified.
    let users = changed(&p, &["-s", "state:modified.macros"]);
    let want = [
        "stg_braze__campaign_conversion_event",
        "stg_braze__canvas_conversion_event",
        "stg_braze__email_event",
        "stg_braze__push_notification_event",
    ];
    assert_eq!(users, want);
    assert_eq!(changed(&p, &["-s", "state:modified"]), want);
    assert!(ls_state(&p, &["-s", "state:modified.body"]).is_empty());
}

#[test]
fn generate_schema_name_modifies_every_model_seed_and_snapshot() {
    let p = with_saved_state();
    edit(&p, "macros/generate_schema_name.sql", |t| {
        t.replace("| trim }}", "| trim | lower }}")
    });
    let modified = changed(&p, &["-s", "state:modified"]);
    assert_eq!(modified, ls(&p, &["--resource-type", "model", "seed", "snapshot"]));
}

#[test]
fn a_var_change_modifies_the_models_that_read_it() {
    let p = with_saved_state();
    let modified = changed(&p, &["-s", "state:modified", "--vars", "{conversion_window_days: 9}"]);
    assert_eq!(
        modified,
        ["int_braze__conversion_attribution", "int_braze__purchase_attribution"]
    );
    // lookback_days is read only under {% if is_incremental() %}: still seen.
    assert_eq!(
        changed(&p, &["-s", "state:modified.vars", "--vars", "{lookback_days: 5}"]),
        ["stg_braze__email_event"]
    );
    // The same value passed explicitly is no change.
    assert!(ls_state(&p, &["-s", "state:modified", "--vars", "{lookback_days: 3}"]).is_empty());
}

#[test]
fn an_env_var_change_modifies_the_models_that_read_it() {
    let p = TestProject::new("envs");
    p.write(
        "models/a.sql",
        "select '{{ env_var(\"MOZT_TEST_REGION\", \"eu\") }}' as region\n",
    );
    p.write("models/b.sql", "select 1 as x\n");
    p.mozt_env(&["parse"], &[("MOZT_TEST_REGION", "eu")]).assert_ok();
    p.save_artifacts("prod-artifacts");
    let run = |value: &str| {
        let out = p.mozt_env(
            &[
                "ls",
                "--output",
                "name",
                "--state",
                "prod-artifacts",
                "-s",
                "state:modified",
                "--resource-type",
                "model",
            ],
            &[("MOZT_TEST_REGION", value)],
        );
        out.assert_ok();
        out.stdout_lines()
    };
    assert!(run("eu").is_empty());
    assert_eq!(run("us"), ["a"]);
}

#[test]
fn seed_contents_yaml_and_project_configs() {
    let p = with_saved_state();
    edit(&p, "seeds/currency_rates.csv", |t| {
        format!("{}\nXTS,1.000000\n", t.trim_end())
    });
    assert_eq!(changed(&p, &["-s", "state:modified"]), ["currency_rates"]);
    assert!(ls_state(&p, &["-s", "state:modified+"]).contains(&"stg_braze__purchase_event".to_string()));

    let p = with_saved_state();
    edit(&p, "models/marts/_marts.yml", |t| {
        t.replacen("tier. Days since", "tier (edited). Days since", 1)
    });
    assert_eq!(changed(&p, &["-s", "state:modified"]), ["dim_users"]);
    assert_eq!(changed(&p, &["-s", "state:modified.yaml"]), ["dim_users"]);

    let p = with_saved_state();
    edit(&p, "project.yml", |t| {
        t.replace(
            "marts: {+materialized: table}",
            "marts: {+materialized: table, +tags: [edited]}",
        )
    });
    assert_eq!(
        changed(&p, &["-s", "state:modified.configs"]),
        ls(&p, &["-s", "path:models/marts", "--resource-type", "model"])
    );
}

#[test]
fn new_nodes_are_new_and_modified() {
    let p = with_saved_state();
    p.write("models/marts/fct_new.sql", "select * from {{ ref('dim_users') }}\n");
    assert_eq!(changed(&p, &["-s", "state:new"]), ["fct_new"]);
    assert_eq!(changed(&p, &["-s", "state:modified"]), ["fct_new"]);
    assert!(!ls_state(&p, &["-s", "state:old"]).contains(&"fct_new".to_string()));
}

#[test]
fn a_manifest_without_checksums_counts_everything_as_modified() {
    let p = with_saved_state();
    let mut doc = p.json("prod-artifacts/manifest.json");
    for (_, node) in doc["nodes"].as_object_mut().expect("nodes").iter_mut() {
        node["meta"].as_object_mut().expect("a node's meta").remove("mozt");
    }
    p.write("prod-artifacts/manifest.json", &doc.to_string());
    let out = p.ok(&[
        "ls",
        "--output",
        "name",
        "--state",
        "prod-artifacts",
        "-s",
        "state:modified",
        "--resource-type",
        "model",
    ]);
    assert_eq!(out.stdout_lines().len(), ls(&p, &["--resource-type", "model"]).len());
    assert!(out.stderr.contains("without checksums"), "{}", out.stderr);
}

#[test]
fn a_source_definition_change_modifies_the_source() {
    let p = with_saved_state();
    edit(&p, "models/sources.yml", |t| {
        t.replacen(
            "description: Braze user profiles,",
            "description: Braze user profiles (edited),",
            1,
        )
    });
    assert_eq!(changed(&p, &["-s", "state:modified"]), ["user"]);
    let plus = changed(&p, &["-s", "state:modified+", "--resource-type", "model"]);
    assert!(plus.contains(&"stg_braze__user".to_string()), "{plus:?}");
    assert!(!plus.contains(&"stg_braze__campaign".to_string()), "{plus:?}");
}

#[test]
fn a_new_test_in_yaml_is_new_and_leaves_its_model_unmodified() {
    let p = with_saved_state();
    edit(&p, "models/marts/_marts.yml", |t| {
        t.replacen(
            "        description: True when the user has no external id.\n",
            "        description: True when the user has no external id.\n        data_tests: [not_null]\n",
            1,
        )
    });
    let out = ls_state(&p, &["-s", "state:new"]);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].starts_with("not_null_"), "{out:?}");
    assert_eq!(ls_state(&p, &["-s", "state:modified"]), out);
}
