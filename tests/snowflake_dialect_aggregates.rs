//! Aggregates and query clauses on a DuckDB target with `dialect: snowflake`: ARRAY_AGG and
//! LISTAGG with WITHIN GROUP, ANY_VALUE, COUNT_IF, APPROX_COUNT_DISTINCT, OBJECT_AGG,
//! BOOLAND_AGG / BOOLOR_AGG, QUALIFY, with the inputs and outputs of Snowflake's documentation.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::assert_snowflake_values;

const ROWS: &str = "from (select 1 as k, 'b' as s, 3 as n union all select 1, 'a', 1 union all select 1, null, 2 \
                    union all select 1, 'c', null) as t";

#[test]
fn array_agg_and_listagg_order_within_group_and_leave_nulls_out() {
    assert_snowflake_values(
        &[
            ("array_agg(s) within group (order by s)", r#"["a","b","c"]"#),
            ("array_agg(n) within group (order by n desc)", "[3,2,1]"),
            ("array_agg(distinct k)", "[1]"),
            ("listagg(s, ', ') within group (order by s)", "a, b, c"),
            ("listagg(s) within group (order by s desc)", "cba"),
            ("listagg(distinct k, '|')", "1"),
            ("count_if(n > 1)", "2"),
            ("any_value(k)", "1"),
            ("approx_count_distinct(s)", "3"),
            ("object_agg(s, n):b::int", "3"),
            ("array_size(object_keys(object_agg(s, n)))", "2"),
            ("booland_agg(k = 1)", "true"),
            ("boolor_agg(n > 2)", "true"),
        ],
        ROWS,
    );
}

#[test]
fn array_agg_of_no_values_is_an_empty_array() {
    assert_snowflake_values(
        &[("array_agg(s)", "[]"), ("listagg(s, ',')", "")],
        "from (select cast(null as varchar) as s) as t",
    );
}
