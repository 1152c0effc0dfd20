//! Seeds: CSV files loaded as tables, with inferred column types and YAML overrides.

mod common;

use common::TestProject;

const TYPES_CSV: &str = "\
id,ratio,active,signup_date,last_seen,zip,note,empty,code
1,1.5,true,2024-01-02,2024-01-02 10:00:00,00501,plain,,7
-20,2,FALSE,2024-02-29,2024-03-01T11:30:00,01234,\"with, comma\",,8
3,-0.25,false,2023-12-31,2023-12-31 23:59:59.5,90210,,,9
";

fn column_types(p: &TestProject, table: &str) -> Vec<(String, String)> {
    p.query(&format!(
        "select column_name, data_type from information_schema.columns \
         where table_name = '{table}' order by ordinal_position"
    ))
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn seed_types_are_inferred() {
    let p = TestProject::new("seeds");
    p.write("seeds/people.csv", TYPES_CSV);
    let out = p.ok(&["seed"]);
    assert!(out.stdout.contains("people (3 rows)"), "{}", out.stdout);
    assert_eq!(
        column_types(&p, "people"),
        pairs(&[
            ("id", "INTEGER"),
            ("ratio", "DOUBLE"),
            ("active", "BOOLEAN"),
            ("signup_date", "DATE"),
            ("last_seen", "TIMESTAMP"),
            ("zip", "VARCHAR"),
            ("note", "VARCHAR"),
            ("empty", "VARCHAR"),
            ("code", "INTEGER"),
        ])
    );
    assert_eq!(
        p.query(
            "select id, ratio, active, signup_date::varchar, last_seen::varchar, zip, note, empty \
             from analytics.people order by id"
        ),
        [
            [
                "-20",
                "2",
                "false",
                "2024-02-29",
                "2024-03-01 11:30:00",
                "01234",
                "with, comma",
                "NULL"
            ],
            [
                "1",
                "1.5",
                "true",
                "2024-01-02",
                "2024-01-02 10:00:00",
                "00501",
                "plain",
                "NULL"
            ],
            [
                "3",
                "-0.25",
                "false",
                "2023-12-31",
                "2023-12-31 23:59:59.5",
                "90210",
                "NULL",
                "NULL"
            ],
        ]
    );
}

#[test]
fn column_types_in_yaml_override_inference() {
    let p = TestProject::new("seeds");
    p.write("seeds/people.csv", TYPES_CSV);
    p.write(
        "seeds/schema.yml",
        "seeds:\n  - name: people\n    config:\n      column_types:\n        id: integer\n        code: varchar\n        ratio: decimal(10, 3)\n",
    );
    p.ok(&["seed"]);
    let types = column_types(&p, "people");
    assert!(types.contains(&("id".into(), "INTEGER".into())), "{types:?}");
    assert!(types.contains(&("code".into(), "VARCHAR".into())), "{types:?}");
    assert!(types.contains(&("ratio".into(), "DECIMAL(10,3)".into())), "{types:?}");
    assert!(types.contains(&("zip".into(), "VARCHAR".into())), "{types:?}");
    assert_eq!(
        p.query("select code, ratio::varchar from analytics.people order by id"),
        [["8", "2.000"], ["7", "1.500"], ["9", "-0.250"]]
    );
}

#[test]
fn seed_folder_configs_and_refs() {
    let p = TestProject::with_yml(&common::project_yml(
        "seeds",
        "seeds:\n  seeds:\n    reference: {+schema: ref_data, +column_types: {code: varchar}}\n",
    ));
    p.write("seeds/reference/countries.csv", "code,name\n33,France\n49,Germany\n");
    p.write(
        "models/country_names.sql",
        "select name from {{ ref('countries') }} where code = '33'\n",
    );
    p.ok(&["build"]);
    assert_eq!(
        column_types(&p, "countries"),
        pairs(&[("code", "VARCHAR"), ("name", "VARCHAR")])
    );
    assert_eq!(p.scalar("select name from analytics.country_names"), "France");
    assert_eq!(
        p.relations(),
        ["analytics.country_names", "analytics_ref_data.countries"]
    );
}

#[test]
fn reseeding_replaces_the_rows() {
    let p = TestProject::new("seeds");
    p.write("seeds/s.csv", "id\n1\n2\n3\n");
    p.ok(&["seed"]);
    assert_eq!(p.scalar("select count(*) from analytics.s"), "3");
    p.write("seeds/s.csv", "id,label\n10,a\n");
    p.ok(&["seed"]);
    assert_eq!(p.query("select id, label from analytics.s"), [["10", "a"]]);
    assert_eq!(p.relations(), ["analytics.s"]);
}

#[test]
fn a_value_that_does_not_fit_its_type_fails_the_seed_and_keeps_the_old_table() {
    let p = TestProject::new("seeds");
    p.write("seeds/s.csv", "id\n1\n2\n");
    p.ok(&["seed"]);
    p.write("seeds/s.csv", "id\n1\nabc\n");
    p.write(
        "seeds/schema.yml",
        "seeds:\n  - name: s\n    config: {column_types: {id: integer}}\n",
    );
    let out = p.mozt(&["seed"]);
    out.assert_code(1);
    assert!(out.stdout.contains("seeds/s.csv"), "{}", out.stdout);
    assert_eq!(p.query("select id from analytics.s order by id"), [["1"], ["2"]]);
    assert_eq!(p.relations(), ["analytics.s"]);
}

#[test]
fn bom_crlf_spaces_in_names_and_header_only_files() {
    let p = TestProject::new("seeds");
    p.write("seeds/excel.csv", "\u{feff}id,First Name\r\n1,Ann\r\n2,Bob\r\n");
    p.write("seeds/header_only.csv", "id,label\n");
    p.write(
        "models/names.sql",
        "select \"First Name\" as first_name from {{ ref('excel') }}\nunion all select label from {{ ref('header_only') }}\n",
    );
    p.ok(&["build"]);
    assert_eq!(
        column_types(&p, "excel"),
        pairs(&[("id", "INTEGER"), ("First Name", "VARCHAR")])
    );
    assert_eq!(
        p.query("select first_name from analytics.names order by 1"),
        [["Ann"], ["Bob"]]
    );
    assert_eq!(p.scalar("select count(*) from analytics.header_only"), "0");
}

#[test]
fn an_unclosed_quote_is_an_error_not_a_merged_row() {
    let p = TestProject::new("seed_quote");
    p.write("seeds/people.csv", "id,name\n1,\"Alice\n2,Bob\n3,Carol\n");
    let out = p.mozt(&["seed"]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("seeds/people.csv:2") && out.stderr.contains("never closed"),
        "names the file and the line of the open quote:\n{}",
        out.stderr
    );
    assert!(
        !p.db_path().exists() || p.relation_type("analytics", "people").is_none(),
        "nothing was loaded"
    );
    // Closed, a quoted field may hold a line break.
    p.write("seeds/people.csv", "id,name\n1,\"Alice\nSmith\"\n2,Bob\n");
    p.ok(&["seed"]);
    assert_eq!(p.scalar("select count(*) from analytics.people"), "2");
}
