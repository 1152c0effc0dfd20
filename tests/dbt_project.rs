//! Projects in dbt's layout: dbt_project.yml (no project.yml) with a profiles.yml found where
//! dbt finds it (the project folder, DBT_PROFILES_DIR, --profiles-dir), built with the real
//! binary on DuckDB and on the Snowflake emulator; warnings for keys mozt does not act on and
//! errors for missing profiles and targets (docs/migrating-from-dbt.md).

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Output, TestProject, redact};

const DBT_PROJECT: &str = r#"name: shop
version: '1.0.0'
config-version: 2
profile: shop_profile

model-paths: ["models"]
seed-paths: ["seeds"]
test-paths: ["tests"]
macro-paths: ["macros"]
snapshot-paths: ["snapshots"]
target-path: "target"
packages-install-path: dbt_packages
require-dbt-version: [">=1.8.0", "<2.0.0"]

vars:
  min_amount: 1
  currency: usd
  shop:
    currency: eur
  helper_pkg:
    currency: gbp

models:
  shop:
    +tags: [shop]
    staging:
      +materialized: view
      +schema: staging
      +tags: [staging]
    marts:
      +materialized: table
  helper_pkg:
    +schema: helper

seeds:
  shop:
    +schema: raw

data_tests:
  shop:
    +severity: error
"#;

const DUCKDB_PROFILE: &str = "shop_profile:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: analytics\n      threads: 4\n    other:\n      type: duckdb\n      path: target/other.duckdb\n      schema: other_schema\n      threads: 1\n";

/// A dbt-layout project: seeds, staging views and mart tables configured from dbt_project.yml,
/// vars, schema tests and a singular test; no profiles.yml (each test puts it somewhere).
fn dbt_project() -> TestProject {
    let p = TestProject::empty();
    p.write("dbt_project.yml", DBT_PROJECT)
        .write("seeds/orders.csv", "id,amount\n1,5\n2,0\n3,12\n")
        .write(
            "models/staging/stg_orders.sql",
            "select id, amount, '{{ var(\"currency\") }}' as currency from {{ ref('orders') }} where amount >= {{ var('min_amount') }}\n",
        )
        .write(
            "models/marts/order_totals.sql",
            "select currency, count(*) as orders, sum(amount) as total from {{ ref('stg_orders') }} group by currency\n",
        )
        .write(
            "models/marts/_marts.yml",
            "version: 2\nmodels:\n  - name: order_totals\n    columns:\n      - name: currency\n        data_tests: [not_null, unique]\n",
        )
        .write(
            "tests/assert_no_zero_amounts.sql",
            "select * from {{ ref('stg_orders') }} where amount = 0\n",
        )
        // An installed package: vars under its name are scoped to it, not global.
        .write("dbt_packages/helper_pkg/dbt_project.yml", "name: helper_pkg\nversion: '1.0.0'\n");
    p
}

fn assert_built(p: &TestProject, db: &str) {
    let rows = common::query_db(
        &p.path().join(db),
        "select table_schema || '.' || table_name || ':' || table_type from information_schema.tables \
         where table_schema not in ('information_schema', 'pg_catalog') order by 1",
    );
    let got: Vec<String> = rows.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        got,
        vec![
            "analytics.order_totals:BASE TABLE",
            "analytics_raw.orders:BASE TABLE",
            "analytics_staging.stg_orders:VIEW",
        ]
    );
    // The root project's scoped var beats the global one; the package's is not seen here.
    let totals = common::query_db(
        &p.path().join(db),
        "select currency, orders, total from analytics.order_totals",
    );
    assert_eq!(totals, vec![vec!["eur".to_string(), "2".into(), "17".into()]]);
}

