//! Project errors: a dependency cycle, an unknown ref, and bad input of every kind. Each is
//! exit 2 with a one-screen message naming the file and line (never a panic); the messages
//! are snapshot-tested (tests/snapshots/).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Output, TestProject, project_yml, redact};

/// A project with one good model, `base`.
fn project() -> TestProject {
    let p = TestProject::new("errs");
    p.write("models/base.sql", "select 1 as id\n");
    p
}

/// Exit 2, no panic, at most a screenful, and the location `file:line` named.
fn check(p: &TestProject, out: &Output, location: &str) -> String {
    out.assert_project_error();
    let lines = out.stderr.lines().count();
    if lines > 20 {
        out.fail(&format!("the message is {lines} lines long; it must fit one screen"));
    }
    if !out.stderr.contains(&format!("--> {location}")) {
        out.fail(&format!("the message must point at {location}"));
    }
    if !out.stderr.contains("help: ") {
        out.fail("the message must say what to do (a `help:` line)");
    }
    redact(&out.stderr, p)
}

#[test]
fn cycle_names_every_model_on_it() {
    let p = project();
    p.write(
        "models/a.sql",
        "select *\nfrom {{ ref('base') }}\njoin {{ ref('c') }} using (id)\n",
    );
    p.write("models/b.sql", "select * from {{ ref('a') }}\n");
    p.write("models/c.sql", "select * from {{ ref('b') }}\n");
    p.write("models/d.sql", "select * from {{ ref('c') }}\n");
    for cmd in ["parse", "run", "build", "ls", "compile"] {
        let out = p.mozt(&[cmd]);
        out.assert_project_error();
        let first = out.stderr.lines().next().unwrap_or_default().to_string();
        for name in ["a", "b", "c"] {
            assert!(
                first.contains(&format!(" {name} ")) || first.ends_with(&format!(" {name}")),
                "{cmd}: cycle message must name {name}: {first}"
            );
            assert!(out.stderr.contains(&format!("models/{name}.sql")), "{}", out.stderr);
        }
        // Each step names the file and line of the ref() that makes it.
        for step in [
            "models/a.sql:3: a depends on c",
            "models/b.sql:1: b depends on a",
            "models/c.sql:1: c depends on b",
        ] {
            assert!(out.stderr.contains(step), "{cmd}: missing `{step}` in\n{}", out.stderr);
        }
        assert!(out.stderr.contains("  --> models/"), "{}", out.stderr);
        assert!(!first.contains("base") && !first.contains(" d "), "{first}");
    }
    assert!(!p.db_path().exists(), "nothing may run when the project has a cycle");
    insta::assert_snapshot!("cycle", redact(&p.mozt(&["parse"]).stderr, &p));
}

#[test]
fn self_reference_is_reported() {
    let p = project();
    p.write(
        "models/me.sql",
        "select 1 as id\nunion all select * from {{ ref('me') }}\n",
    );
    let out = p.mozt(&["parse"]);
    check(&p, &out, "models/me.sql:2");
}

#[test]
fn unknown_ref_names_file_line_and_closest_names() {
    let p = project();
    p.write("models/customers.sql", "select 1 as id\n");
    p.write("models/customer_orders.sql", "select 2 as id\n");
    p.write(
        "models/report.sql",
        "select *\nfrom {{ ref('base') }}\njoin {{ ref('customer') }} using (id)\n",
    );
    let out = p.mozt(&["run"]);
    let msg = check(&p, &out, "models/report.sql:3");
    assert!(msg.contains("did you mean 'customers'"), "{msg}");
    assert!(msg.contains("'customer_orders'"), "{msg}");
    assert!(!p.db_path().exists(), "nothing may run when a ref is unknown");
    insta::assert_snapshot!("unknown_ref", msg);
}

#[test]
fn unknown_source_is_reported() {
    let p = project();
    p.write(
        "models/sources.yml",
        "sources:\n  - name: shop\n    tables:\n      - name: orders\n",
    );
    p.write("models/m.sql", "select *\nfrom {{ source('shop', 'order') }}\n");
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "models/m.sql:2");
    assert!(msg.contains("shop.orders"), "{msg}");
}

