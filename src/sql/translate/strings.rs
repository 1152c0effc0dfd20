//! Strings: literals with backslash escapes, SPLIT, SPLIT_PART, REGEXP_LIKE / RLIKE,
//! REGEXP_SUBSTR, REGEXP_REPLACE, REGEXP_COUNT, STARTSWITH, ENDSWITH (ILIKE, CONTAINS and
//! LISTAGG's DuckDB forms are the same or in `aggregates`).

use sqlparser::ast::{Expr, Function, Value};

use super::Refusal;
use super::args::{duck, positional, quote, string_literal};

/// A single-quoted literal as DuckDB reads it: Snowflake turns `\n`, `\t`, `\\`, `\'`, `\0`,
/// octal, `\x` and `\u` escapes into characters; DuckDB keeps backslashes as they are.
pub(crate) fn literal(v: &mut Value) {
    if let Value::SingleQuotedString(s) = v
        && s.contains('\\')
    {
        *s = unescape(s);
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            '0'..='7' => {
                let mut code = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(code));
            }
            'x' | 'u' => {
                let len = if e == 'x' { 2 } else { 4 };
                let hex: String = chars.clone().take(len).collect();
                match u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .filter(|_| hex.len() == len)
                {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    None => out.push(e),
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Snowflake's regular expression parameters as DuckDB's options (`c`, `i`, `s`); `m` and `e`
/// are refused where they would change the result.
fn regex_options(f: &Function, name: &str, params: Option<&Expr>) -> Result<String, Refusal> {
    let Some(p) = params else { return Ok(String::new()) };
    let Some(text) = string_literal(p) else {
        return Err(Refusal::at(
            &f.name,
            format!("{name} with parameters that are not a literal string"),
            "write the parameters as a string literal",
        ));
    };
    let mut out = String::new();
    for c in text.chars() {
        match c {
            'c' | 'i' | 's' => out.push(c),
            'e' => {}
            _ => {
                return Err(Refusal::at(
                    &f.name,
                    format!("{name} with the parameter '{c}'"),
                    "use the parameters c, i or s",
                ));
            }
        }
    }
    Ok(out)
}

/// `x RLIKE p` / `x REGEXP p` (a whole-string match on Snowflake).
pub(crate) fn rlike(expr: &Expr) -> Result<Option<Expr>, Refusal> {
    let Expr::RLike {
        negated,
        expr: x,
        pattern,
        ..
    } = expr
    else {
        return Ok(None);
    };
    let not = if *negated { "NOT " } else { "" };
    let text = format!("({not}regexp_full_match({x}, {pattern}))");
    sqlparser::parser::Parser::new(&sqlparser::dialect::DuckDbDialect {})
        .try_with_sql(&text)
        .and_then(|mut p| p.parse_expr())
        .map(Some)
        .map_err(|e| {
            Refusal::at(
                expr,
                format!("RLIKE (its DuckDB form did not read back: {e})"),
                "use REGEXP_LIKE",
            )
        })
}

pub(crate) fn rewrite(name: &str, f: &Function) -> Result<Option<Expr>, Refusal> {
    let text = match name {
        "SPLIT" => {
            let a = positional(f, name, 2, 2)?;
            format!("to_json(string_split({}, {}))", a[0], a[1])
        }
        "SPLIT_PART" => {
            let a = positional(f, name, 3, 3)?;
            format!(
                "split_part({}, {}, CASE WHEN {n} = 0 THEN 1 ELSE {n} END)",
                a[0],
                a[1],
                n = a[2]
            )
        }
        "REGEXP_LIKE" | "RLIKE" => {
            let a = positional(f, name, 2, 3)?;
            let opts = regex_options(f, name, a.get(2))?;
            match opts.is_empty() {
                true => format!("regexp_full_match({}, {})", a[0], a[1]),
                false => format!("regexp_full_match({}, {}, {})", a[0], a[1], quote(&opts)),
            }
        }
        "REGEXP_SUBSTR" => regexp_substr(f)?,
        "REGEXP_REPLACE" => {
            let a = positional(f, name, 2, 6)?;
            first_occurrence_only(f, name, a.get(3), a.get(4), 0)?;
            let replacement = a.get(2).map(ToString::to_string).unwrap_or_else(|| "''".into());
            let opts = regex_options(f, name, a.get(5))?;
            format!(
                "regexp_replace({}, {}, {replacement}, {})",
                a[0],
                a[1],
                quote(&format!("g{opts}"))
            )
        }
        "REGEXP_COUNT" => {
            let a = positional(f, name, 2, 4)?;
            first_occurrence_only(f, name, a.get(2), None, 1)?;
            let opts = regex_options(f, name, a.get(3))?;
            match opts.is_empty() {
                true => format!("len(regexp_extract_all({}, {}))", a[0], a[1]),
                false => format!("len(regexp_extract_all({}, {}, 0, {}))", a[0], a[1], quote(&opts)),
            }
        }
        "STARTSWITH" => {
            let a = positional(f, name, 2, 2)?;
            format!("starts_with({}, {})", a[0], a[1])
        }
        "ENDSWITH" => {
            let a = positional(f, name, 2, 2)?;
            format!("ends_with({}, {})", a[0], a[1])
        }
        "REGEXP_INSTR" => regexp_instr(f)?,
        "REGEXP_SUBSTR_ALL" => {
            return Err(Refusal::at(
                &f.name,
                name,
                "use REGEXP_SUBSTR, REGEXP_LIKE or REGEXP_COUNT",
            ));
        }
        _ => return Ok(None),
    };
    duck(f, &text).map(Some)
}

/// Refuse a position other than 1 or an occurrence other than `occurrence_default`/1.
fn first_occurrence_only(
    f: &Function,
    name: &str,
    position: Option<&Expr>,
    occurrence: Option<&Expr>,
    occurrence_default: i64,
) -> Result<(), Refusal> {
    let pos_ok = position.is_none_or(|p| super::args::int_literal(p) == Some(1));
    let occ_ok = occurrence.is_none_or(|o| {
        let n = super::args::int_literal(o);
        n == Some(occurrence_default) || n == Some(1) && occurrence_default == 1
    });
    if pos_ok && occ_ok {
        return Ok(());
    }
    Err(Refusal::at(
        &f.name,
        format!("{name} with a position or occurrence"),
        "match from the start (position 1) and take every (REGEXP_REPLACE) or the first (REGEXP_SUBSTR) occurrence",
    ))
}

/// REGEXP_SUBSTR(s, p [, 1 [, 1 [, params [, group]]]]): NULL when nothing matches.
fn regexp_substr(f: &Function) -> Result<String, Refusal> {
    let name = "REGEXP_SUBSTR";
    let a = positional(f, name, 2, 6)?;
    first_occurrence_only(f, name, a.get(2), a.get(3), 1)?;
    let opts = regex_options(f, name, a.get(4))?;
    // `e` (extract a sub-match) without a group number takes the first group.
    let extract = a.get(4).and_then(string_literal).is_some_and(|p| p.contains('e'));
    let group = match a.get(5) {
        Some(g) => g.to_string(),
        None if extract => "1".into(),
        None => "0".into(),
    };
    let (s, p) = (&a[0], &a[1]);
    let o = quote(&opts);
    Ok(format!(
        "CASE WHEN regexp_matches({s}, {p}, {o}) THEN regexp_extract({s}, {p}, {group}, {o}) END"
    ))
}

/// REGEXP_INSTR(s, p [, position [, occurrence [, option [, params]]]]): the 1-based position
/// of the occurrence-th match at or after `position` (with option 1, the position just after
/// it), 0 when there is none, NULL for a NULL subject. The text before that match is the
/// pieces of the subject split on the pattern up to it, plus the matches before it.
fn regexp_instr(f: &Function) -> Result<String, Refusal> {
    let name = "REGEXP_INSTR";
    let a = positional(f, name, 2, 6)?;
    let after = match a.get(4).map(super::args::int_literal) {
        None | Some(Some(0)) => false,
        Some(Some(1)) => true,
        Some(_) => {
            return Err(Refusal::at(
                &f.name,
                "REGEXP_INSTR with an option other than 0 or 1",
                "write the option as 0 (the match's start) or 1 (the position after it)",
            ));
        }
    };
    if a.get(5).and_then(string_literal).is_some_and(|p| p.contains('e')) {
        return Err(Refusal::at(
            &f.name,
            "REGEXP_INSTR with the parameter 'e' (a group's position)",
            "match the group's text with a lookahead-free pattern, or use REGEXP_SUBSTR with 'e'",
        ));
    }
    let opts = quote(&regex_options(f, name, a.get(5))?);
    let (s, p) = (&a[0], &a[1]);
    let pos = a.get(2).map(ToString::to_string).unwrap_or_else(|| "1".into());
    let n = a.get(3).map(ToString::to_string).unwrap_or_else(|| "1".into());
    let from = format!("substr({s}, {pos})");
    let matches = format!("regexp_extract_all({from}, {p}, 0, {opts})");
    let pieces = format!("regexp_split_to_array({from}, {p}, {opts})");
    let end = match after {
        true => format!(" + length({matches}[{n}])"),
        false => String::new(),
    };
    Ok(format!(
        "CASE WHEN len({matches}) >= {n} THEN {pos} + length(array_to_string({pieces}[1:{n}], '')) \
         + length(array_to_string({matches}[1:{n} - 1], '')){end} WHEN len({matches}) < {n} THEN 0 END"
    ))
}