#[test]
fn builds_on_duckdb_with_profiles_yml_in_the_project_folder() {
    let p = dbt_project();
    p.write("profiles.yml", DUCKDB_PROFILE);
    let out = p.ok(&["build"]);
    assert_built(&p, "target/dev.duckdb");
    // The singular test ran (and passed: min_amount filters the zero amount out).
    assert!(out.stdout.contains("assert_no_zero_amounts"), "{}", out.stdout);
    // Folder tags from dbt_project.yml select.
    assert_eq!(
        p.ls(&["-s", "tag:staging", "--resource-type", "model"]),
        vec!["stg_orders"]
    );
    assert_eq!(
        p.ls(&["-s", "tag:shop", "--resource-type", "model"]),
        vec!["order_totals", "stg_orders"]
    );
    // Everything dbt_project.yml holds here is read: no warnings.
    assert!(!out.stderr.contains("WARN"), "{}", out.stderr);

    // --target picks another output of the profile.
    p.ok(&["build", "--target", "other"]);
    let schemas = common::query_db(
        &p.path().join("target/other.duckdb"),
        "select distinct table_schema from information_schema.tables where table_name = 'stg_orders'",
    );
    assert_eq!(schemas, vec![vec!["other_schema_staging".to_string()]]);
}

#[test]
fn profiles_yml_from_dbt_profiles_dir_and_from_the_flag() {
    let p = dbt_project();
    let env_dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        env_dir.path().join("profiles.yml"),
        DUCKDB_PROFILE.replace("target/dev.duckdb", "target/from_env.duckdb"),
    )
    .expect("write profiles.yml");
    let flag_dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        flag_dir.path().join("profiles.yml"),
        format!(
            "other_profile:\n  target: \"{{{{ env_var('SHOP_TARGET', 'nope') }}}}\"\n  outputs:\n    ci:\n      type: duckdb\n      path: \"{{{{ env_var('SHOP_DB') }}}}\"\n      schema: analytics\n{}",
            DUCKDB_PROFILE.replace("target/dev.duckdb", "target/from_flag.duckdb")
        ),
    )
    .expect("write profiles.yml");
    let env_dir_s = env_dir.path().to_str().expect("utf-8 path");
    let flag_dir_s = flag_dir.path().to_str().expect("utf-8 path");

    // DBT_PROFILES_DIR, even with a profiles.yml in the project folder.
    p.write("profiles.yml", "this profile: [is not read\n");
    let out = p.mozt_env(&["build"], &[("DBT_PROFILES_DIR", env_dir_s)]);
    out.assert_ok();
    assert_built(&p, "target/from_env.duckdb");

    // --profiles-dir beats DBT_PROFILES_DIR.
    let out = p.mozt_env(
        &["build", "--profiles-dir", flag_dir_s],
        &[("DBT_PROFILES_DIR", env_dir_s)],
    );
    out.assert_ok();
    assert_built(&p, "target/from_flag.duckdb");

    // --profile picks another profile; its target and path come from env_var().
    let out = p.mozt_env(
        &["build", "--profiles-dir", flag_dir_s, "--profile", "other_profile"],
        &[("SHOP_TARGET", "ci"), ("SHOP_DB", "target/ci.duckdb")],
    );
    out.assert_ok();
    assert_built(&p, "target/ci.duckdb");

    // A profiles dir without profiles.yml is an error naming it.
    let empty = tempfile::tempdir().expect("temp dir");
    let out = p.mozt(&["compile", "--profiles-dir", empty.path().to_str().expect("utf-8")]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("no profiles.yml in") && out.stderr.contains("--profiles-dir"),
        "{}",
        out.stderr
    );
}

fn stderr_of(p: &TestProject, out: &Output) -> String {
    redact(&out.stderr, p)
}

