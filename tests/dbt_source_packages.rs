//! A source package in the style of the vendor-maintained dbt "source" packages, run as it
//! stands: installed as a symbolic link (as `dbt deps` and `mozt deps` install a `local:`
//! package), its sources' schema, database and identifier written as Jinja reading vars, vars
//! whose values are `{{ source(...) }}`, folder configs enabled by a var, macros calling
//! `var('x', none)` and dbt's cross-database macros; the integration project's seeds typed by
//! Jinja in dbt_project.yml. Built with the real binary on DuckDB.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

const ROOT_PROJECT: &str = r#"name: crm_integration
version: '1.0.0'
config-version: 2
profile: crm

vars:
  crm_source:
    crm_schema: crm_raw
    crm_contact_identifier: contact_data
    crm__using_notes: false

seeds:
  crm_integration:
    +quote_columns: "{{ true if target.type == 'redshift' else false }}"
    contact_data:
      +column_types:
        phone: "{{ 'string' if target.type in ('bigquery', 'spark') else 'varchar' }}"
"#;

const PROFILE: &str = "crm:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: crm_raw\n      threads: 1\n";

const PACKAGE_PROJECT: &str = r#"name: crm_source
version: '0.1.0'
config-version: 2

vars:
  crm_source:
    contact: "{{ source('crm', 'contact') }}"
    note: "{{ source('crm', 'note') }}"

models:
  crm_source:
    +materialized: table
    +schema: stg_crm
    notes:
      +enabled: "{{ var('crm__using_notes', true) }}"
"#;

const PACKAGE_SOURCES: &str = r#"version: 2
sources:
  - name: crm
    database: "{% if target.type != 'spark' %}{{ var('crm_database', target.database) }}{% endif %}"
    schema: "{{ var('crm_schema', 'crm') }}"
    tables:
      - name: contact
        identifier: "{{ var('crm_contact_identifier', 'contact') }}"
      - name: note
        identifier: "{{ var('crm_note_identifier', 'note') }}"
"#;

/// The macro a source package calls to label rows with where they came from: it reads a var
/// that may be unset, with `none` as its default.
const PACKAGE_MACRO: &str = r#"{% macro source_label(union_var) -%}
{%- if var(union_var, none) -%}
'unioned'
{%- else -%}
{{ dbt.string_literal('single') }}
{%- endif -%}
{%- endmacro %}
"#;

const CONTACT_MODEL: &str = r#"select
    id,
    phone,
    {{ dbt.concat(["first_name", "' '", "last_name"]) }} as full_name,
    {{ crm_source.source_label('crm_union_schemas') }} as source_relation
from {{ var('contact') }}
"#;

/// The integration project with the package in `vendor/crm_source`, linked from
/// `dbt_packages/crm_source`.
fn project() -> TestProject {
    let p = TestProject::empty();
    p.write("dbt_project.yml", ROOT_PROJECT)
        .write("profiles.yml", PROFILE)
        .write(
            "seeds/contact_data.csv",
            "id,first_name,last_name,phone\n1,Ada,Lovelace,0123\n2,Alan,Turing,\n",
        )
        .write("vendor/crm_source/dbt_project.yml", PACKAGE_PROJECT)
        .write("vendor/crm_source/models/src_crm.yml", PACKAGE_SOURCES)
        .write("vendor/crm_source/macros/source_label.sql", PACKAGE_MACRO)
        .write("vendor/crm_source/models/stg_crm__contact.sql", CONTACT_MODEL)
        .write(
            "vendor/crm_source/models/notes/stg_crm__note.sql",
            "select * from {{ var('note') }}\n",
        );
    std::fs::create_dir_all(p.path().join("dbt_packages")).unwrap();
    std::os::unix::fs::symlink(
        p.path().join("vendor/crm_source"),
        p.path().join("dbt_packages/crm_source"),
    )
    .unwrap();
    p
}

#[test]
fn a_package_installed_as_a_link_is_read() {
    let p = project();
    let models = p.ls(&["--resource-type", "model"]);
    assert_eq!(models, vec!["stg_crm__contact"], "{models:?}");
    assert!(
        p.ls(&["--select", "package:crm_source"])
            .contains(&"stg_crm__contact".to_string())
    );
}

#[test]
fn a_source_package_builds_from_the_source_its_vars_name() {
    let p = project();
    p.ok(&["seed"]);
    p.ok(&["build"]);
    assert_eq!(
        p.query("select id, phone, full_name, source_relation from crm_raw_stg_crm.stg_crm__contact order by id"),
        vec![
            vec!["1", "0123", "Ada Lovelace", "single"],
            vec!["2", "NULL", "Alan Turing", "single"],
        ]
    );
    // The seed's column type came from Jinja in dbt_project.yml: the leading zero is kept.
    assert_eq!(
        p.scalar("select data_type from information_schema.columns where table_name = 'contact_data' and column_name = 'phone'"),
        "VARCHAR"
    );
}

