//! Strings on a DuckDB target with `dialect: snowflake`: literals with backslash escapes,
//! SPLIT, SPLIT_PART, REGEXP_LIKE / RLIKE, REGEXP_SUBSTR, REGEXP_REPLACE, REGEXP_COUNT, ILIKE,
//! CONTAINS, STARTSWITH, ENDSWITH, with the inputs and outputs of Snowflake's documentation.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestProject, assert_snowflake_values, snowflake_dialect_yml};

#[test]
fn split_and_split_part() {
    assert_snowflake_values(
        &[
            ("split('127.0.0.1', '.')", r#"["127","0","0","1"]"#),
            ("split('a,,b', ',')", r#"["a","","b"]"#),
            ("array_size(split('a b c', ' '))", "3"),
            ("split('a,b', ',')[1]::string", "b"),
            ("split_part('11.22.33', '.', 1)", "11"),
            ("split_part('11.22.33', '.', 2)", "22"),
            ("split_part('11.22.33', '.', 3)", "33"),
            ("split_part('11.22.33', '.', -1)", "33"),
            ("split_part('127.0.0.1', '.', 1)", "127"),
            ("split_part('127.0.0.1', '.', -1)", "1"),
            // A leading delimiter gives an empty first part.
            ("split_part('|a|b|c|', '|', 1)", ""),
            ("split_part('|a|b|c|', '|', 2)", "a"),
            ("split_part('aaa--bbb-BBB--ccc', '--', 2)", "bbb-BBB"),
            // Part 0 is part 1; out of range is an empty string.
            ("split_part('11.22.33', '.', 0)", "11"),
            ("split_part('11.22.33', '.', 9)", ""),
        ],
        "",
    );
}

#[test]
fn regular_expressions_match_the_whole_string_and_replace_every_match() {
    assert_snowflake_values(
        &[
            (
                r"regexp_substr('It was the best of times, it was the worst of times', 'the\\W+\\w+')",
                "the best",
            ),
            (
                r"regexp_substr('It was the best of times', 'the\\W+(\\w+)', 1, 1, 'e', 1)",
                "best",
            ),
            (
                r"regexp_substr('It was the best of times', 'the\\W+(\\w+)', 1, 1, 'e')",
                "best",
            ),
            ("regexp_substr('abc', 'z+')", "NULL"),
            (
                "regexp_replace('It was the best of times, it was the worst of times', '( ){1,}', '')",
                "Itwasthebestoftimes,itwastheworstoftimes",
            ),
            (
                "regexp_replace('firstname middlename lastname', '(.*) (.*) (.*)', '\\\\3, \\\\1 \\\\2')",
                "lastname, firstname middlename",
            ),
            ("regexp_replace('abc', 'b')", "ac"),
            (
                "regexp_count('It was the best of times, it was the worst of times', '\\\\bwas\\\\b')",
                "2",
            ),
            // RLIKE / REGEXP_LIKE match the whole string.
            ("regexp_like('San Francisco', 'San.*')", "true"),
            ("regexp_like('San Francisco', 'San')", "false"),
            ("regexp_like('SAN FRANCISCO', 'san.*', 'i')", "true"),
            ("'San Jose' rlike 'San.*'", "true"),
            ("rlike('Santa Clara', 'San')", "false"),
            ("'Ann' ilike 'a%'", "true"),
            ("contains('Snowflake', 'flake')", "true"),
            ("startswith('Snowflake', 'Snow')", "true"),
            ("endswith('Snowflake', 'Snow')", "false"),
        ],
        "",
    );
}

#[test]
fn backslash_escapes_in_literals_are_read_as_snowflake_reads_them() {
    assert_snowflake_values(
        &[
            (r"length('a\tb')", "3"),
            (r"'it\'s'", "it's"),
            (r"'back\\slash'", r"back\slash"),
            (r"length('\x41\u00e9')", "2"),
            (r"'\x41'", "A"),
        ],
        "",
    );
}

#[test]
fn regexp_instr_is_refused_naming_the_alternative() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("s"));
    p.write("models/m.sql", "select\n  regexp_instr('abc', 'b') as i\n");
    let out = p.mozt(&["compile"]);
    out.assert_code(2);
    assert!(out.stderr.contains("REGEXP_INSTR"), "{}", out.stderr);
    assert!(out.stderr.contains("models/m.sql:2:3"), "{}", out.stderr);
}
