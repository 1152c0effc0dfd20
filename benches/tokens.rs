//! Micro-benchmark of the SQL check's tokenizing and parsing, single-threaded, on the compiled
//! SQL of a project: sqlparser's tokenizer against src/sql/tokens.rs, and whole parses: by
//! sqlparser alone, by sqlparser's parser on the fast tokens, and as the SQL check parses (the
//! fast parser, src/sql/fast_parse.rs, else sqlparser). Run a generated project's compile first, then
//! `cargo bench --bench tokens -- <project>/target/compiled [duckdb|snowflake]`
//! (default: the sample project's target/compiled, DuckDB). Prints the best of 5 runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mozt::sql::fast_parse;
use mozt::sql::parse::{try_parse, try_parse_slow};
use mozt::sql::tokens::{tokenize, tokenize_for_parser};
use sqlparser::dialect::{Dialect, DuckDbDialect, SnowflakeDialect};
use sqlparser::parser::{Parser, ParserOptions};
use sqlparser::tokenizer::Tokenizer;

fn sql_files(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            sql_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "sql")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push(text);
        }
    }
}

fn best(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        n = f();
        best = best.min(t.elapsed());
    }
    (best, n)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let dir = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/compiled"));
    let dialect: &dyn Dialect = match args.get(1).map(String::as_str) {
        Some("snowflake") => &SnowflakeDialect {},
        _ => &DuckDbDialect {},
    };
    let mut texts = vec![];
    sql_files(&dir, &mut texts);
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{} files, {} bytes of SQL under {}", texts.len(), bytes, dir.display());
    if texts.is_empty() {
        println!("nothing to measure: compile a project first");
        return;
    }
    let (t, n) = best(5, || {
        texts
            .iter()
            .map(|s| {
                Tokenizer::new(dialect, s)
                    .with_unescape(false)
                    .tokenize_with_location()
                    .map_or(0, |v| v.len())
            })
            .sum()
    });
    println!("sqlparser tokenizer: {:>8.1} ms  ({n} tokens)", t.as_secs_f64() * 1e3);
    let (t, n) = best(5, || {
        texts.iter().map(|s| tokenize(dialect, s).map_or(0, |v| v.len())).sum()
    });
    let fast = texts.iter().filter(|s| tokenize(dialect, s).is_some()).count();
    println!(
        "fast tokenizer:      {:>8.1} ms  ({n} tokens; {fast} of {} texts on the fast path)",
        t.as_secs_f64() * 1e3,
        texts.len()
    );
    let (t, n) = best(5, || {
        texts
            .iter()
            .map(|s| tokenize_for_parser(dialect, s).map_or(0, |v| v.len()))
            .sum()
    });
    println!("fast, parser's tokens: {:>6.1} ms  ({n} tokens)", t.as_secs_f64() * 1e3);
    let (t, n) = best(5, || {
        texts.iter().filter(|s| try_parse_slow(dialect, s).is_ok()).count()
    });
    println!(
        "parse, sqlparser tokens: {:>8.1} ms  ({n} parsed)",
        t.as_secs_f64() * 1e3
    );
    let (t, n) = best(5, || {
        texts
            .iter()
            .filter(|s| {
                let options = ParserOptions::new().with_unescape(false).with_trailing_commas(false);
                let parser = Parser::new(dialect).with_options(options);
                match tokenize_for_parser(dialect, s) {
                    Some(tokens) => parser.with_tokens_with_locations(tokens).parse_statements().is_ok(),
                    None => try_parse_slow(dialect, s).is_ok(),
                }
            })
            .count()
    });
    println!(
        "parse, fast tokens:      {:>8.1} ms  ({n} parsed by sqlparser's parser)",
        t.as_secs_f64() * 1e3
    );
    let (t, n) = best(5, || texts.iter().filter(|s| try_parse(dialect, s).is_ok()).count());
    let by_fast = texts
        .iter()
        .filter(|s| tokenize_for_parser(dialect, s).is_some_and(|tokens| fast_parse::parse(&tokens).is_some()))
        .count();
    println!(
        "parse, as the check does: {:>7.1} ms  ({n} parsed; {by_fast} of {} by the fast parser)",
        t.as_secs_f64() * 1e3,
        texts.len()
    );
}
