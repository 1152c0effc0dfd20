//! Configs in precedence order (model file > schema YAML > project.yml folders > defaults),
//! custom schemas, macros, vars, env vars and `target`, checked on what DuckDB ends up holding.

mod common;

use common::{TestProject, project_yml};

const FOLDERS: &str = "
models:
  precedence:
    +tags: [everything]
    staging:
      +materialized: table
      +schema: stg
      +tags: [staging]
    marts:
      +materialized: table
";

fn precedence_project() -> TestProject {
    let p = TestProject::with_yml(&project_yml("precedence", FOLDERS));
    // Defaults only: no folder config applies to models/ itself.
    p.write("models/plain.sql", "select 1 as id\n");
    // Folder config only: table in <schema>_stg.
    p.write("models/staging/stg_folder.sql", "select 1 as id\n");
    // Model file beats the folder: a view, in its own schema, with an extra tag.
    p.write(
        "models/staging/stg_file.sql",
        "{{ config(materialized='view', schema='raw', tags=['from_file']) }}\nselect * from {{ ref('stg_folder') }}\n",
    );
    // Schema YAML beats the folder (view instead of the folder's table).
    p.write("models/marts/mart_yaml.sql", "select * from {{ ref('stg_file') }}\n");
    // Model file beats schema YAML (the YAML says view, the file says table).
    p.write(
        "models/marts/mart_file_over_yaml.sql",
        "{{ config(materialized='table') }}\nselect * from {{ ref('mart_yaml') }}\n",
    );
    p.write(
        "models/marts/_marts.yml",
        "models:\n  - name: mart_yaml\n    config:\n      materialized: view\n      tags: [from_yaml]\n      schema: reporting\n  - name: mart_file_over_yaml\n    config:\n      materialized: view\n      tags: [yaml_too]\n",
    );
    p
}

#[test]
fn config_precedence_decides_kind_schema_and_tags() {
    let p = precedence_project();
    p.ok(&["run"]);

    assert_eq!(
        p.relation_type("analytics", "plain").as_deref(),
        Some("VIEW"),
        "default is a view"
    );
    assert_eq!(
        p.relation_type("analytics_stg", "stg_folder").as_deref(),
        Some("BASE TABLE")
    );
    assert_eq!(p.relation_type("analytics_raw", "stg_file").as_deref(), Some("VIEW"));
    assert_eq!(
        p.relation_type("analytics_reporting", "mart_yaml").as_deref(),
        Some("VIEW")
    );
    assert_eq!(
        p.relation_type("analytics", "mart_file_over_yaml").as_deref(),
        Some("BASE TABLE")
    );
    // Nothing built twice or left behind in another schema.
    assert_eq!(
        p.relations(),
        vec![
            "analytics.mart_file_over_yaml",
            "analytics.plain",
            "analytics_raw.stg_file",
            "analytics_reporting.mart_yaml",
            "analytics_stg.stg_folder",
        ]
    );
    // The data flowed through the chain.
    assert_eq!(p.scalar("select count(*) from analytics.mart_file_over_yaml"), "1");
}

fn names(p: &TestProject, args: &[&str]) -> Vec<String> {
    let mut all = vec!["ls", "--output", "name", "--resource-type", "model"];
    all.extend_from_slice(args);
    let mut v = p.ok(&all).stdout_lines();
    v.sort();
    v
}

#[test]
fn tags_accumulate_across_layers() {
    let p = precedence_project();
    assert_eq!(
        names(&p, &["-s", "tag:everything"]),
        vec!["mart_file_over_yaml", "mart_yaml", "plain", "stg_file", "stg_folder"]
    );
    assert_eq!(names(&p, &["-s", "tag:staging"]), vec!["stg_file", "stg_folder"]);
    assert_eq!(names(&p, &["-s", "tag:from_file"]), vec!["stg_file"]);
    assert_eq!(names(&p, &["-s", "tag:from_yaml"]), vec!["mart_yaml"]);
    assert_eq!(names(&p, &["-s", "tag:yaml_too"]), vec!["mart_file_over_yaml"]);
    assert!(names(&p, &["-s", "tag:nobody"]).is_empty());

    // The resolved config is in the manifest too.
    p.ok(&["parse"]);
    let m = p.json("target/manifest.json");
    let node = &m["nodes"]["model.precedence.stg_file"];
    assert_eq!(node["config"]["materialized"], "view");
    assert_eq!(node["config"]["schema"], "raw");
    assert_eq!(
        node["config"]["tags"],
        serde_json::json!(["everything", "staging", "from_file"])
    );
    assert_eq!(node["relation_name"], "analytics_raw.stg_file");
}

