//! grants, persist_docs and model contracts on DuckDB (the real binary, the database file read
//! back afterwards).

mod common;

use common::TestProject;

const YAML: &str = "models:\n  - name: t\n    description: The rows of t\n    columns:\n      - name: id\n        description: the key\n        data_type: int\n        constraints: [{type: not_null}, {type: primary_key}, {type: check, expression: 'id > 0'}, {type: foreign_key, expression: 'other (id)'}]\n      - name: name\n        description: what it is called\n        data_type: string\n  - name: v\n    description: a view over t\n    columns:\n      - name: id\n        description: the key again\n";

fn project() -> TestProject {
    let p = TestProject::new("publish");
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', persist_docs={'relation': true, 'columns': true}, contract={'enforced': true}) }}\n\
         select 1 as id, 'one' as name\n",
    )
    .write(
        "models/v.sql",
        "{{ config(persist_docs={'relation': true, 'columns': true}, grants={'select': ['bi']}) }}\nselect id from {{ ref('t') }}\n",
    )
    .write("models/schema.yml", YAML);
    p
}

#[test]
fn persist_docs_writes_table_view_and_column_comments() {
    let p = project();
    p.ok(&["run"]);
    assert_eq!(
        p.query(
            "select table_name, comment from duckdb_tables() where schema_name = 'analytics' \
             union all select view_name, comment from duckdb_views() where schema_name = 'analytics' order by 1"
        ),
        [["t", "The rows of t"], ["v", "a view over t"]]
    );
    assert_eq!(
        p.query(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'analytics' order by 1, 2"
        ),
        [["t", "id", "the key"], ["t", "name", "what it is called"], ["v", "id", "the key again"]]
    );
}

#[test]
fn grants_on_duckdb_are_noted_as_not_applied() {
    let p = project();
    let out = p.ok(&["run"]);
    assert!(
        out.stdout
            .contains("Note: duckdb has no access control, so the grants of 1 node (v) are not applied."),
        "{}",
        out.stdout
    );
}

#[test]
fn an_enforced_contract_creates_the_constraints_duckdb_checks() {
    let p = project();
    let out = p.ok(&["run"]);
    assert_eq!(
        p.query(
            "select constraint_type, constraint_text from duckdb_constraints() \
             where schema_name = 'analytics' and table_name = 't' order by 1"
        ),
        [
            ["CHECK", "CHECK((id > 0))"],
            ["NOT NULL", "NOT NULL"],
            ["PRIMARY KEY", "PRIMARY KEY(id)"]
        ]
    );
    assert!(
        out.stderr
            .contains("the foreign_key constraint on column id is not created"),
        "{}",
        out.stderr
    );
    // A row the constraints refuse fails the build and leaves the previous table.
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', contract={'enforced': true}) }}\nselect -1 as id, 'minus' as name\n",
    );
    let out = p.mozt(&["run", "-s", "t"]);
    out.assert_code(1);
    assert!(out.stdout.contains("CHECK constraint failed"), "{}", out.stdout);
    assert_eq!(p.query("select id, name from analytics.t"), [["1", "one"]]);
}

#[test]
fn an_enforced_contract_lists_every_difference_before_anything_is_built() {
    let p = project();
    p.ok(&["run"]);
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', contract={'enforced': true}, pre_hook='create table analytics.hook_ran as select 1') }}\n\
         select 1.5 as id, 2 as extra\n",
    );
    let out = p.mozt(&["run", "-s", "t"]);
    out.assert_code(1);
    for line in [
        "model t breaks its enforced contract (nothing was built):",
        "- id: the contract says int (INTEGER), the SQL returns DECIMAL(2,1)",
        "- extra: the SQL returns it (INTEGER), the contract does not declare it",
        "- name: declared in the contract (VARCHAR), the SQL does not return it",
    ] {
        assert!(out.stdout.contains(line), "missing {line:?}:\n{}", out.stdout);
    }
    assert_eq!(p.query("select id, name from analytics.t"), [["1", "one"]]);
    assert!(
        !p.relations().iter().any(|r| r.contains("hook_ran")),
        "the pre-hook must not run: {:?}",
        p.relations()
    );
    // A column without a data_type cannot be checked.
    p.write("models/schema.yml", &YAML.replace("        data_type: string\n", ""));
    let out = p.mozt(&["run", "-s", "t"]);
    out.assert_code(1);
    assert!(
        out.stdout.contains("has columns without a data_type: name"),
        "{}",
        out.stdout
    );
}

#[test]
fn model_level_constraints_cover_several_columns_on_duckdb() {
    let p = TestProject::new("model_constraints");
    p.write(
        "models/pairs.sql",
        "{{ config(materialized='table', contract={'enforced': true}) }}\nselect 1 as a, 2 as b, 3 as c\n",
    )
    .write(
        "models/schema.yml",
        "models:\n  - name: pairs\n    constraints:\n      - {type: primary_key, columns: [a, b]}\n      - {type: not_null, columns: [c]}\n      - {type: check, expression: 'c > a'}\n    columns:\n      - {name: a, data_type: integer}\n      - {name: b, data_type: integer}\n      - {name: c, data_type: integer}\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query(
            "select constraint_type, constraint_text from duckdb_constraints() \
             where table_name = 'pairs' order by 1, 2"
        ),
        [
            ["CHECK", "CHECK((c > a))"],
            ["NOT NULL", "NOT NULL"],
            ["NOT NULL", "NOT NULL"],
            ["NOT NULL", "NOT NULL"],
            ["PRIMARY KEY", "PRIMARY KEY(a, b)"]
        ]
    );
}

/// Deploy's promotion and `clone` copy a table with `create table ... as select` on DuckDB,
/// which keeps no constraints: a contracted table is declared again, with its constraints,
/// then filled.
#[test]
fn deploy_and_clone_keep_a_contracts_constraints_on_duckdb() {
    let p = TestProject::with_yml(
        "name: publish\ntargets:\n  default: ci\n  prod: {type: duckdb, path: target/dev.duckdb, schema: analytics}\n  \
         ci: {type: duckdb, path: target/dev.duckdb, schema: ci}\n",
    );
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', contract={'enforced': true}) }}\nselect 1 as id, 'one' as name\n",
    )
    .write("models/schema.yml", YAML)
    .write("models/v.sql", "select id from {{ ref('t') }}\n");
    let constraints = |schema: &str| {
        p.query(&format!(
            "select constraint_type, constraint_text from duckdb_constraints() \
             where schema_name = '{schema}' and table_name = 't' order by 1"
        ))
    };
    let expected = [
        ["CHECK", "CHECK((id > 0))"],
        ["NOT NULL", "NOT NULL"],
        ["PRIMARY KEY", "PRIMARY KEY(id)"],
    ];
    p.ok(&["deploy", "-t", "prod"]);
    assert_eq!(constraints("analytics"), expected);
    p.ok(&["clone", "--from-target", "prod"]);
    assert_eq!(constraints("ci"), expected);
    assert_eq!(p.query("select id, name from ci.t"), [["1", "one"]]);
}
