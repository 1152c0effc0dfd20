//! Conversion on a DuckDB target with `dialect: snowflake`: `::` and CAST to Snowflake's
//! types (NUMBER(p,s), VARCHAR/TEXT/STRING, TIMESTAMP_NTZ, VARIANT/OBJECT/ARRAY), TRY_CAST,
//! TO_/TRY_TO_NUMBER/DECIMAL/DOUBLE/BOOLEAN/DATE/TIMESTAMP, with the inputs and outputs of
//! Snowflake's documentation.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::assert_snowflake_values;

#[test]
fn try_to_number_and_try_cast_give_null_where_snowflake_does() {
    assert_snowflake_values(
        &[
            ("try_to_decimal('12', 38, 0)", "12"),
            ("try_to_decimal('11.3', 38, 0)", "11"),
            ("try_to_decimal('abc', 38, 0)", "NULL"),
            ("try_to_decimal('12', 38, 2)", "12.00"),
            ("try_to_decimal('11.3', 38, 2)", "11.30"),
            ("try_to_number('abc')", "NULL"),
            ("try_to_numeric('7')", "7"),
            ("try_cast('0' as integer)", "0"),
            ("try_cast('-12' as integer)", "-12"),
            ("try_cast('1001' as integer)", "1001"),
            ("try_cast('0.12' as float)", "0.12"),
            ("try_cast('USD 27.90' as float)", "NULL"),
            ("try_cast('13.97 USD' as float)", "NULL"),
            ("try_cast('17,-' as float)", "NULL"),
            ("try_to_double('2.5')", "2.5"),
            ("try_to_double('x')", "NULL"),
            ("try_to_date('2024-02-30')", "NULL"),
            ("try_to_timestamp('2024-02-29 10:00:00')", "2024-02-29 10:00:00"),
        ],
        "",
    );
}

#[test]
fn to_number_rounds_to_its_scale_and_to_boolean_reads_snowflakes_words() {
    assert_snowflake_values(
        &[
            ("to_number('12.5')", "13"),
            ("to_number('12.3456', 10, 1)", "12.3"),
            ("to_decimal('-0.5', 5, 0)", "-1"),
            ("to_boolean('yes')", "true"),
            ("to_boolean('Off')", "false"),
            ("to_boolean('t')", "true"),
            ("to_boolean(0)", "false"),
            ("try_to_boolean('maybe')", "NULL"),
            ("to_double('1.5e3')", "1500.0"),
        ],
        "",
    );
}

#[test]
fn casts_to_snowflake_types() {
    assert_snowflake_values(
        &[
            ("'12.345'::number(10, 2)", "12.35"),
            ("cast('42' as number)", "42"),
            ("3.7::int", "4"),
            ("123::varchar(2)", "123"),
            ("12::text || 'x'", "12x"),
            ("cast(1.5 as string)", "1.5"),
            ("'2024-01-02 03:04:05'::timestamp_ntz", "2024-01-02 03:04:05"),
            ("'2024-01-02 03:04:05'::datetime", "2024-01-02 03:04:05"),
            ("'2024-01-02'::date", "2024-01-02"),
            ("true::boolean", "true"),
            ("1.5::float", "1.5"),
            // Into VARIANT a value becomes JSON; out of it, a string loses its quotes.
            ("'abc'::variant", "\"abc\""),
            ("5::variant", "5"),
            ("'abc'::variant::string", "abc"),
            ("parse_json('{\"a\": 1}')::object", "{\"a\":1}"),
            ("parse_json('[1, 2]')::array", "[1,2]"),
            ("to_variant(3)", "3"),
            ("parse_json('\"2024-01-02\"')::date", "2024-01-02"),
            ("parse_json('12')::number + 1", "13"),
        ],
        "",
    );
}