#[test]
fn malformed_project_yml() {
    let p = TestProject::with_yml(
        "name: errs\nmodels:\n  errs:\n    +materialized: [view\ntargets:\n  dev: {type: duckdb}\n",
    );
    let out = p.mozt(&["build"]);
    insta::assert_snapshot!("malformed_project_yml", check(&p, &out, "project.yml:5"));
}

#[test]
fn project_yml_with_a_wrong_type() {
    let p = TestProject::with_yml("name: errs\nmodel-paths: models\n");
    let out = p.mozt(&["parse"]);
    insta::assert_snapshot!("project_yml_wrong_type", check(&p, &out, "project.yml:2"));
}

#[test]
fn project_yml_without_a_name() {
    let p = TestProject::with_yml("models: {}\n");
    let out = p.mozt(&["parse"]);
    insta::assert_snapshot!("project_yml_without_name", check(&p, &out, "project.yml:1"));
}

#[test]
fn missing_project_yml() {
    let p = TestProject::empty();
    let out = p.mozt(&["build"]);
    out.assert_project_error();
    assert!(out.stderr.contains("project.yml"), "{}", out.stderr);
    assert!(out.stderr.contains("mozt init"), "{}", out.stderr);
    insta::assert_snapshot!("missing_project_yml", redact(&out.stderr, &p));
}

#[test]
fn malformed_schema_yaml() {
    let p = project();
    p.write(
        "models/schema.yml",
        "models:\n  - name: base\n    description: one row\n   columns:\n      - name: id\n",
    );
    let out = p.mozt(&["build"]);
    insta::assert_snapshot!("malformed_schema_yaml", check(&p, &out, "models/schema.yml:4"));
}

#[test]
fn schema_yaml_with_a_wrong_type() {
    let p = project();
    p.write("models/schema.yml", "models:\n  - name: base\n    columns: id\n");
    let out = p.mozt(&["parse"]);
    insta::assert_snapshot!("schema_yaml_wrong_type", check(&p, &out, "models/schema.yml:3"));
}

#[test]
fn jinja_syntax_error_in_a_model() {
    let p = project();
    p.write(
        "models/broken.sql",
        "select id\nfrom {{ ref('base') }}\n{% if var('x', true) %}\nwhere id > 0\n",
    );
    let out = p.mozt(&["run"]);
    insta::assert_snapshot!("jinja_syntax_error", check(&p, &out, "models/broken.sql:"));
}

#[test]
fn jinja_unclosed_expression() {
    let p = project();
    p.write("models/broken.sql", "select id\nfrom {{ ref('base' }}\n");
    let out = p.mozt(&["compile"]);
    insta::assert_snapshot!("jinja_unclosed_expression", check(&p, &out, "models/broken.sql:2"));
}

#[test]
fn jinja_syntax_error_in_a_macro() {
    let p = project();
    p.write("macros/bad.sql", "{% macro bad(x) %}\n{{ x }\n{% endmacro %}\n");
    let out = p.mozt(&["parse"]);
    insta::assert_snapshot!("jinja_syntax_error_in_macro", check(&p, &out, "macros/bad.sql:2"));
}

#[test]
fn undefined_variable_in_a_model() {
    let p = project();
    p.write(
        "models/undef.sql",
        "{% set threshold = 3 %}\nselect id\nfrom {{ ref('base') }}\nwhere id > {{ treshold }}\n",
    );
    let out = p.mozt(&["run"]);
    insta::assert_snapshot!("undefined_variable", check(&p, &out, "models/undef.sql:4"));
}

#[test]
fn unknown_macro_in_a_model() {
    let p = project();
    p.write(
        "macros/cents.sql",
        "{% macro cents_to_dollars(c) %}({{ c }} / 100){% endmacro %}\n",
    );
    p.write(
        "models/m.sql",
        "select\n  {{ cent_to_dollars('amount') }} as dollars\nfrom x\n",
    );
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "models/m.sql:2");
    assert!(msg.contains("cents_to_dollars"), "{msg}");
    insta::assert_snapshot!("unknown_macro", msg);
}

#[test]
fn missing_env_var_in_a_target_setting() {
    let p = TestProject::with_yml(
        "name: errs\ntargets:\n  default: dev\n  dev:\n    type: duckdb\n    path: \"{{ env_var('MOZT_TEST_SURELY_UNSET') }}\"\n    schema: analytics\n",
    );
    p.write("models/base.sql", "select 1 as id\n");
    let out = p.mozt(&["run"]);
    let msg = check(&p, &out, "project.yml:6");
    assert!(msg.contains("MOZT_TEST_SURELY_UNSET"), "{msg}");
    insta::assert_snapshot!("missing_env_var_in_target", msg);
    // Set, it works.
    p.mozt_env(&["run"], &[("MOZT_TEST_SURELY_UNSET", "target/from_env.duckdb")])
        .assert_ok();
    assert!(p.path().join("target/from_env.duckdb").exists());
}

