//! Compile reuses each template's parse render, with ref/source/this placeholders filled in,
//! only when nothing in the template could have depended on the relations behind them. Every
//! way a template can look at a relation other than printing it makes compile render it again,
//! and the compiled SQL is always what a render with the real relations gives.

mod common;

use common::{TestProject, project_yml};

const MODELS: &[(&str, &str, &str)] = &[
    // name, template, compiled SQL
    ("a", "select 1 as id", "select 1 as id"),
    (
        "direct",
        "select * from {{ ref('a') }} -- {{ this }}",
        "select * from analytics.a -- analytics.direct",
    ),
    (
        "via_macro",
        "{{ from_rel(ref('a')) }} where {{ this.identifier | length }} > 0",
        "select * from analytics.a where 9 > 0",
    ),
    ("macro_ok", "{{ from_rel(ref('a')) }}", "select * from analytics.a"),
    (
        "from_source",
        "select * from {{ source('raw', 'events') }}",
        "select * from raw.events",
    ),
    (
        "block_set",
        "{% set r %}{{ ref('a') }}{% endset %}select {{ r | length }} as n",
        "select 11 as n",
    ),
    (
        "attribute",
        "select '{{ ref('a').schema }}' as s from {{ ref('a') }}",
        "select 'analytics' as s from analytics.a",
    ),
    (
        "upper",
        "select '{{ ref('a') | upper }}' as s",
        "select 'ANALYTICS.A' as s",
    ),
    (
        "concat",
        "select '{{ ref('a') ~ '_x' }}' as s",
        "select 'analytics.a_x' as s",
    ),
    (
        "macro_length",
        "select {{ from_rel(ref('a')) | length }} as n",
        "select 25 as n",
    ),
    (
        "filter_block",
        "{% filter upper %}select * from {{ ref('a') }}{% endfilter %}",
        "SELECT * FROM ANALYTICS.A",
    ),
    (
        "config_late",
        "select '{{ config.get('owner_x', 'none') }}' as o\n{{ config(owner_x='bob') }}",
        "select 'bob' as o\n",
    ),
    (
        "model_config",
        "{{ config(materialized='table') }}select '{{ model.config.materialized }}' as m",
        "select 'table' as m",
    ),
];

fn project() -> TestProject {
    let p = TestProject::with_yml(&project_yml("once", ""));
    for (name, sql, _) in MODELS {
        p.write(&format!("models/{name}.sql"), sql);
    }
    p.write(
        "macros/from_rel.sql",
        "{% macro from_rel(rel) %}select * from {{ rel }}{% endmacro %}",
    );
    p.write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: events\n",
    );
    p
}

#[test]
fn compiled_sql_is_what_the_real_relations_give() {
    let p = project();
    let out = p.mozt(&["compile", "-v"]);
    out.assert_ok();
    for (name, _, expected) in MODELS {
        let sql = p.read(&format!("target/compiled/once/models/{name}.sql"));
        assert_eq!(&sql, expected, "model {name}");
    }
    // Only the templates that print relations straight keep their parse render: a, direct,
    // macro_ok, from_source, and config_late, whose `config.get` answer is compared at compile
    // (and differs, so it renders again). via_macro reads `this.identifier`.
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("parse renders reusable by compile"))
        .unwrap_or_else(|| out.fail("no count of reusable parse renders in the debug log"));
    assert!(
        line.ends_with(&format!("reusable by compile: 5 of {}", MODELS.len())),
        "{line}"
    );
}

#[test]
fn incremental_models_render_again_when_is_incremental_is_true() {
    let p = TestProject::with_yml(&project_yml("incr", ""));
    p.write(
        "models/events.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\nselect {{ var('n') }} as id\n{% if is_incremental() %}where {{ var('n') }} > (select max(id) from {{ this }}){% endif %}\n",
    );
    p.ok(&["run", "--vars", "{n: 1}"]);
    assert_eq!(p.read("target/compiled/incr/models/events.sql"), "\nselect 1 as id\n\n");
    p.ok(&["run", "--vars", "{n: 2}"]);
    assert_eq!(
        p.read("target/compiled/incr/models/events.sql"),
        "\nselect 2 as id\nwhere 2 > (select max(id) from analytics.events)\n"
    );
    assert_eq!(p.scalar("select count(*) from analytics.events"), "2");
}