#[test]
fn keys_mozt_does_not_act_on_are_warned_about_with_file_and_line() {
    let p = dbt_project();
    let text = DBT_PROJECT.replace(
        "packages-install-path: dbt_packages\n",
        "packages-install-path: dbt_packages\nanalysis-paths: [\"analyses\"]\nclean-targets: [target, dbt_packages]\nquery-comment: run by dbt\ndispatch:\n  - macro_namespace: dbt_utils\n    search_order: [shop, dbt_utils]\nflags:\n  send_anonymous_usage_stats: false\n  require_explicit_package_overrides_for_builtin_materializations: true\nmodles:\n  shop:\n    +materialized: table\nrequire-dbt-version: \"<1.10.0\"\n",
    );
    let text = text.replace("require-dbt-version: [\">=1.8.0\", \"<2.0.0\"]\n", "");
    // A misspelt config in the folder configs, and a misspelt key in schema YAML.
    let text = text.replace(
        "      +materialized: view\n",
        "      +materialized: view\n      +materialised: table\n",
    );
    p.write(
        "models/marts/_marts.yml",
        "version: 2\nmodels:\n  - name: order_totals\n    colums:\n      - name: currency\n        data_tests: [not_null]\n",
    );
    p.write("dbt_project.yml", &text);
    p.write(
        "profiles.yml",
        "shop_profile:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: analytics\n      extensions: [httpfs]\n      settings:\n        memory_limit: 2GB\n",
    );
    let out = p.mozt(&["compile"]);
    out.assert_ok();
    insta::assert_snapshot!("dbt_project_warnings", stderr_of(&p, &out));
}

#[test]
fn an_unknown_connection_field_in_profiles_yml_is_an_error_with_the_closest_one() {
    // `pth:` would build into an in-memory database and report success.
    let p = dbt_project();
    p.write(
        "profiles.yml",
        &DUCKDB_PROFILE.replace("      path: target/dev.duckdb\n", "      pth: target/dev.duckdb\n"),
    );
    let out = p.mozt(&["build"]);
    out.assert_project_error();
    insta::assert_snapshot!("dbt_project_unknown_output_key", stderr_of(&p, &out));
    assert!(!p.path().join("target/dev.duckdb").exists());
}

#[test]
fn a_missing_profile_or_target_is_an_error_with_the_closest_names() {
    let p = dbt_project();
    p.write("profiles.yml", DUCKDB_PROFILE);
    p.write(
        "dbt_project.yml",
        &DBT_PROJECT.replace("profile: shop_profile", "profile: shop_profil"),
    );
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    insta::assert_snapshot!("dbt_project_missing_profile", stderr_of(&p, &out));

    p.write("dbt_project.yml", DBT_PROJECT);
    let out = p.mozt(&["compile", "--target", "devv"]);
    out.assert_project_error();
    insta::assert_snapshot!("dbt_project_missing_target", stderr_of(&p, &out));

    let out = p.mozt(&["compile", "--profile", "nobody"]);
    out.assert_project_error();
    assert!(out.stderr.contains("profile 'nobody' is not in"), "{}", out.stderr);

    // ~/.dbt/profiles.yml when the project folder has none.
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(home.path().join(".dbt")).expect("mkdir");
    std::fs::write(
        home.path().join(".dbt/profiles.yml"),
        DUCKDB_PROFILE.replace("target/dev.duckdb", "target/from_home.duckdb"),
    )
    .expect("write profiles.yml");
    p.remove("profiles.yml");
    let out = p.mozt_env(&["build"], &[("HOME", home.path().to_str().expect("utf-8"))]);
    out.assert_ok();
    assert_built(&p, "target/from_home.duckdb");
    // The project folder's profiles.yml comes before ~/.dbt/.
    p.write("profiles.yml", DUCKDB_PROFILE);
    let out = p.mozt_env(&["build"], &[("HOME", home.path().to_str().expect("utf-8"))]);
    out.assert_ok();
    assert_built(&p, "target/dev.duckdb");

    // No profiles.yml anywhere (HOME points at an empty folder).
    p.remove("profiles.yml");
    let home = tempfile::tempdir().expect("temp dir");
    let out = p.mozt_env(&["compile"], &[("HOME", home.path().to_str().expect("utf-8"))]);
    out.assert_project_error();
    assert!(out.stderr.contains("no profiles.yml found"), "{}", out.stderr);
}