#[test]
fn missing_env_var_of_another_target_does_not_matter() {
    let p = TestProject::with_yml(&format!(
        "{}  prod: {{type: duckdb, path: \"{{{{ env_var('MOZT_TEST_SURELY_UNSET') }}}}\"}}\n",
        project_yml("errs", "")
    ));
    p.write("models/base.sql", "select 1 as id\n");
    p.ok(&["run"]);
    let out = p.mozt(&["run", "-t", "prod"]);
    check(&p, &out, "project.yml:");
}

#[test]
fn missing_env_var_in_a_model() {
    let p = project();
    p.write(
        "models/m.sql",
        "select '{{ env_var(\"MOZT_TEST_SURELY_UNSET\") }}' as x\n",
    );
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "models/m.sql:1");
    insta::assert_snapshot!("missing_env_var_in_model", msg);
}

#[test]
fn missing_required_var() {
    let p = project();
    p.write(
        "models/m.sql",
        "select *\nfrom {{ ref('base') }}\nwhere id > {{ var('min_id') }}\n",
    );
    let out = p.mozt(&["build"]);
    insta::assert_snapshot!("missing_required_var", check(&p, &out, "models/m.sql:3"));
    p.ok(&["build", "--vars", "{min_id: 0}"]);
}

/// The list of materializations grows as mozt gains them; the snapshot keeps only its start.
fn materializations_redacted(msg: &str) -> String {
    let (head, tail) = msg
        .split_once("use one of: ")
        .expect("the help lists the materializations");
    assert!(tail.starts_with("view, table, incremental, ephemeral"), "{msg}");
    format!("{head}use one of: view, table, ...")
}

#[test]
fn unknown_materialization() {
    let p = project();
    p.write(
        "models/m.sql",
        "-- a table of ids\n{{ config(materialized='tabel') }}\nselect * from {{ ref('base') }}\n",
    );
    let out = p.mozt(&["run"]);
    let msg = check(&p, &out, "models/m.sql:2");
    assert!(msg.contains("tabel"), "{msg}");
    insta::assert_snapshot!("unknown_materialization", materializations_redacted(&msg));
    assert!(!p.db_path().exists(), "nothing may run when a config is wrong");
}

#[test]
fn unknown_materialization_in_project_yml() {
    let p = TestProject::with_yml(&project_yml(
        "errs",
        "models:\n  errs:\n    marts:\n      +materialized: materialised_view\n",
    ));
    p.write("models/marts/m.sql", "select 1 as id\n");
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "project.yml:5");
    insta::assert_snapshot!(
        "unknown_materialization_in_project_yml",
        materializations_redacted(&msg)
    );
}

#[test]
fn unknown_materialization_in_schema_yaml() {
    let p = project();
    p.write(
        "models/schema.yml",
        "models:\n  - name: base\n    config:\n      materialized: 3\n",
    );
    let out = p.mozt(&["parse"]);
    check(&p, &out, "models/schema.yml:4");
}

#[test]
fn duplicate_model_names() {
    let p = project();
    p.write("models/staging/orders.sql", "select 1 as id\n");
    p.write("models/marts/orders.sql", "select 2 as id\n");
    let out = p.mozt(&["build"]);
    let msg = check(&p, &out, "models/");
    assert!(
        msg.contains("models/staging/orders.sql") && msg.contains("models/marts/orders.sql"),
        "{msg}"
    );
    insta::assert_snapshot!("duplicate_model_names", msg);
}

#[test]
fn two_seeds_with_the_same_name() {
    let p = project();
    p.write("seeds/a/users.csv", "id\n1\n");
    p.write("seeds/b/users.csv", "id\n2\n");
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "seeds/b/users.csv:1");
    assert!(
        msg.contains("'users': seeds/a/users.csv and seeds/b/users.csv"),
        "{msg}"
    );
}