#[test]
fn generate_schema_name_can_be_overridden_by_a_project_macro() {
    let p = TestProject::with_yml(&project_yml(
        "schemas",
        "models:\n  schemas:\n    marts: {+schema: reporting}\n",
    ));
    p.write("models/base.sql", "select 1 as id\n");
    p.write("models/marts/report.sql", "select * from {{ ref('base') }}\n");
    p.write(
        "models/special.sql",
        "{{ config(schema='special') }}\nselect * from {{ ref('base') }}\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.relations(),
        vec![
            "analytics.base",
            "analytics_reporting.report",
            "analytics_special.special"
        ]
    );

    // A project macro replaces the built-in: custom schemas are used as they are, and a
    // model named like `x_special` goes elsewhere, to show the macro sees the node.
    p.write(
        "macros/generate_schema_name.sql",
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n\
         {%- if custom_schema_name is none -%}{{ target.schema }}\n\
         {%- elif node.name == 'special' -%}very_{{ custom_schema_name | trim }}\n\
         {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n\
         {%- endmacro %}\n",
    );
    std::fs::remove_file(p.db_path()).expect("start from an empty database");
    p.ok(&["run"]);
    assert_eq!(
        p.relations(),
        vec!["analytics.base", "reporting.report", "very_special.special"]
    );
    // Refs follow the relation to its schema.
    let compiled = p.read("target/compiled/schemas/models/marts/report.sql");
    assert!(compiled.contains("analytics.base"), "{compiled}");

    // A macro that never reads its node is called once per custom schema; each model still gets
    // the schema of its own custom schema.
    p.write(
        "macros/generate_schema_name.sql",
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n\
         {%- if custom_schema_name is none -%}{{ target.schema }}\n\
         {%- else -%}x_{{ custom_schema_name | trim }}{%- endif -%}\n\
         {%- endmacro %}\n",
    );
    std::fs::remove_file(p.db_path()).expect("start from an empty database");
    p.ok(&["run"]);
    assert_eq!(
        p.relations(),
        vec!["analytics.base", "x_reporting.report", "x_special.special"]
    );
}

#[test]
fn macros_vars_env_vars_and_target_render_in_models() {
    let p = TestProject::with_yml(&project_yml("render", "vars: {greeting: hello, lookback: 3}\n"));
    p.write(
        "macros/math.sql",
        "{% macro times(x, n=2) %}({{ x }} * {{ n }}){% endmacro %}\n\
         {% macro shout(s) %}{{ return(s | upper) }}{% endmacro %}\n",
    );
    p.write(
        "models/rendered.sql",
        "{{ config(materialized='table') }}\n\
         {%- set cols = ['a', 'b'] %}\n\
         select\n\
           {{ times(21) }} as doubled,\n\
           {{ times(2, n=5) }} as tenfold,\n\
           '{{ shout('hi') }}' as shouted,\n\
           '{{ var('greeting') }}' as greeting,\n\
           {{ var('lookback') }} as lookback,\n\
           '{{ var('not_set', 'fallback') }}' as var_default,\n\
           '{{ env_var('MOZT_TEST_RENDER_ENV', 'env_fallback') }}' as env_value,\n\
           '{{ target.name }}' as target_name,\n\
           '{{ target.type }}' as target_type,\n\
           '{{ target.schema }}' as target_schema,\n\
           {%- for c in cols %}\n\
           '{{ c }}' as col_{{ c }}{{ ',' if not loop.last }}\n\
           {%- endfor %}\n",
    );
    let cols = "doubled, tenfold, shouted, greeting, lookback, var_default, env_value, \
                target_name, target_type, target_schema, col_a, col_b";
    let select = format!("select {cols} from analytics.rendered");

    p.ok(&["run"]);
    assert_eq!(
        p.query(&select),
        vec![vec![
            "42",
            "10",
            "HI",
            "hello",
            "3",
            "fallback",
            "env_fallback",
            "dev",
            "duckdb",
            "analytics",
            "a",
            "b"
        ]]
    );

    // --vars overrides project vars and fills in defaults; env_var reads the environment.
    p.mozt_env(
        &["run", "--vars", "{greeting: bonjour, not_set: given}"],
        &[("MOZT_TEST_RENDER_ENV", "from_env")],
    )
    .assert_ok();
    assert_eq!(
        p.query(&select),
        vec![vec![
            "42",
            "10",
            "HI",
            "bonjour",
            "3",
            "given",
            "from_env",
            "dev",
            "duckdb",
            "analytics",
            "a",
            "b"
        ]]
    );
}

#[test]
fn target_name_follows_the_selected_target() {
    let p = TestProject::with_yml(
        "name: targets\n\
         targets:\n  default: dev\n\
         \x20 dev: {type: duckdb, path: target/dev.duckdb, schema: analytics}\n\
         \x20 ci: {type: duckdb, path: target/ci.duckdb, schema: ci_schema}\n",
    );
    p.write(
        "models/which.sql",
        "select '{{ target.name }}' as name, '{{ target.schema }}' as schema\n",
    );
    p.ok(&["run", "--target", "ci"]);
    let rows = common::query_db(
        &p.path().join("target/ci.duckdb"),
        "select name, schema from ci_schema.which",
    );
    assert_eq!(rows, vec![vec!["ci", "ci_schema"]]);
    assert!(!p.db_path().exists(), "the dev database must not be touched");
}

#[test]
fn two_argument_ref_alias_and_enabled() {
    let p = TestProject::new("refs");
    p.write("models/base.sql", "select 1 as id\n");
    p.write(
        "models/renamed.sql",
        "{{ config(alias='customers_v2', materialized='table') }}\nselect * from {{ ref('refs', 'base') }}\n",
    );
    p.write("models/top.sql", "select * from {{ ref('renamed') }}\n");
    p.write("models/off.sql", "{{ config(enabled=false) }}\nselect 1 as id\n");
    p.write("models/off_in_yaml.sql", "select 1 as id\n");
    p.write(
        "models/schema.yml",
        "models:\n  - name: off_in_yaml\n    config: {enabled: false}\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.relations(),
        ["analytics.base", "analytics.customers_v2", "analytics.top"]
    );
    let compiled = p.read("target/compiled/refs/models/top.sql");
    assert!(compiled.contains("analytics.customers_v2"), "{compiled}");
    // A two-argument ref to another project is an error.
    p.write(
        "models/top.sql",
        "select * from {{ ref('other_project', 'renamed') }}\n",
    );
    let out = p.mozt(&["parse"]);
    out.assert_project_error();
    assert!(out.stderr.contains("other_project"), "{}", out.stderr);
}

#[test]
fn sources_resolve_to_their_schema_and_identifier_and_wait_for_the_seed_that_loads_them() {
    let p = TestProject::with_yml(&project_yml("src", "seeds:\n  src:\n    raw: {+schema: raw}\n"));
    p.write("seeds/raw/orders_v2.csv", "id,amount\n1,10\n2,5\n");
    p.write(
        "models/sources.yml",
        "sources:\n  - name: shop\n    schema: analytics_raw\n    tables:\n      - name: orders\n        identifier: orders_v2\n",
    );
    p.write(
        "models/order_totals.sql",
        "{{ config(materialized='table') }}\nselect sum(amount) as total from {{ source('shop', 'orders') }}\n",
    );
    let out = p.ok(&["build", "--threads", "4"]);
    assert!(out.stdout.contains("PASS=2"), "{}", out.stdout);
    assert_eq!(p.scalar("select total from analytics.order_totals"), "15");
    let compiled = p.read("target/compiled/src/models/order_totals.sql");
    assert!(compiled.contains("from analytics_raw.orders_v2"), "{compiled}");
    let mut downstream = p.ok(&["ls", "-s", "source:shop+", "--output", "name"]).stdout_lines();
    downstream.sort();
    assert_eq!(downstream, ["order_totals", "orders"]);
    let m = p.json("target/manifest.json");
    let deps = &m["nodes"]["model.src.order_totals"]["depends_on"]["nodes"];
    assert!(
        deps.as_array()
            .is_some_and(|d| d.contains(&serde_json::json!("seed.src.orders_v2"))),
        "{deps}"
    );
}
