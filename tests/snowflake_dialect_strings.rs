//! Strings on a DuckDB target with `dialect: snowflake`: literals with backslash escapes,
//! SPLIT, SPLIT_PART, REGEXP_LIKE / RLIKE, REGEXP_SUBSTR, REGEXP_REPLACE, REGEXP_COUNT,
//! REGEXP_INSTR, ILIKE, CONTAINS, STARTSWITH, ENDSWITH, with the inputs and outputs of
//! Snowflake's documentation.
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
fn regexp_instr_gives_the_position_of_a_match() {
    // Snowflake's documented examples on 'nevermore1, nevermore2, nevermore3.'.
    let s = "'nevermore1, nevermore2, nevermore3.'";
    let cases: Vec<(String, &str)> = vec![
        (format!("regexp_instr({s}, 'nevermore\\\\d')"), "1"),
        // From position 5, the first match is the second one.
        (format!("regexp_instr({s}, 'nevermore\\\\d', 5)"), "13"),
        (format!("regexp_instr({s}, 'nevermore\\\\d', 1, 3)"), "25"),
        (format!("regexp_instr({s}, 'nevermore\\\\d', 1, 4)"), "0"),
        // Option 1: the position after the match.
        (format!("regexp_instr({s}, 'nevermore\\\\d', 1, 3, 1)"), "35"),
        (format!("regexp_instr({s}, 'nevermore\\\\d', 13, 1, 1)"), "23"),
        (
            "regexp_instr('nevermore1, NeverMore2', 'nevermore\\\\d', 1, 2, 0, 'i')".into(),
            "13",
        ),
        (
            "regexp_instr('nevermore1, NeverMore2', 'nevermore\\\\d', 1, 2)".into(),
            "0",
        ),
        ("regexp_instr('abc', 'z')".into(), "0"),
        ("regexp_instr(null, 'a')".into(), "NULL"),
    ];
    let cases: Vec<(&str, &str)> = cases.iter().map(|(e, v)| (e.as_str(), *v)).collect();
    assert_snowflake_values(&cases, "");
}

#[test]
fn regexp_instr_with_a_group_or_another_option_is_refused() {
    let p = TestProject::with_yml(&snowflake_dialect_yml("s"));
    p.write(
        "models/m.sql",
        "select\n  regexp_instr('abc', '(b)', 1, 1, 0, 'e') as i\n",
    );
    let out = p.mozt(&["compile"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("REGEXP_INSTR with the parameter 'e'"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("models/m.sql:2:3"), "{}", out.stderr);
    p.write("models/m.sql", "select regexp_instr('abc', 'b', 1, 1, 2) as i\n");
    let out = p.mozt(&["compile"]);
    out.assert_code(2);
    assert!(out.stderr.contains("option other than 0 or 1"), "{}", out.stderr);
}
