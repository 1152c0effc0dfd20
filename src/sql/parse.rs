//! Parse compiled SQL with the target's dialect, and decide what a parse failure means.
//!
//! sqlparser does not know every form DuckDB and Snowflake accept, so a failure is only a
//! syntax error when it is surely one: the target's dialect and several others all reject the
//! SQL, and it uses none of the forms sqlparser is known not to read. Anything else passes
//! through unanalysed (logged at debug level) and the warehouse has the last word.

use sqlparser::ast::Statement;
use sqlparser::dialect::{
    BigQueryDialect, Dialect, DuckDbDialect, GenericDialect, PostgreSqlDialect, SnowflakeDialect,
};
use sqlparser::parser::{Parser, ParserError, ParserOptions};

#[derive(Debug)]
pub enum Outcome {
    Parsed(Vec<Statement>),
    /// A real syntax error.
    Syntax(SyntaxError),
    /// sqlparser could not read it but it may well be valid: not analysed. The reason is for
    /// debug logs.
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    /// 1-based line and column (in characters) in the compiled SQL.
    pub line: usize,
    pub column: usize,
    /// Byte offset of that position in the compiled SQL.
    pub offset: usize,
}

/// Words and operators of forms sqlparser 0.64 rejects although DuckDB or Snowflake accept them.
const UNSUPPORTED_WORDS: &[&str] = &[
    "summarize",
    "pivot",
    "unpivot",
    "pivot_wider",
    "pivot_longer",
    "asof",
    "sample",
    "tablesample",
    "positional",
    "match_recognize",
    "describe",
    "show",
    "pragma",
    "install",
    "load",
    "attach",
    "macro",
    "lambda",
    "changes",
    "connect",
    "semantic_view",
];
const UNSUPPORTED_OPERATORS: &[&str] = &["**", "^@", "->>", ":=", "$$", "#>"];

fn options() -> ParserOptions {
    ParserOptions::new().with_unescape(false).with_trailing_commas(false)
}

/// Parse with the fast tokenizer's tokens when it handles `sql`, else with sqlparser's own
/// tokenizer (the same tokens, slower; its errors are the parse errors). For DuckDB and
/// Snowflake, the fast parser reads the tokens first (`fast_parse`), and sqlparser reads what
/// it declines.
pub fn try_parse(dialect: &dyn Dialect, sql: &str) -> Result<Vec<Statement>, ParserError> {
    let parser = Parser::new(dialect).with_options(options());
    let mut parser = match super::tokens::tokenize_for_parser(dialect, sql) {
        Some(tokens) => {
            if (dialect.is::<DuckDbDialect>() || dialect.is::<SnowflakeDialect>())
                && let Some(statements) = super::fast_parse::parse(&tokens)
            {
                return Ok(statements);
            }
            parser.with_tokens_with_locations(tokens)
        }
        None => parser.try_with_sql(sql)?,
    };
    parser.parse_statements()
}

/// Parse with sqlparser's own tokenizer only: what `try_parse` must always agree with.
pub fn try_parse_slow(dialect: &dyn Dialect, sql: &str) -> Result<Vec<Statement>, ParserError> {
    Parser::new(dialect)
        .with_options(options())
        .try_with_sql(sql)?
        .parse_statements()
}

/// Parse `sql` for a target whose dialect is `dialect`.
pub fn parse(sql: &str, dialect: &dyn Dialect) -> Outcome {
    let first = match try_parse(dialect, sql) {
        Ok(statements) => return Outcome::Parsed(statements),
        Err(e) => e,
    };
    if let ParserError::RecursionLimitExceeded = first {
        return Outcome::Skipped("nested too deeply for the parser".into());
    }
    if let Some(form) = unsupported_form(sql) {
        return Outcome::Skipped(format!("uses `{form}`, which the SQL parser does not read"));
    }
    let others: [&dyn Dialect; 5] = [
        &GenericDialect {},
        &DuckDbDialect {},
        &SnowflakeDialect {},
        &PostgreSqlDialect {},
        &BigQueryDialect {},
    ];
    for other in others {
        if try_parse(other, sql).is_ok() {
            return Outcome::Skipped(format!(
                "the {:?} dialect rejects it ({first}) but another accepts it",
                dialect_name(dialect)
            ));
        }
    }
    let (message, line, column) = split_position(&first);
    let offset = byte_offset(sql, line, column);
    Outcome::Syntax(SyntaxError {
        message,
        line,
        column,
        offset,
    })
}

