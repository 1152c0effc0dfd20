//! Semi-structured data on a DuckDB target with `dialect: snowflake` (VARIANT, OBJECT and
//! ARRAY held as DuckDB JSON): PARSE_JSON, `col:path.sub[0]::type`, GET_PATH, GET,
//! OBJECT_CONSTRUCT, ARRAY_CONSTRUCT, ARRAY_SIZE, ARRAY_CONTAINS, TYPEOF and LATERAL FLATTEN with
//! VALUE, INDEX, KEY and PATH, with the inputs and outputs of Snowflake's documentation.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestProject, assert_snowflake_values, snowflake_dialect_yml};

const DOC: &str = r#"parse_json('{"name": "Ann", "address": {"city": "Oslo", "zip": "0150"}, "tags": ["a", "b", "c"], "n": 7, "price": 1.5, "ok": true, "nothing": null}')"#;

#[test]
fn paths_casts_and_get_path() {
    let from = format!("from (select {DOC} as v) as src");
    assert_snowflake_values(
        &[
            ("v:name::string", "Ann"),
            ("v:address.city::string", "Oslo"),
            ("v:address:zip::varchar", "0150"),
            ("v:tags[1]::string", "b"),
            ("v['address']['city']::string", "Oslo"),
            ("v:n::number + 1", "8"),
            ("v:price::float * 2", "3.0"),
            ("v:ok::boolean", "true"),
            ("v:missing::string", "NULL"),
            ("v:name", "\"Ann\""),
            ("v:tags", "[\"a\",\"b\",\"c\"]"),
            ("get_path(v, 'address.city')::string", "Oslo"),
            ("get_path(v, 'tags[2]')::string", "c"),
            ("get(v, 'n')::int", "7"),
            ("get(v:tags, 0)::string", "a"),
        ],
        &from,
    );
}

#[test]
fn constructors_sizes_and_typeof() {
    assert_snowflake_values(
        &[
            ("parse_json('{\"a\": [1, 2]}')", "{\"a\":[1,2]}"),
            ("try_parse_json('{not json')", "NULL"),
            // A NULL value leaves its key out; OBJECT_CONSTRUCT_KEEP_NULL keeps it.
            (
                "object_construct('a', 1, 'b', 'BBBB', 'c', null)",
                "{\"a\":1,\"b\":\"BBBB\"}",
            ),
            ("object_construct_keep_null('a', 1, 'c', null)", "{\"a\":1,\"c\":null}"),
            ("object_construct()", "{}"),
            ("array_construct(10, 20, 30)", "[10,20,30]"),
            ("array_construct()", "[]"),
            ("array_size(array_construct(1, 2, 3))", "3"),
            ("array_size(parse_json('[]'))", "0"),
            ("array_size(parse_json('{\"a\": 1}'))", "NULL"),
            (
                "array_contains('hello'::variant, array_construct('hello', 'hi'))",
                "true",
            ),
            (
                "array_contains('hola'::variant, array_construct('hello', 'hi'))",
                "false",
            ),
            ("array_contains(2, array_construct(1, 2, 3))", "true"),
            ("typeof(parse_json('1'))", "INTEGER"),
            ("typeof(parse_json('1.5'))", "DECIMAL"),
            ("typeof(parse_json('\"x\"'))", "VARCHAR"),
            ("typeof(parse_json('true'))", "BOOLEAN"),
            ("typeof(parse_json('[1]'))", "ARRAY"),
            ("typeof(parse_json('{}'))", "OBJECT"),
            ("typeof(parse_json('null'))", "NULL_VALUE"),
        ],
        "",
    );
}

#[test]
fn lateral_flatten_gives_value_index_key_and_path() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("flat"));
    p.write(
        "models/src.sql",
        "{{ config(materialized='table') }}\n\
         select 1 as id, parse_json('{\"a\": [1, 2], \"b\": {\"x\": \"y\"}}') as doc\n\
         union all select 2, parse_json('{\"a\": [], \"b\": {}}')\n",
    )
    .write(
        "models/elements.sql",
        "{{ config(materialized='table') }}\n\
         select s.id, f.index as idx, f.value::int as v, f.path as p\n\
         from {{ ref('src') }} s, lateral flatten(input => s.doc:a) f\n",
    )
    .write(
        "models/keys.sql",
        "{{ config(materialized='table') }}\n\
         select s.id, f.key as k, f.value::string as v, f.path as p, f.index as idx\n\
         from {{ ref('src') }} s, lateral flatten(input => s.doc, path => 'b') f\n",
    )
    .write(
        "models/outer_rows.sql",
        "{{ config(materialized='table') }}\n\
         select s.id, f.value as v\n\
         from {{ ref('src') }} s, lateral flatten(input => s.doc:a, outer => true) f\n",
    )
    .write(
        "models/table_form.sql",
        "{{ config(materialized='table') }}\n\
         select value::int as v from table(flatten(input => parse_json('[3, 4]')))\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query("select id, idx, v, p from analytics.elements order by id, idx"),
        vec![vec!["1", "0", "1", "[0]"], vec!["1", "1", "2", "[1]"]]
    );
    assert_eq!(
        p.query("select id, k, v, p, coalesce(cast(idx as varchar), 'NULL') from analytics.keys order by id"),
        vec![vec!["1", "x", "y", "b.x", "NULL"]]
    );
    // OUTER => TRUE: one row with NULLs for an input with nothing to expand.
    assert_eq!(
        p.query("select id, coalesce(cast(v as varchar), 'NULL') from analytics.outer_rows order by id, v"),
        vec![vec!["1", "1"], vec!["1", "2"], vec!["2", "NULL"]]
    );
    assert_eq!(
        p.query("select v from analytics.table_form order by v"),
        vec![vec!["3"], vec!["4"]]
    );
}

#[test]
fn flatten_recursive_is_refused_with_the_alternative() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("flat"));
    p.write(
        "models/deep.sql",
        "select f.value\nfrom lateral flatten(input => parse_json('[[1]]'), recursive => true) f\n",
    );
    let out = p.mozt(&["compile"]);
    out.assert_code(2);
    assert!(out.stderr.contains("FLATTEN with recursive => true"), "{}", out.stderr);
    assert!(out.stderr.contains("models/deep.sql:2"), "{}", out.stderr);
    assert!(out.stderr.contains("nest FLATTENs"), "{}", out.stderr);
}