#[test]
fn a_seed_may_have_the_name_of_a_disabled_model() {
    let p = project();
    p.write("models/users.sql", "{{ config(enabled=false) }}\nselect 1 as id\n");
    p.write("seeds/users.csv", "id\n1\n");
    p.mozt(&["parse"]).assert_ok();
}

#[test]
fn model_and_seed_with_the_same_name() {
    let p = project();
    p.write("seeds/base.csv", "id\n1\n");
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "");
    assert!(
        msg.contains("models/base.sql") && msg.contains("seeds/base.csv"),
        "{msg}"
    );
}

#[test]
fn bad_seed_csv_row() {
    let p = project();
    p.write(
        "seeds/countries.csv",
        "code,name\nFR,France\nDE,Germany,extra\nIT,Italy\n",
    );
    let out = p.mozt(&["build"]);
    let msg = check(&p, &out, "seeds/countries.csv:3");
    insta::assert_snapshot!("bad_seed_csv_row", msg);
    assert!(!p.db_path().exists(), "nothing may run when a seed is malformed");
    let out = p.mozt(&["seed"]);
    check(&p, &out, "seeds/countries.csv:3");
}

#[test]
fn seed_column_types_naming_a_missing_column() {
    let p = project();
    p.write("seeds/countries.csv", "code,name\nFR,France\n");
    p.write(
        "seeds/schema.yml",
        "seeds:\n  - name: countries\n    config:\n      column_types: {cod: varchar}\n",
    );
    let out = p.mozt(&["seed"]);
    let msg = check(&p, &out, "seeds/");
    assert!(msg.contains("cod"), "{msg}");
}

#[test]
fn bad_vars_on_the_command_line() {
    let p = project();
    let out = p.mozt(&["parse", "--vars", "{unclosed: [1"]);
    out.assert_project_error();
    assert!(out.stderr.contains("--vars"), "{}", out.stderr);
    let out = p.mozt(&["parse", "--vars", "[1, 2]"]);
    out.assert_project_error();
}

#[test]
fn unknown_target() {
    let p = project();
    let out = p.mozt(&["run", "--target", "prd"]);
    let msg = check(&p, &out, "project.yml:");
    assert!(msg.contains("dev"), "{msg}");
}

#[test]
fn unknown_target_type() {
    let p = TestProject::with_yml(
        "name: errs\ntargets:\n  default: dev\n  dev:\n    type: postgres\n    schema: analytics\n",
    );
    p.write("models/base.sql", "select 1 as id\n");
    for cmd in ["run", "compile", "debug"] {
        let out = p.mozt(&[cmd]);
        let msg = check(&p, &out, "project.yml:5");
        assert!(
            msg.contains("target 'dev' has type 'postgres'; mozt supports duckdb and snowflake"),
            "{cmd}: {msg}"
        );
        assert!(msg.contains("set `type: duckdb` or `type: snowflake`"), "{cmd}: {msg}");
    }
}

#[test]
fn seed_header_naming_a_column_twice() {
    let p = project();
    p.write("seeds/dup.csv", "id,name,ID\n1,a,2\n");
    let out = p.mozt(&["seed"]);
    let msg = check(&p, &out, "seeds/dup.csv:1");
    assert!(msg.contains("'ID' twice"), "{msg}");
}

#[test]
fn ref_to_a_disabled_model() {
    let p = project();
    p.write("models/old.sql", "{{ config(enabled=false) }}\nselect 1 as id\n");
    p.write("models/uses_old.sql", "select *\nfrom {{ ref('old') }}\n");
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "models/uses_old.sql:2");
    assert!(msg.contains("disabled"), "{msg}");
    // Disabled too, the project parses, and neither model is listed.
    p.write(
        "models/uses_old.sql",
        "{{ config(enabled=false) }}\nselect *\nfrom {{ ref('old') }}\n",
    );
    assert_eq!(p.ok(&["ls", "--output", "name"]).stdout_lines(), ["base"]);
}

#[test]
fn configs_of_the_wrong_type() {
    let p = project();
    p.write("models/m.sql", "-- reporting\n{{ config(schema=3) }}\nselect 1 as id\n");
    let out = p.mozt(&["parse"]);
    insta::assert_snapshot!("config_of_the_wrong_type", check(&p, &out, "models/m.sql:2"));
    p.write("models/m.sql", "select 1 as id\n");
    p.write(
        "models/schema.yml",
        "models:\n  - name: m\n    description: x\n    config:\n      tags: {nightly: true}\n",
    );
    let out = p.mozt(&["parse"]);
    check(&p, &out, "models/schema.yml:5");
    p.write(
        "models/schema.yml",
        "models:\n  - name: m\n    config: {enabled: maybe}\n",
    );
    let out = p.mozt(&["parse"]);
    check(&p, &out, "models/schema.yml:3");
}