fn dialect_name(d: &dyn Dialect) -> &'static str {
    if d.is::<SnowflakeDialect>() {
        "snowflake"
    } else if d.is::<DuckDbDialect>() {
        "duckdb"
    } else {
        "generic"
    }
}

/// The first known-unsupported word or operator in `sql` (outside strings and comments).
pub fn unsupported_form(sql: &str) -> Option<&'static str> {
    let code = strip_strings_and_comments(sql);
    for op in UNSUPPORTED_OPERATORS {
        if code.contains(op) {
            return Some(op);
        }
    }
    let lower = code.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    // DuckDB list comprehensions: `[x * 2 for x in list]`.
    if code.contains('[') && words.contains(&"for") {
        return Some("[... for ... in ...]");
    }
    UNSUPPORTED_WORDS.iter().copied().find(|w| words.contains(w))
}

/// `sql` with string literals, quoted identifiers and comments blanked out.
fn strip_strings_and_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(' ');
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            continue;
                        }
                        break;
                    }
                    if d == '\\' && c == '\'' {
                        chars.next();
                    }
                }
                out.push(' ');
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// sqlparser's message without its " at Line: L, Column: C" suffix, and that position.
fn split_position(e: &ParserError) -> (String, usize, usize) {
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.clone(),
        ParserError::RecursionLimitExceeded => "nested too deeply".to_string(),
    };
    if let Some(idx) = text.rfind(" at Line: ") {
        let tail = &text[idx + " at Line: ".len()..];
        let mut nums = tail.split(", Column: ");
        let line = nums.next().and_then(|n| n.trim().parse().ok());
        let col = nums
            .next()
            .and_then(|n| n.trim().trim_end_matches(|c: char| !c.is_ascii_digit()).parse().ok());
        if let (Some(line), Some(col)) = (line, col) {
            return (tidy(&text[..idx]), line, col);
        }
    }
    (tidy(&text), 0, 0)
}

/// sqlparser says `Expected: an expression, found: FROM`; keep that, in our own words where
/// it helps.
fn tidy(message: &str) -> String {
    let m = message.trim();
    match m.strip_prefix("Expected: ") {
        Some(rest) => format!("expected {}", rest.replacen(", found: ", ", found ", 1)),
        None => m.to_string(),
    }
}

/// The byte offset of a 1-based line and character column.
pub fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    if line == 0 {
        return 0;
    }
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map(|(b, _)| b)
                    .unwrap_or(l.len());
        }
        offset += l.len();
    }
    text.len()
}

/// The 1-based line and character column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before.get(line_start..).map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_sql_parses() {
        let sql = "select a:b::string as x, iff(c, 1, 2) from t qualify row_number() over (order by d) = 1";
        assert!(matches!(parse(sql, &SnowflakeDialect {}), Outcome::Parsed(_)));
    }

    #[test]
    fn duckdb_forms_pass_through() {
        for sql in [
            "summarize select 1",
            "pivot t on k using sum(v)",
            "select * from a asof join b on a.t >= b.t",
            "select * from t using sample 10%",
            "select 2 ** 3",
            "select 'abc' ^@ 'a'",
        ] {
            assert!(matches!(parse(sql, &DuckDbDialect {}), Outcome::Skipped(_)), "{sql}");
        }
    }

    #[test]
    fn real_errors_are_located() {
        let sql = "select a,\n  b c d\nfrom t";
        match parse(sql, &DuckDbDialect {}) {
            Outcome::Syntax(e) => {
                assert_eq!((e.line, e.column), (2, 7));
                assert_eq!(&sql[e.offset..e.offset + 1], "d");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strings_do_not_count_as_forms() {
        assert_eq!(unsupported_form("select 'pivot' from t -- sample"), None);
        assert_eq!(unsupported_form("select 1 from t using sample 5"), Some("sample"));
    }

    #[test]
    fn offsets_round_trip() {
        let text = "ab\ncdé\nf";
        let off = byte_offset(text, 2, 3);
        assert_eq!(&text[off..], "é\nf");
        assert_eq!(line_col(text, off), (2, 3));
    }
}