#[test]
fn on_run_start_and_on_run_end_hooks_of_the_project_and_its_packages_run() {
    let p = dbt_project();
    p.write("profiles.yml", DUCKDB_PROFILE);
    p.write(
        "dbt_project.yml",
        &format!(
            "{DBT_PROJECT}on-run-start:\n  - create schema if not exists audit\n  - \"create table if not exists audit.log (msg varchar)\"\n  - \"insert into audit.log values ('start {{{{ target.name }}}}')\"\non-run-end: \"insert into audit.log values ('end {{{{ schemas | join(',') }}}}')\"\n"
        ),
    );
    p.write(
        "dbt_packages/helper_pkg/dbt_project.yml",
        "name: helper_pkg\non-run-end:\n  - \"insert into audit.log values ('package end')\"\n",
    );
    let out = p.ok(&["build"]);
    assert!(
        out.stdout
            .contains("on-run-end hook 2 of 2 (helper_pkg.on-run-end.1): OK"),
        "{}",
        out.stdout
    );
    let rows = common::query_db(
        &p.path().join("target/dev.duckdb"),
        "select msg from audit.log order by rowid",
    );
    let rows: Vec<String> = rows.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        rows,
        vec![
            "start dev",
            "end analytics,analytics_raw,analytics_staging",
            "package end"
        ]
    );

    // A failing hook fails the run, naming it.
    p.write(
        "dbt_project.yml",
        &format!("{DBT_PROJECT}on-run-start: \"insert into no_such_table values (1)\"\n"),
    );
    let out = p.mozt(&["run"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("on-run-start hook shop.on-run-start.0 failed"),
        "{}",
        out.stderr
    );
}

#[test]
fn keys_whose_absence_would_change_results_are_errors() {
    let p = dbt_project();
    p.write("dbt_project.yml", DBT_PROJECT);
    p.write(
        "profiles.yml",
        &DUCKDB_PROFILE.replace(
            "      threads: 4\n",
            "      threads: 4\n      attach:\n        - path: other.duckdb\n",
        ),
    );
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("`attach` is not supported") && out.stderr.contains("profiles.yml:9"),
        "{}",
        out.stderr
    );
}

