//! Parse compiled SQL with the target's dialect, and decide what a parse failure means.
//!
//! sqlparser does not know every form DuckDB and Snowflake accept, so a failure is only a
//! syntax error when it is surely one: the target's dialect and several others all reject the
//! SQL, and it uses none of the forms sqlparser is known not to read. Anything else passes
//! through unanalysed (logged at debug level) and the warehouse has the last word.

use super::dialect::Fast;
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

/// How deeply sqlparser may nest its calls (its default is 50, which a CASE nested 48 deep
/// already exceeds). A level of parentheses, CASE or a function call costs it one, a subquery
/// two, a ladder of operators of rising precedence one per operator. sqlparser grows its stack
/// on the heap as it nests (its `recursive-protection` feature), so a deep parse costs memory,
/// not a crash.
const RECURSION_LIMIT: usize = 2000;

/// What one level of nesting (`nesting`) may cost sqlparser at most: SQL nested
/// `RECURSION_LIMIT / LEVEL_COST` levels deep (125) or more is not parsed.
const LEVEL_COST: usize = 16;

fn parser(dialect: &dyn Dialect) -> Parser<'_> {
    Parser::new(dialect)
        .with_options(options())
        .with_recursion_limit(RECURSION_LIMIT)
}

/// Parse with the fast tokenizer's tokens when it handles `sql`, else with sqlparser's own
/// tokenizer (the same tokens, slower; its errors are the parse errors). For DuckDB and
/// Snowflake, the fast parser reads the tokens first (`fast_parse`), and sqlparser reads what
/// it declines.
pub fn try_parse(dialect: &dyn Dialect, sql: &str) -> Result<Vec<Statement>, ParserError> {
    let _bound = super::dialect::WorkBudget::for_sql(sql);
    let parser = parser(dialect);
    let mut parser = match super::tokens::tokenize_for_parser(dialect, sql) {
        Some(tokens) => {
            if (dialect.is::<DuckDbDialect>() || dialect.is::<SnowflakeDialect>())
                && let Some(statements) = super::fast_parse::parse(&tokens)
            {
                return Ok(statements);
            }
            if too_nested(sql) {
                return Err(ParserError::RecursionLimitExceeded);
            }
            parser.with_tokens_with_locations(tokens)
        }
        None if too_nested(sql) => return Err(ParserError::RecursionLimitExceeded),
        None => parser.try_with_sql(sql)?,
    };
    parser.parse_statements()
}

/// Whether `sql` nests so deeply that sqlparser may meet its recursion limit: it then may
/// report the error of another reading than the one that failed (a CASE too deep read as a
/// column named `case`), and spend long trying readings. Such SQL is not given to it (the fast
/// parser, which reads most SQL, stops long before). Logged at debug level.
fn too_nested(sql: &str) -> bool {
    // Every level `nesting` counts has one of these bytes (`(`, `case`, `not`, `join`, `-`...): most
    // SQL has too few of them to need a closer look.
    let marks = sql
        .bytes()
        .filter(|b| {
            matches!(
                b,
                b'(' | b'[' | b'{' | b'e' | b'E' | b't' | b'T' | b'j' | b'J' | b'-' | b'+' | b'~' | b'!' | b'@'
            )
        })
        .count();
    if (marks + 1) * LEVEL_COST < RECURSION_LIMIT {
        return false;
    }
    let depth = nesting(sql);
    let deep = depth * LEVEL_COST >= RECURSION_LIMIT;
    if deep {
        tracing::debug!("SQL nested {depth} levels deep is not given to the parser");
    }
    deep
}

/// Parse with sqlparser's own tokenizer only: what `try_parse` must always agree with.
pub fn try_parse_slow(dialect: &dyn Dialect, sql: &str) -> Result<Vec<Statement>, ParserError> {
    parser(dialect).try_with_sql(sql)?.parse_statements()
}

/// How deep a syntax tree may be, as `tree_depth` estimates it, for the analysis to read it:
/// sqlparser reads a chain of operators (`a or b or c ...`, `union all`) in a loop, but the tree
/// it makes is as deep as the chain is long, and dropping it takes as many nested calls (a
/// debug build overflows a worker's 2 MiB stack somewhere past 20,000).
const MAX_TREE_DEPTH: usize = 10_000;

