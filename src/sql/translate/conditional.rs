//! Conditional and NULL functions: IFF, NVL, NVL2, IFNULL, ZEROIFNULL, NULLIFZERO, DIV0,
//! DIV0NULL, DECODE, EQUAL_NULL.

use sqlparser::ast::{Expr, Function, Value};

use super::Refusal;
use super::args::{duck, positional, read_back};

/// `a / b`: Snowflake stops the query on a division by zero, where DuckDB gives NULL; so a
/// divisor that is not a non-zero number written out is checked, failing the statement with
/// Snowflake's message (DIV0 and DIV0NULL are the ways to get 0 instead).
pub(crate) fn divide(left: &Expr, right: &Expr) -> Result<Option<Expr>, Refusal> {
    if let Expr::Value(v) = right
        && let Value::Number(n, _) = &v.value
        && n.parse::<f64>().is_ok_and(|x| x != 0.0)
    {
        return Ok(None);
    }
    let text = format!("({left}) / CASE WHEN ({right}) = 0 THEN error('Division by zero') ELSE ({right}) END");
    read_back(right, "a division", &text).map(Some)
}

pub(crate) fn rewrite(name: &str, f: &Function) -> Result<Option<Expr>, Refusal> {
    let text = match name {
        "IFF" => {
            let a = positional(f, name, 3, 3)?;
            format!("CASE WHEN {} THEN {} ELSE {} END", a[0], a[1], a[2])
        }
        "NVL" | "IFNULL" => {
            let a = positional(f, name, 2, 2)?;
            format!("coalesce({}, {})", a[0], a[1])
        }
        "NVL2" => {
            let a = positional(f, name, 3, 3)?;
            format!("CASE WHEN {} IS NOT NULL THEN {} ELSE {} END", a[0], a[1], a[2])
        }
        "ZEROIFNULL" => {
            let a = positional(f, name, 1, 1)?;
            format!("coalesce({}, 0)", a[0])
        }
        "NULLIFZERO" => {
            let a = positional(f, name, 1, 1)?;
            format!("nullif({}, 0)", a[0])
        }
        "DIV0" => {
            let a = positional(f, name, 2, 2)?;
            format!("CASE WHEN {b} = 0 THEN 0 ELSE ({a}) / ({b}) END", a = a[0], b = a[1])
        }
        "DIV0NULL" => {
            let a = positional(f, name, 2, 2)?;
            format!(
                "CASE WHEN {b} = 0 OR {b} IS NULL THEN 0 ELSE ({a}) / ({b}) END",
                a = a[0],
                b = a[1]
            )
        }
        "EQUAL_NULL" => {
            let a = positional(f, name, 2, 2)?;
            format!("(({}) IS NOT DISTINCT FROM ({}))", a[0], a[1])
        }
        "DECODE" => decode(f)?,
        _ => return Ok(None),
    };
    duck(f, &text).map(Some)
}

/// DECODE(expr, search1, result1, ... [, default]): the first search equal to expr, where a
/// NULL search matches a NULL expr.
fn decode(f: &Function) -> Result<String, Refusal> {
    let a = positional(f, "DECODE", 3, usize::MAX)?;
    let subject = &a[0];
    let mut out = String::from("CASE");
    let mut rest = a[1..].chunks_exact(2);
    for pair in rest.by_ref() {
        out.push_str(&format!(
            " WHEN ({subject}) IS NOT DISTINCT FROM ({}) THEN {}",
            pair[0], pair[1]
        ));
    }
    if let [default] = rest.remainder() {
        out.push_str(&format!(" ELSE {default}"));
    }
    out.push_str(" END");
    Ok(out)
}
