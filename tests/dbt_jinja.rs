//! Jinja as dbt packages write it, in a project in dbt's layout: `doc()` in a model, and lists
//! and dicts changed in place (`{% do cols.append(x) %}`, `{% do d.update(...) %}`), in the
//! root's macros, a package's macros and models, inside loops.

// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestProject;

/// A package macro in dbt_utils' style: the columns of a list but some, built with append in a
/// loop, and a dict of renames filled with update.
const PACKAGE_MACROS: &str = "{% macro select_renamed(columns, except=[], renames={}) -%}\n\
  {%- set kept = [] -%}\n\
  {%- set names = {} -%}\n\
  {%- for c in columns -%}\n\
    {%- if c not in except -%}\n\
      {%- do kept.append(c) -%}\n\
      {%- do names.update({c: renames.get(c, c)}) -%}\n\
    {%- endif -%}\n\
  {%- endfor -%}\n\
  {%- set parts = [] -%}\n\
  {%- for c in kept -%}{%- do parts.append(c ~ ' as ' ~ names[c]) -%}{%- endfor -%}\n\
  {{ return(parts | join(', ')) }}\n\
{%- endmacro %}\n";

fn project() -> TestProject {
    let p = TestProject::dbt("");
    p.write("seeds/orders.csv", "id,amount,secret\n1,5,x\n2,7,y\n")
        .write("dbt_packages/helpers/dbt_project.yml", "name: helpers\nversion: '1.0.0'\nconfig-version: 2\n")
        .write("dbt_packages/helpers/macros/select_renamed.sql", PACKAGE_MACROS)
        .write(
            "models/docs.md",
            "{% docs order_note %}\nOrders as placed, in cents.\n{% enddocs %}\n",
        )
        .write(
            "models/clean_orders.sql",
            "{%- set cols = ['id', 'amount', 'secret'] -%}\n\
             select {{ helpers.select_renamed(cols, except=['secret'], renames={'amount': 'cents'}) }},\n\
             '{{ doc('order_note') }}' as note, '{{ doc('shop', 'order_note') }}' as note2\n\
             from {{ ref('orders') }}\n",
        )
        .write(
            "macros/totals.sql",
            "{% macro sums(cols) %}{% set out = [] %}{% for c in cols %}{% do out.append('sum(' ~ c ~ ') as ' ~ c) %}{% endfor %}{{ out | join(', ') }}{% endmacro %}\n",
        )
        .write("models/totals.sql", "select {{ sums(['id', 'cents']) }} from {{ ref('clean_orders') }}\n");
    p
}

#[test]
fn append_update_and_doc_render_as_in_dbt() {
    let p = project();
    p.ok(&["build"]);
    let compiled = p.read("target/compiled/shop/models/clean_orders.sql");
    assert!(
        compiled.starts_with("select id as id, amount as cents,\n'Orders as placed, in cents.' as note, 'Orders as placed, in cents.' as note2"),
        "{compiled}"
    );
    assert_eq!(
        p.query("select id, cents from analytics.totals"),
        vec![vec!["3".to_string(), "12".into()]]
    );
}

#[test]
fn a_doc_with_no_block_is_an_error_naming_the_model() {
    let p = project();
    p.write("models/totals.sql", "select '{{ doc(\"nope\") }}' as x\n");
    let out = p.mozt(&["compile"]);
    out.assert_project_error();
    assert!(out.stderr.contains("models/totals.sql"), "{}", out.stderr);
    assert!(out.stderr.contains("doc('nope')"), "{}", out.stderr);
}