/// Parse `sql` for a target whose dialect is `dialect`.
pub fn parse(sql: &str, dialect: &dyn Dialect) -> Outcome {
    if let Some(reason) = too_deep(sql) {
        return Outcome::Skipped(reason);
    }
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
    // Wrapped in `Fast`, so that each reading is bounded in work like the first.
    let others: [&dyn Dialect; 5] = [
        &Fast(GenericDialect {}),
        &Fast(DuckDbDialect {}),
        &Fast(SnowflakeDialect {}),
        &Fast(PostgreSqlDialect {}),
        &Fast(BigQueryDialect {}),
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

/// How deeply `sql` nests, as sqlparser counts it (up to a factor `LEVEL_COST`): the deepest
/// parentheses, brackets, braces and CASE ... END (outside strings and comments), plus the
/// longest run of prefix operators (`not not - x`), the most JOINs waiting for their ON or
/// USING at once (`a join join join ...`: a stack overflow once, found by the SQL fuzzing
/// harness), and one.
pub fn nesting(sql: &str) -> usize {
    let code = strip_strings_and_comments(sql);
    let (mut depth, mut deepest, mut run, mut longest_run) = (0usize, 0usize, 0usize, 0usize);
    // JOINs waiting for their ON or USING: sqlparser reads each such JOIN followed by another
    // as a nested join, one call deeper (a level its recursion limit does not count).
    let (mut joins, mut most_joins) = (0usize, 0usize);
    let mut previous = String::new();
    let mut word = String::new();
    // Each character, and a space at the end to finish the last word.
    for c in code.chars().chain([' ']) {
        if c.is_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            if word.eq_ignore_ascii_case("case") {
                depth += 1;
            } else if word.eq_ignore_ascii_case("end") {
                depth = depth.saturating_sub(1);
            }
            // CROSS and NATURAL JOIN take no ON.
            let no_on = previous.eq_ignore_ascii_case("cross") || previous.eq_ignore_ascii_case("natural");
            if word.eq_ignore_ascii_case("join") && !no_on {
                joins += 1;
                most_joins = most_joins.max(joins);
            } else if word.eq_ignore_ascii_case("on") || word.eq_ignore_ascii_case("using") {
                joins = joins.saturating_sub(1);
            }
            if word.eq_ignore_ascii_case("not") {
                run += 1;
            } else {
                run = 0;
            }
            std::mem::swap(&mut previous, &mut word);
            word.clear();
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        match c {
            '-' | '+' | '~' | '!' | '@' => run += 1,
            c if c.is_whitespace() => {}
            _ => run = 0,
        }
        deepest = deepest.max(depth);
        longest_run = longest_run.max(run);
    }
    deepest + longest_run + most_joins * JOIN_LEVELS + 1
}

/// What a JOIN waiting for its ON counts in `nesting`: sqlparser's nested-join call is much
/// larger on the stack than a level its recursion limit counts (30 of them overflowed a 2 MiB
/// thread in a debug build), so 8 such JOINs at once are not given to the parser.
const JOIN_LEVELS: usize = 16;

/// Why `sql` is too deep to parse and analyse, if it is: its syntax tree would be deeper than
/// `MAX_TREE_DEPTH`. (SQL nested too deeply for sqlparser is caught in `try_parse`.)
fn too_deep(sql: &str) -> Option<String> {
    // A chain of N operators takes at least N bytes.
    if sql.len() <= MAX_TREE_DEPTH {
        return None;
    }
    let depth = tree_depth(sql);
    (depth > MAX_TREE_DEPTH)
        .then(|| format!("its syntax tree would be about {depth} levels deep (chains of operators or set operations)"))
}

/// Words that join two expressions or two queries: each makes the tree one level deeper.
const OPERATOR_WORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "is",
    "in",
    "like",
    "ilike",
    "rlike",
    "regexp",
    "glob",
    "similar",
    "between",
    "collate",
    "at",
    "escape",
    "union",
    "intersect",
    "except",
    "minus",
];

/// Words that start a part of a query whose expressions sqlparser keeps side by side (in a
/// list), not one inside the other.
const CLAUSE_WORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "group",
    "having",
    "qualify",
    "order",
    "limit",
    "join",
    "on",
    "when",
    "then",
    "else",
    "end",
    "window",
    "partition",
    "by",
];