#[test]
fn profiles_yml_errors_never_show_a_password() {
    let p = dbt_project();
    p.write(
        "profiles.yml",
        "shop_profile:\n  target: sf\n  outputs:\n    sf:\n      type: snowflake\n      password: hunter2-secret: [\n",
    );
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(out.stderr.contains("profiles.yml:"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

/// host, port and protocol of the emulator's URL, as dbt-snowflake's fields.
fn emulator_fields() -> String {
    let url = common::emulator_url();
    let rest = url.trim_start_matches("http://").trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').expect("the emulator URL has a port");
    format!("      host: {host}\n      port: {port}\n      protocol: http\n")
}

fn snowflake_project(name: &str, auth: &str) -> TestProject {
    let p = TestProject::empty();
    let database = format!("{}_{}", name.to_ascii_uppercase(), std::process::id());
    p.write(
        "dbt_project.yml",
        &format!(
            "name: {name}\nprofile: sf\nmodels:\n  {name}:\n    marts:\n      +materialized: table\n"
        ),
    )
    .write("seeds/people.csv", "id,name\n1,ann\n2,bob\n")
    .write("models/marts/people_count.sql", "select count(*) as n from {{ ref('people') }}\n")
    .write(
        "profiles.yml",
        &format!(
            "sf:\n  target: dev\n  outputs:\n    dev:\n      type: snowflake\n      account: local\n      user: mozt\n{auth}      role: TRANSFORMER\n      warehouse: TRANSFORMING\n      database: {database}\n      schema: analytics\n      threads: 2\n      client_session_keep_alive: false\n      query_tag: mozt_tests\n{}",
            emulator_fields()
        ),
    );
    p
}

/// `select n from people_count` through `mozt show`, with `env` set.
fn people_count(p: &TestProject, env: &[(&str, &str)]) -> String {
    let out = p.mozt_env(
        &[
            "show",
            "--inline",
            "select n from {{ ref('people_count') }}",
            "--output",
            "json",
        ],
        env,
    );
    out.assert_ok();
    let rows: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(&format!("no JSON: {e}")));
    let n = rows
        .get(0)
        .and_then(|r| r.as_object())
        .and_then(|o| o.values().next())
        .cloned()
        .unwrap_or_else(|| out.fail("no row"));
    n.to_string().trim_matches('"').to_string()
}

/// Build, read the model back, run `mozt debug`; the ignored field is named with its line and
/// the secret never appears.
fn assert_snowflake_build(p: &TestProject, env: &[(&str, &str)], secret: &str) {
    let out = p.mozt_env(&["build"], env);
    out.assert_ok();
    assert_eq!(people_count(p, env), "2");
    assert!(
        out.stderr.contains("profiles.yml:") && out.stderr.contains("`client_session_keep_alive` is ignored"),
        "{}",
        out.stderr
    );
    let debug = p.mozt_env(&["debug"], env);
    debug.assert_ok();
    let all = format!("{}{}{}{}", out.stdout, out.stderr, debug.stdout, debug.stderr);
    assert!(!all.contains(secret), "a secret was printed:\n{all}");
    assert!(debug.stdout.contains("connection: OK (snowflake"), "{}", debug.stdout);
}

#[test]
fn snowflake_profile_with_a_password_from_env_var() {
    let p = snowflake_project(
        "dbt_sf_password",
        "      password: \"{{ env_var('SHOP_SF_PASSWORD') }}\"\n",
    );
    assert_snowflake_build(&p, &[("SHOP_SF_PASSWORD", "pw-0042-secret")], "pw-0042-secret");

    // Without the variable: an error naming the file, line and variable, not a value.
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("SHOP_SF_PASSWORD") && out.stderr.contains("profiles.yml:8"),
        "{}",
        out.stderr
    );
}

#[test]
fn snowflake_profile_with_an_encrypted_key_pair() {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key");
    let pem = key
        .to_pkcs8_encrypted_pem(&mut rsa::rand_core::OsRng, "key-phrase-77", LineEnding::LF)
        .expect("pem");
    let p = snowflake_project(
        "dbt_sf_keypair",
        "      authenticator: snowflake_jwt\n      private_key_path: keys/rsa_key.p8\n      private_key_passphrase: key-phrase-77\n",
    );
    p.write("keys/rsa_key.p8", &pem);
    assert_snowflake_build(&p, &[], "key-phrase-77");

    // An authenticator mozt cannot log in with is an error at its line.
    let text = p.read("profiles.yml").replace("snowflake_jwt", "externalbrowser");
    p.write("profiles.yml", &text);
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("authenticator 'externalbrowser' is not supported")
            && out.stderr.contains("profiles.yml:8"),
        "{}",
        out.stderr
    );
}