#[test]
fn warnings_are_plain_text_when_not_on_a_terminal() {
    let p = project();
    p.write(
        "models/m.sql",
        "{{ exceptions.warn('check this model') }}\nselect 1 as id\n",
    );
    let out = p.ok(&["parse"]);
    assert!(out.stderr.contains("check this model"), "{}", out.stderr);
    assert!(
        !out.stderr.contains('\u{1b}'),
        "no colour codes in a pipe: {:?}",
        out.stderr
    );
}

#[test]
fn a_model_that_renders_to_nothing() {
    let p = project();
    p.write(
        "models/placeholder.sql",
        "-- to do\n/* the orders mart */\n{% if false %}select 1{% endif %}\n",
    );
    let out = p.mozt(&["run"]);
    let msg = check(&p, &out, "models/placeholder.sql:1");
    assert!(msg.contains("renders to no SQL"), "{msg}");
    assert!(p.relations().is_empty(), "nothing may run");
    // SQL after comments is fine.
    p.write(
        "models/placeholder.sql",
        "-- the orders mart\nselect 1 as id -- one row\n",
    );
    p.ok(&["run"]);
}

#[test]
fn undefined_variable_in_a_macro_names_the_macro_line_and_the_model() {
    let p = project();
    p.write(
        "macros/cents.sql",
        "{% macro cents(col) %}\n  ({{ col }} / {{ divisor }})\n{% endmacro %}\n",
    );
    p.write("models/m.sql", "select\n  {{ cents('amount') }} as dollars\nfrom x\n");
    let out = p.mozt(&["parse"]);
    let msg = check(&p, &out, "macros/cents.sql:2");
    assert!(msg.contains("called from models/m.sql"), "{msg}");
    insta::assert_snapshot!("undefined_variable_in_macro", msg);
}

#[test]
fn a_yaml_error_never_shows_a_secret() {
    // The syntax error is on the password's line (a second ': ' in a plain value), or on a
    // line inside a private key's block: the snippet shows where, never the secret.
    let cases = [
        (
            "name: errs\ntargets:\n  default: dev\n  dev:\n    type: duckdb\n    password: hunter2: s3cret\n",
            "project.yml:6",
            "hunter2",
        ),
        (
            "name: errs\ntargets:\n  default: dev\n  dev:\n    type: duckdb\n    private_key: |\n      MIIEvQIBADANBgkq\n     MIIEvQ-key-body: [\n",
            "project.yml:8",
            "MIIEvQ",
        ),
        (
            "name: errs\ntargets:\n  default: dev\n  dev: {type: duckdb, Password: 'hunter2', schema: [a}\n",
            "project.yml:4",
            "hunter2",
        ),
    ];
    for (yml, location, secret) in cases {
        let p = TestProject::with_yml(yml);
        let out = p.mozt(&["build"]);
        let msg = check(&p, &out, location);
        assert!(!msg.contains(secret), "the secret is shown:\n{msg}");
        assert!(msg.contains("********"), "the line is shown, masked:\n{msg}");
    }
}

#[test]
fn a_jinja_expression_too_long_to_compile_is_an_error_not_a_crash() {
    // minijinja compiles a chain of operators with one nested call per operator: 50,000 of
    // them overflowed the stack and aborted the process (exit 134).
    for chain in [
        vec!["1"; 50_000].join(" + "),
        format!("{}1", "- ".repeat(50_000)),
        vec!["'a'"; 50_000].join(" ~ "),
    ] {
        let p = project();
        p.write("models/m.sql", &format!("select\n  {{{{ {chain} }}}} as x\n"));
        let out = p.mozt(&["compile"]);
        let msg = check(&p, &out, "models/m.sql:2");
        assert!(msg.contains("operators: more than mozt compiles safely"), "{msg}");
        // The line shown is cut to a screen's width.
        assert!(msg.lines().all(|l| l.chars().count() < 300), "{msg}");
    }
}