#[test]
fn a_var_holding_a_source_call_makes_the_model_depend_on_the_source() {
    let p = project();
    p.ok(&["compile"]);
    let manifest = p.json("target/manifest.json");
    let deps = &manifest["nodes"]["model.crm_source.stg_crm__contact"]["depends_on"]["nodes"];
    // The source, and the seed that loads its table (a source a seed loads waits for it).
    assert_eq!(
        deps,
        &serde_json::json!(["source.crm_source.crm.contact", "seed.crm_integration.contact_data"]),
        "{deps}"
    );
    let compiled = p.read("target/compiled/crm_integration/dbt_packages/crm_source/models/stg_crm__contact.sql");
    assert!(compiled.contains("crm_raw.contact_data"), "{compiled}");
}

#[test]
fn a_folder_enabled_by_a_var_in_jinja_follows_the_var() {
    let p = project();
    assert_eq!(p.ls(&["--resource-type", "model"]), vec!["stg_crm__contact"]);
    p.write(
        "dbt_project.yml",
        &ROOT_PROJECT.replace("crm__using_notes: false", "crm__using_notes: true"),
    );
    let all = p.ls(&["--resource-type", "model"]);
    assert_eq!(all, vec!["stg_crm__contact", "stg_crm__note"], "{all:?}");
}

#[test]
fn relations_are_mappings_as_packages_check_them() {
    let p = project();
    p.write(
        "models/relation_check.sql",
        "{% set rel = source('crm', 'contact') %}\n\
         {% set cols = {} %}{% do cols.update({rel: []}) %}{% do cols[rel].append('id') %}\n\
         select {{ (rel is mapping and rel.get('metadata', {}).get('type', '').endswith('Relation')) | lower }} as is_relation,\n\
         '{{ rel.get('identifier') }}' as identifier, '{{ cols[rel] | join }}' as cols\n",
    );
    p.ok(&["seed"]);
    p.ok(&["run", "--select", "relation_check"]);
    assert_eq!(
        p.query("select is_relation, identifier, cols from crm_raw.relation_check"),
        vec![vec!["true", "contact_data", "id"]]
    );
}

#[test]
fn a_var_that_renders_itself_is_an_error_not_a_crash() {
    let p = project();
    p.write(
        "dbt_project.yml",
        &ROOT_PROJECT.replace(
            "vars:\n",
            "vars:\n  loop_a: \"{{ var('loop_b') }}\"\n  loop_b: \"{{ var('loop_a') }}\"\n",
        ),
    );
    p.write("models/loops.sql", "select '{{ var(\"loop_a\") }}' as x\n");
    let out = p.mozt(&["compile", "--select", "loops"]);
    out.assert_project_error();
    assert!(out.stderr.contains("var 'loop_"), "{}", out.stderr);
}

/// A column list built in one macro file and appended to by a macro of another, as source
/// packages add their pass-through columns.
#[test]
fn a_macro_appends_to_a_list_another_macro_file_built() {
    let p = project();
    p.write(
        "vendor/crm_source/macros/add_columns.sql",
        "{% macro add_columns(base, extra) %}{% for c in extra %}{% do base.append({'name': c.name, 'alias': c.alias}) %}{% endfor %}{% endmacro %}\n",
    )
    .write(
        "vendor/crm_source/macros/contact_columns.sql",
        "{% macro contact_columns() %}\n{% set columns = [{'name': 'id', 'alias': 'contact_id'}] %}\n\
         {{ crm_source.add_columns(columns, var('crm__contact_pass_through_columns', [])) }}\n\
         {{ return(columns) }}\n{% endmacro %}\n",
    )
    .write(
        "vendor/crm_source/models/stg_crm__contact.sql",
        "select\n{% for c in crm_source.contact_columns() %}{{ c.name }} as {{ c.alias }}{{ ',' if not loop.last }}\n{% endfor %}\nfrom {{ var('contact') }}\n",
    )
    .write(
        "dbt_project.yml",
        &ROOT_PROJECT.replace(
            "    crm__using_notes: false\n",
            "    crm__using_notes: false\n    crm__contact_pass_through_columns: [{name: phone, alias: contact_phone}]\n",
        ),
    );
    p.ok(&["seed"]);
    p.ok(&["run"]);
    assert_eq!(
        p.query("select contact_id, contact_phone from crm_raw_stg_crm.stg_crm__contact order by 1"),
        vec![vec!["1", "0123"], vec!["2", "NULL"]]
    );
}
