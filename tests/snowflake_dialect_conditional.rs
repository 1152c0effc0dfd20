//! Conditional and NULL functions on a DuckDB target with `dialect: snowflake`: IFF, NVL,
//! NVL2, IFNULL, ZEROIFNULL, NULLIFZERO, DIV0, DIV0NULL, DECODE, EQUAL_NULL, with the inputs
//! and outputs of Snowflake's documentation (docs.snowflake.com/sql-reference/functions/...).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::assert_snowflake_values;

#[test]
fn iff_nvl_nvl2_and_ifnull() {
    assert_snowflake_values(
        &[
            // IFF: a NULL condition takes the false branch.
            ("iff(true, 'true', 'false')", "true"),
            ("iff(false, 'true', 'false')", "false"),
            ("iff(null, 'true', 'false')", "false"),
            ("iff(2 > 1, 10, 20)", "10"),
            ("nvl(null, 'substitute')", "substitute"),
            ("nvl('value', 'substitute')", "value"),
            ("ifnull(null, 3)", "3"),
            // NVL2(a, b, c): b when a is not NULL, else c.
            ("nvl2(0, 5, 3)", "5"),
            ("nvl2(null, 5, 3)", "3"),
            ("nvl2(0, null, 3)", "NULL"),
            ("nvl2(null, 5, null)", "NULL"),
        ],
        "",
    );
}

#[test]
fn zeroifnull_nullifzero_div0() {
    assert_snowflake_values(
        &[
            ("zeroifnull(1)", "1"),
            ("zeroifnull(null)", "0"),
            ("zeroifnull(5)", "5"),
            ("zeroifnull(0)", "0"),
            ("zeroifnull(3.14159)", "3.14159"),
            ("nullifzero(0)", "NULL"),
            ("nullifzero(1)", "1"),
            ("nullifzero(-3.5)", "-3.5"),
            ("div0(1, 0)", "0"),
            ("div0(6, 3)", "2.0"),
            ("div0null(1, null)", "0"),
            ("div0null(1, 0)", "0"),
            ("div0null(10, 4)", "2.5"),
        ],
        "",
    );
}

#[test]
fn decode_matches_null_to_null() {
    assert_snowflake_values(
        &[
            ("decode(1, 1, 'one', 2, 'two', null, '-NULL-', 'other')", "one"),
            ("decode(2, 1, 'one', 2, 'two', null, '-NULL-', 'other')", "two"),
            ("decode(null, 1, 'one', 2, 'two', null, '-NULL-', 'other')", "-NULL-"),
            ("decode(4, 1, 'one', 2, 'two', null, '-NULL-', 'other')", "other"),
            // No default: no match gives NULL.
            ("decode(4, 1, 'one', 2, 'two', null, '-NULL-')", "NULL"),
        ],
        "",
    );
}

#[test]
fn equal_null_treats_nulls_as_equal() {
    assert_snowflake_values(
        &[
            ("equal_null(1, 1)", "true"),
            ("equal_null(1, 2)", "false"),
            ("equal_null(1, null)", "false"),
            ("equal_null(null, null)", "true"),
        ],
        "",
    );
}
