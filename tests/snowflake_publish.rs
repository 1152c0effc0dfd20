//! persist_docs and model contracts on the Snowflake emulator (over Snowflake's HTTP protocol).
//! Needs `scripts/fakesnow.sh start` and MOZT_FAKESNOW_URL (as .ci/run does).
//!
//! What the emulator (fakesnow 0.12.1) cannot show, and where it is checked instead: it has no
//! GRANT, REVOKE or SHOW GRANTS (the grants are checked against a protocol stub in
//! src/engine/tests.rs); it accepts column comments and view comments but does not record them,
//! and drops the column list (with NOT NULL) of `create table t (...) as select` — so here only
//! that those statements are accepted is checked, and the table comment and the contract are
//! checked for real.

mod common;

use common::{TestProject, show_rows};
use serde_json::{Value, json};

const YAML: &str = "models:\n  - name: t\n    description: The rows of t\n    columns:\n      - name: id\n        description: the key\n        data_type: int\n        constraints: [{type: not_null}, {type: check, expression: 'id > 0'}]\n      - name: name\n        description: what it is called\n        data_type: varchar\n  - name: v\n    description: a view over t\n    columns:\n      - name: id\n        description: the key again\n";

fn project(name: &str) -> TestProject {
    let p = common::emulator_project(name);
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', persist_docs={'relation': true, 'columns': true}, contract={'enforced': true}) }}\n\
         select 'one' as name, 1 as id\n",
    )
    .write(
        "models/v.sql",
        "{{ config(persist_docs={'relation': true, 'columns': true}) }}\nselect id from {{ ref('t') }}\n",
    )
    .write("models/schema.yml", YAML);
    p
}

#[test]
fn persist_docs_and_a_kept_contract_on_snowflake() {
    let p = project("mozt_publish");
    let out = p.ok(&["run"]);
    assert!(
        out.stderr.contains("the check constraint on column id is not created"),
        "Snowflake does not enforce check constraints: {}",
        out.stderr
    );
    assert_eq!(
        show_rows(
            &p,
            "select table_name, comment from information_schema.tables where table_schema = 'ANALYTICS' and table_name = 'T'"
        ),
        [json!({"TABLE_NAME": "T", "COMMENT": "The rows of t"})]
    );
    // The contract's column order, whatever order the SQL returns them in.
    let columns: Vec<Value> = show_rows(
        &p,
        "select column_name from information_schema.columns where table_name = 'T' order by ordinal_position",
    )
    .into_iter()
    .map(|r| r["COLUMN_NAME"].clone())
    .collect();
    assert_eq!(columns, [json!("ID"), json!("NAME")]);
}

#[test]
fn a_broken_contract_on_snowflake_lists_the_differences_and_builds_nothing() {
    let p = project("mozt_contract");
    p.ok(&["run"]);
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', contract={'enforced': true}) }}\nselect 1.5 as id, 2 as extra\n",
    );
    let out = p.mozt(&["run", "-s", "t"]);
    out.assert_code(1);
    for line in [
        "model t breaks its enforced contract (nothing was built):",
        "- id: the contract says int (NUMBER(38,0)), the SQL returns NUMBER(38,1)",
        "- extra: the SQL returns it (NUMBER(38,0)), the contract does not declare it",
        "- name: declared in the contract (TEXT), the SQL does not return it",
    ] {
        assert!(out.stdout.contains(line), "missing {line:?}:\n{}", out.stdout);
    }
    assert_eq!(
        show_rows(&p, "select id, name from {{ ref('t') }}"),
        [json!({"ID": 1, "NAME": "one"})]
    );
}
