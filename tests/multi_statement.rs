//! A model whose SQL goes on after a `;` is refused before anything runs, naming its file and
//! line, on DuckDB and on the Snowflake emulator (needs MOZT_FAKESNOW_URL, as scripts/test.sh
//! sets it; fails loudly without it): `select 1 as x; drop table ...` must not drop the table
//! while reporting success.

mod common;

use common::TestProject;

const VICTIM: &str = "select 1 as id\n";
const ATTACK: &str = "{{ config(materialized='table') }}\nselect 1 as x;\ndrop table {{ ref('victim') }}\n";

fn refused(p: &TestProject) {
    let out = p.mozt(&["run", "-s", "attack"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("models/attack.sql:3") && out.stderr.contains("more than one statement"),
        "the error names the file and line:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hook"),
        "the error says to use a hook:\n{}",
        out.stderr
    );
    assert!(!out.stdout.contains("OK"), "nothing ran:\n{}", out.stdout);
}

#[test]
fn a_second_statement_is_refused_on_duckdb_and_nothing_runs() {
    let p = TestProject::new("multi");
    p.write(
        "models/victim.sql",
        &format!("{{{{ config(materialized='table') }}}}\n{VICTIM}"),
    )
    .write("models/attack.sql", ATTACK);
    p.ok(&["run", "-s", "victim"]);
    refused(&p);
    assert_eq!(p.relation_type("analytics", "victim").as_deref(), Some("BASE TABLE"));
    assert_eq!(p.relation_type("analytics", "attack"), None);
    // mozt compile refuses it too, and a trailing `;` alone is fine.
    p.mozt(&["compile"]).assert_code(2);
    p.write("models/attack.sql", "select 1 as x;\n");
    p.ok(&["run", "-s", "attack"]);
}

#[test]
fn a_second_statement_is_refused_on_snowflake() {
    let p = common::emulator_project("mozt_multi");
    p.write(
        "models/victim.sql",
        &format!("{{{{ config(materialized='table') }}}}\n{VICTIM}"),
    )
    .write("models/attack.sql", ATTACK);
    p.ok(&["run", "-s", "victim"]);
    refused(&p);
    let rows = common::show_rows(&p, "select count(*) as n from {{ ref('victim') }}");
    assert_eq!(rows.len(), 1, "victim is still readable: {rows:?}");
}