/// An upper bound, up to small factors, of how deep the syntax tree of `sql` is: along every
/// path into its brackets, the brackets and CASEs open plus the operators met in each (a
/// comma or a clause starts a new expression; set operations never do).
pub fn tree_depth(sql: &str) -> usize {
    let code = strip_strings_and_comments(sql);
    // Per open bracket: operators in its current expression, and its set operations.
    let mut levels: Vec<(usize, usize)> = vec![(0, 0)];
    let mut total = 0usize; // sum over `levels`
    let mut deepest = 0usize;
    let mut word = String::new();
    for c in code.chars().chain([' ']) {
        if c.is_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            let w = word.to_ascii_lowercase();
            if let Some(level) = levels.last_mut() {
                if matches!(w.as_str(), "union" | "intersect" | "except" | "minus") {
                    level.1 += 1;
                    total += 1;
                } else if OPERATOR_WORDS.contains(&w.as_str()) {
                    level.0 += 1;
                    total += 1;
                } else if CLAUSE_WORDS.contains(&w.as_str()) {
                    total -= level.0;
                    level.0 = 0;
                }
            }
            if w == "case" {
                levels.push((0, 0));
                total += 1;
            } else if w == "end" && levels.len() > 1 {
                let (a, b) = levels.pop().unwrap_or_default();
                total -= a + b + 1;
            }
            word.clear();
        }
        match c {
            '(' | '[' | '{' => {
                levels.push((0, 0));
                total += 1;
            }
            ')' | ']' | '}' if levels.len() > 1 => {
                let (a, b) = levels.pop().unwrap_or_default();
                total -= a + b + 1;
            }
            ',' | ';' => {
                if let Some(level) = levels.last_mut() {
                    total -= level.0;
                    level.0 = 0;
                }
            }
            '+' | '-' | '*' | '/' | '%' | '|' | '&' | '^' | '=' | '<' | '>' | '!' | '~' | ':' | '@' | '#' | '?' => {
                if let Some(level) = levels.last_mut() {
                    level.0 += 1;
                    total += 1;
                }
            }
            _ => {}
        }
        deepest = deepest.max(total);
    }
    deepest
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
    fn a_case_nested_48_deep_parses() {
        let mut e = "1".to_string();
        for _ in 0..48 {
            e = format!("case when x = 1 then {e} else 0 end");
        }
        let sql = format!("select {e} as c from t");
        assert!(matches!(parse(&sql, &DuckDbDialect {}), Outcome::Parsed(_)));
    }

    /// Calls of a dotted name nested around an error fail at every level, and sqlparser reads
    /// each level twice: 24 levels took minutes (2^24 readings) and 50 never ended (found by
    /// the SQL fuzzing harness). Past the work budget the check is silent; an error nested a
    /// few levels deep is still reported where it is.
    #[test]
    fn failures_nested_in_calls_stop_at_the_work_budget() {
        let nested = |n: usize| {
            let mut e = "r0.a = = 1".to_string();
            for _ in 0..n {
                e = format!("udf.f({e})");
            }
            format!("select {e} as c from t1 r0")
        };
        let dialect = Fast(DuckDbDialect {});
        for sql in [
            nested(24),
            nested(60),
            format!("select {}r0.a = 1 from t1 r0", "r0.anot (".repeat(56)),
        ] {
            assert!(matches!(parse(&sql, &dialect), Outcome::Skipped(_)), "{sql}");
        }
        match parse(&nested(6), &dialect) {
            Outcome::Syntax(e) => assert_eq!((e.line, e.column), (1, 51)),
            other => panic!("{other:?}"),
        }
    }

    /// JOINs waiting for their ON nest sqlparser's calls (a run of 300 `join` words inside a
    /// CTE overflowed the stack: found by the SQL fuzzing harness); CROSS JOINs do not.
    #[test]
    fn joins_waiting_for_their_on_are_bounded() {
        let nested = |n: usize| {
            format!(
                "with c as (select 1 as a from (select a from t2 r0{}{}) x) select a from c",
                " join t1".repeat(n),
                " on true".repeat(n)
            )
        };
        let dialect = Fast(DuckDbDialect {});
        for sql in [
            nested(8),
            nested(300),
            format!(
                "with c as (select a from t2 r0{}) select a from c",
                "  join ".repeat(300)
            ),
        ] {
            assert!(matches!(parse(&sql, &dialect), Outcome::Skipped(_)), "{sql}");
        }
        let cross = format!("select 1 from t0{} join t2 on t2.a = 1", " cross join t1".repeat(40));
        assert!(matches!(parse(&cross, &dialect), Outcome::Parsed(_)), "{cross}");
    }

    #[test]
    fn too_deep_sql_is_skipped_not_a_syntax_error() {
        let mut e = "1".to_string();
        for _ in 0..1500 {
            e = format!("case when x = 1 then {e} else 0 end");
        }
        let chain = vec!["x = 1"; 20_000].join(" or ");
        for sql in [
            format!("select {e} as c from t"),
            format!("select {}1{}", "(".repeat(5000), ")".repeat(5000)),
            format!("select {}1", "not ".repeat(3000)),
            format!("select 1 from t where {chain}"),
        ] {
            assert!(
                matches!(parse(&sql, &DuckDbDialect {}), Outcome::Skipped(_)),
                "{}",
                &sql[..40]
            );
        }
    }

    #[test]
    fn depth_estimates() {
        assert_eq!(nesting("select ((a)) from t"), 3);
        assert_eq!(nesting("select case when a then case when b then 1 end end, '((('"), 3);
        assert_eq!(nesting("select not not - x"), 4);
        // Operators in one expression add up; a comma or a clause starts another.
        assert_eq!(tree_depth("select a + b + c, d from t where e = 1"), 2);
        assert_eq!(tree_depth("select (a + (b + c)) from t"), 4);
        assert_eq!(tree_depth("select 1 union all select 2 union all select x + 1"), 3);
    }

    #[test]
    fn offsets_round_trip() {
        let text = "ab\ncdé\nf";
        let off = byte_offset(text, 2, 3);
        assert_eq!(&text[off..], "é\nf");
        assert_eq!(line_col(text, off), (2, 3));
    }
}
