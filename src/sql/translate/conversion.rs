//! Casts and conversion functions: `::`, CAST, TRY_CAST, TO_/TRY_TO_NUMBER, DECIMAL, DOUBLE,
//! BOOLEAN, VARIANT, OBJECT, ARRAY (the date and time ones are in `datetime`).

use sqlparser::ast::{CastKind, DataType, Expr, Function};

use super::Refusal;
use super::args::{duck, positional, string_literal};
use super::types::duckdb_type;

/// A cast to a Snowflake type. From a VARIANT, a value is read out of its JSON (a string
/// without its quotes, as Snowflake gives it); into a VARIANT, a value becomes JSON.
pub(crate) fn cast(
    kind: &CastKind,
    inner: &Expr,
    data_type: &DataType,
    from_variant: bool,
) -> Result<Option<Expr>, Refusal> {
    let target = duckdb_type(data_type).map_err(|why| {
        Refusal::at(
            inner,
            format!("a cast to {data_type} ({why})"),
            "cast to VARCHAR, NUMBER, FLOAT, BOOLEAN, DATE, TIMESTAMP_NTZ or VARIANT",
        )
    })?;
    let try_ = matches!(kind, CastKind::TryCast | CastKind::SafeCast);
    let text = match (target.as_str(), from_variant) {
        ("JSON", true) => return Ok(Some(inner.clone())),
        ("JSON", false) => format!("to_json({inner})"),
        (_, true) => cast_text(try_, &format!("json_extract_string({inner}, '$')"), &target),
        (_, false) => cast_text(try_, &inner.to_string(), &target),
    };
    super::args::read_back(inner, "a cast", &text).map(Some)
}

/// `CAST(x AS t)` or `TRY_CAST(x AS t)`.
pub(crate) fn cast_text(try_: bool, x: &str, target: &str) -> String {
    let word = if try_ { "TRY_CAST" } else { "CAST" };
    format!("{word}({x} AS {target})")
}

/// Boolean words Snowflake reads (TO_BOOLEAN), case-insensitively.
const TRUE_WORDS: &str = "'true', 't', 'yes', 'y', 'on', '1'";
const FALSE_WORDS: &str = "'false', 'f', 'no', 'n', 'off', '0'";

/// TO_NUMBER, TRY_TO_DECIMAL, TO_DOUBLE, TO_BOOLEAN, TO_VARIANT and their kin.
pub(crate) fn rewrite(name: &str, f: &Function, is_variant: &dyn Fn(&Expr) -> bool) -> Result<Option<Expr>, Refusal> {
    let (try_, base) = match name.strip_prefix("TRY_") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let text = match base {
        "TO_NUMBER" | "TO_DECIMAL" | "TO_NUMERIC" => number(f, name, try_, is_variant)?,
        "TO_DOUBLE" => {
            let a = positional(f, name, 1, 1)?;
            cast_text(try_, &scalar_text(&a[0], is_variant), "DOUBLE")
        }
        "TO_BOOLEAN" => {
            let a = positional(f, name, 1, 1)?;
            let x = scalar_text(&a[0], is_variant);
            let otherwise = if try_ {
                "NULL".to_string()
            } else {
                format!("error('Boolean value ''' || CAST({x} AS VARCHAR) || ''' is not recognized')")
            };
            format!(
                "CASE WHEN {x} IS NULL THEN NULL WHEN lower(trim(CAST({x} AS VARCHAR))) IN ({TRUE_WORDS}) THEN true \
                 WHEN lower(trim(CAST({x} AS VARCHAR))) IN ({FALSE_WORDS}) THEN false ELSE {otherwise} END"
            )
        }
        "TO_VARIANT" if !try_ => {
            let a = positional(f, name, 1, 1)?;
            if is_variant(&a[0]) {
                return Ok(Some(a[0].clone()));
            }
            format!("to_json({})", a[0])
        }
        "TO_OBJECT" | "TO_ARRAY" if !try_ => {
            let a = positional(f, name, 1, 1)?;
            if is_variant(&a[0]) {
                return Ok(Some(a[0].clone()));
            }
            match base {
                "TO_ARRAY" => format!("json_array({})", a[0]),
                _ => {
                    return Err(Refusal::at(
                        &f.name,
                        "TO_OBJECT of a value that is not an OBJECT",
                        "pass an OBJECT (PARSE_JSON, OBJECT_CONSTRUCT)",
                    ));
                }
            }
        }
        _ => return Ok(None),
    };
    duck(f, &text).map(Some)
}

/// A value as text to convert: a VARIANT's JSON read out first.
fn scalar_text(e: &Expr, is_variant: &dyn Fn(&Expr) -> bool) -> String {
    if is_variant(e) {
        format!("json_extract_string({e}, '$')")
    } else {
        e.to_string()
    }
}

/// TO_NUMBER(x [, precision [, scale]]): a DECIMAL, 38 digits and scale 0 by default. A format
/// argument is refused.
fn number(f: &Function, name: &str, try_: bool, is_variant: &dyn Fn(&Expr) -> bool) -> Result<String, Refusal> {
    let a = positional(f, name, 1, 4)?;
    if a.iter().skip(1).any(|e| string_literal(e).is_some()) {
        return Err(Refusal::at(
            &f.name,
            format!("{name} with a format"),
            "remove the format and clean the text first (REPLACE, REGEXP_REPLACE), then convert",
        ));
    }
    let digits: Vec<String> = a[1..]
        .iter()
        .map(|e| match super::args::int_literal(e) {
            Some(n) => Ok(n.to_string()),
            None => Err(Refusal::at(
                &f.name,
                format!("{name} with a precision or scale that is not a number"),
                "write the precision and scale as numbers",
            )),
        })
        .collect::<Result<_, _>>()?;
    let target = match digits.as_slice() {
        [] => "DECIMAL(38, 0)".to_string(),
        [p] => format!("DECIMAL({p}, 0)"),
        [p, s] => format!("DECIMAL({p}, {s})"),
        _ => {
            return Err(Refusal::at(
                &f.name,
                format!("{name} with a format"),
                "remove the format",
            ));
        }
    };
    Ok(cast_text(try_, &scalar_text(&a[0], is_variant), &target))
}
