//! Where Snowflake and DuckDB differ beyond functions, on a DuckDB target with
//! `dialect: snowflake`: unquoted names fold to upper case, integer division gives a fraction,
//! NULLs sort above every value, QUALIFY, string comparison; and the digests MD5 and SHA2,
//! UUID_STRING, and HASH refused (its values are Snowflake's own).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestProject, assert_snowflake_values, snowflake_dialect_yml};

#[test]
fn division_string_comparison_and_digests() {
    assert_snowflake_values(
        &[
            // Integer division gives the fraction (Snowflake prints 3.500000).
            ("7 / 2", "3.5"),
            ("1 / 8", "0.125"),
            ("-7 / 2", "-3.5"),
            // Strings compare byte by byte: upper case before lower case.
            ("'B' < 'a'", "true"),
            ("'abc' = 'ABC'", "false"),
            ("md5('Snowflake')", "edf1439075a83a447fb8b630ddc9c8de"),
            ("md5_hex('Snowflake')", "edf1439075a83a447fb8b630ddc9c8de"),
            (
                "sha2('Snowflake', 256)",
                "1dbd59f661d68b90724f21084396b865497173e4d2714f4d91cf05fa5fc5e18d",
            ),
            ("sha1('Snowflake')", "fda76b0bcc1e87cf259b1d1e3271d76f590fb5dd"),
            ("length(uuid_string())", "36"),
            (
                "regexp_like(uuid_string(), '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}')",
                "true",
            ),
        ],
        "",
    );
}

#[test]
fn nulls_sort_last_ascending_and_first_descending_and_qualify_filters_windows() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("rules"));
    p.write(
        "models/src.sql",
        "{{ config(materialized='table') }}\n\
         select 1 as id, 'a' as grp, 10 as score union all select 2, 'a', null\n\
         union all select 3, 'b', 5 union all select 4, 'b', 7\n",
    )
    .write(
        "models/ordered.sql",
        "{{ config(materialized='table') }}\n\
         select id, row_number() over (order by score desc) as rank_desc,\n  \
         row_number() over (order by score) as rank_asc,\n  \
         listagg(id, ',') within group (order by score desc) over () as ids_desc\n\
         from {{ ref('src') }}\n",
    )
    .write(
        "models/best.sql",
        "{{ config(materialized='table') }}\n\
         select grp, id from {{ ref('src') }}\n\
         qualify row_number() over (partition by grp order by score desc) = 1\n",
    )
    .write(
        "models/Mixed_Case.sql",
        "{{ config(materialized='table') }}\nselect id, id * 2 as Doubled, id as \"quoted_kept\" from {{ ref('src') }}\n",
    );
    p.ok(&["run"]);
    // NULL is above every value: first when descending, last when ascending.
    assert_eq!(
        p.query("select id, rank_desc, rank_asc from analytics.ordered order by id"),
        vec![
            vec!["1", "2", "3"],
            vec!["2", "1", "4"],
            vec!["3", "4", "1"],
            vec!["4", "3", "2"]
        ]
    );
    assert_eq!(p.scalar("select distinct ids_desc from analytics.ordered"), "2,1,4,3");
    // The NULL score of group a is above 10, so row 2 is the first when descending.
    assert_eq!(
        p.query("select grp, id from analytics.best order by grp"),
        vec![vec!["a", "2"], vec!["b", "4"]]
    );
    assert_eq!(
        p.query("select column_name from information_schema.columns where table_name = 'Mixed_Case' order by ordinal_position"),
        vec![vec!["ID"], vec!["DOUBLED"], vec!["quoted_kept"]]
    );
}

#[test]
fn a_star_over_a_cte_or_subquery_gives_its_names_folded_to_upper_case() {
    // Snowflake folds every unquoted name, inside CTEs and subqueries too: `select *` over
    // them gives upper-case columns (here ID, TOTAL, NOTE, DOUBLED), a quoted alias keeps its case.
    let p = TestProject::with_yml(&snowflake_dialect_yml("rules"));
    p.write(
        "models/starred.sql",
        "{{ config(materialized='table') }}\n\
         with totals as (select 1 as id, 2 as total, 'x' as \"note\")\n\
         select * from totals, (select total * 2 as doubled from totals) as d\n",
    );
    p.ok(&["run"]);
    assert_eq!(
        p.query(
            "select column_name from information_schema.columns where table_name = 'starred' order by ordinal_position"
        ),
        vec![vec!["ID"], vec!["TOTAL"], vec!["note"], vec!["DOUBLED"]]
    );
}

#[test]
fn hash_is_refused_naming_md5_and_sha2() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("rules"));
    p.write("models/m.sql", "select hash('a') as h\n");
    let out = p.mozt(&["run"]);
    out.assert_code(2);
    assert!(out.stderr.contains("HASH"), "{}", out.stderr);
    assert!(out.stderr.contains("MD5(...) or SHA2(...)"), "{}", out.stderr);
}

/// Snowflake stops a query that divides by zero ("Division by zero"), where DuckDB gives NULL:
/// under the dialect the division fails too; a NULL divisor still gives NULL, and DIV0 gives 0.
#[test]
fn division_by_zero_fails_as_on_snowflake() {
    assert_snowflake_values(
        &[("x / y", "2"), ("x / nullif(z, 0)", "NULL"), ("div0(x, z)", "0")],
        "from (select 6 as x, 3 as y, 0 as z)",
    );
    let p = TestProject::with_yml(&snowflake_dialect_yml("rules"));
    p.write(
        "models/m.sql",
        "{{ config(materialized='table') }}\nselect x / y as q from (select 6 as x, 0 as y)\n",
    );
    let out = p.mozt(&["run"]);
    out.assert_code(1);
    assert!(out.stdout.contains("Division by zero"), "{}", out.stdout);
}