/// A package in dbt_packages/ (no `mozt deps` run): its models, macro, seed and schema tests
/// are nodes of the graph, configured by its own dbt_project.yml and, over that, by the root's
/// (`+schema`, `+enabled`), with vars scoped to it.
fn with_package(p: &TestProject) {
    p.write(
        "dbt_packages/helper_pkg/dbt_project.yml",
        "name: helper_pkg\nversion: '1.0.0'\nconfig-version: 2\nclean-targets: [target]\nvars:\n  pkg_only: 7\n  currency: pkg_default\nmodels:\n  helper_pkg:\n    +materialized: table\n    +schema: pkg_own_schema\n",
    )
    .write(
        "dbt_packages/helper_pkg/models/helper_rates.sql",
        "select '{{ var(\"currency\") }}' as currency, {{ var('pkg_only') }} as n, {{ pkg_answer() }} as answer from {{ ref('helper_seed') }}\n",
    )
    .write(
        "dbt_packages/helper_pkg/models/schema.yml",
        "version: 2\nmodels:\n  - name: helper_rates\n    columns:\n      - name: n\n        data_tests: [not_null]\nsources:\n  - name: pkg_raw\n    tables:\n      - name: events\n      - name: other\n",
    )
    .write(
        "dbt_packages/helper_pkg/models/unused/helper_unused.sql",
        "select * from a_table_that_does_not_exist\n",
    )
    .write(
        "dbt_packages/helper_pkg/macros/answer.sql",
        "{% macro pkg_answer() %}42{% endmacro %}\n",
    )
    .write("dbt_packages/helper_pkg/seeds/helper_seed.csv", "k\n1\n")
    .write(
        "models/marts/uses_pkg.sql",
        "select currency, n, answer from {{ ref('helper_pkg', 'helper_rates') }}\n",
    );
    let root = p.read("dbt_project.yml").replace(
        "  helper_pkg:\n    +schema: helper\n",
        "  helper_pkg:\n    +schema: helper\n    unused:\n      +enabled: false\nsources:\n  helper_pkg:\n    pkg_raw:\n      other:\n        +enabled: false\n",
    );
    p.write("dbt_project.yml", &root);
}

#[test]
fn a_package_in_dbt_packages_is_part_of_the_graph_configured_from_the_root() {
    let p = dbt_project();
    p.write("profiles.yml", DUCKDB_PROFILE);
    with_package(&p);
    let out = p.ok(&["build"]);
    let db = p.path().join("target/dev.duckdb");
    let kind = |schema: &str, name: &str| {
        common::query_db(
            &db,
            &format!(
                "select table_type from information_schema.tables where table_schema = '{schema}' and table_name = '{name}'"
            ),
        )
    };
    // The package's +materialized: table, the root's +schema: helper over the package's own.
    assert_eq!(
        kind("analytics_helper", "helper_rates"),
        vec![vec!["BASE TABLE".to_string()]]
    );
    assert_eq!(kind("analytics", "helper_seed"), vec![vec!["BASE TABLE".to_string()]]);
    // The root's vars scoped to the package win over the package's; its own ones are read.
    let rows = common::query_db(&db, "select currency, n, answer from analytics.uses_pkg");
    assert_eq!(rows, vec![vec!["gbp".to_string(), "7".into(), "42".into()]]);
    // +enabled: false from the root: the broken package model is not built.
    assert!(!out.stdout.contains("helper_unused"), "{}", out.stdout);
    // The package's schema test ran.
    assert!(out.stdout.contains("not_null_helper_rates_n"), "{}", out.stdout);
    // The package's nodes carry its name.
    assert_eq!(
        p.ls(&["-s", "package:helper_pkg", "--resource-type", "model"]),
        vec!["helper_rates"]
    );
    let manifest = p.json("target/manifest.json");
    let node = &manifest["nodes"]["model.helper_pkg.helper_rates"];
    assert_eq!(node["package_name"], "helper_pkg");
    assert_eq!(node["fqn"], serde_json::json!(["helper_pkg", "helper_rates"]));
    // The package's sources are its own; `sources:` of the root disabled one table.
    let sources = manifest["sources"].as_object().expect("sources");
    assert!(sources.contains_key("source.helper_pkg.pkg_raw.events"), "{sources:?}");
    assert!(!sources.contains_key("source.helper_pkg.pkg_raw.other"), "{sources:?}");

    // ref() to a package that does not hold the model is an error.
    p.write(
        "models/marts/uses_pkg.sql",
        "select * from {{ ref('other_pkg', 'helper_rates') }}\n",
    );
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(out.stderr.contains("unknown project 'other_pkg'"), "{}", out.stderr);
}
