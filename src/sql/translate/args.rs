//! Reading a call's arguments and building the DuckDB expression that replaces it.

use sqlparser::ast::{Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Spanned, Value};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;

use super::Refusal;

/// The call's positional arguments (printed: they are DuckDB SQL already); a named argument or
/// a `*` is refused, and so is a count outside `min..=max`.
pub(crate) fn positional(f: &Function, name: &str, min: usize, max: usize) -> Result<Vec<Expr>, Refusal> {
    let list: &[FunctionArg] = match &f.args {
        FunctionArguments::List(l) => &l.args,
        FunctionArguments::None => &[],
        FunctionArguments::Subquery(_) => {
            return Err(Refusal::at(
                &f.name,
                format!("{name} over a subquery"),
                "pass the subquery in parentheses",
            ));
        }
    };
    if list.len() < min || list.len() > max {
        let wanted = if min == max {
            min.to_string()
        } else {
            format!("{min} to {max}")
        };
        return Err(Refusal::at(
            &f.name,
            format!("{name} with {} arguments", list.len()),
            format!("{name} takes {wanted} arguments on Snowflake"),
        ));
    }
    list.iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e.clone()),
            _ => Err(Refusal::at(
                &f.name,
                format!("{name} with the argument `{a}`"),
                "pass plain expressions",
            )),
        })
        .collect()
}

/// Parse DuckDB SQL built by the translation into an expression.
pub(crate) fn duck(at: &Function, text: &str) -> Result<Expr, Refusal> {
    read_back(&at.name, &at.name.to_string(), text)
}

/// Parse DuckDB SQL the translation wrote for `what` (found at `at`) into an expression; a
/// refusal if it does not read back (a translation bug, not the user's).
pub(crate) fn read_back(at: &impl Spanned, what: &str, text: &str) -> Result<Expr, Refusal> {
    Parser::new(&DuckDbDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| {
            Refusal::at(
                at,
                format!("{what} (its DuckDB form `{text}` did not read back: {e})"),
                "report this to mozt with the model's SQL",
            )
        })
}

/// The text of a string literal argument; None for anything else.
pub(crate) fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::DollarQuotedString(sqlparser::ast::DollarQuotedString { value: s, .. }) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// The value of a whole-number literal argument (with an optional minus sign).
pub(crate) fn int_literal(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Minus,
            expr,
        } => int_literal(expr).map(|n| -n),
        Expr::Nested(e) => int_literal(e),
        _ => None,
    }
}

/// A SQL string literal of `s` (quotes doubled).
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
