//! LATERAL FLATTEN (and TABLE(FLATTEN(...))) as a DuckDB lateral subquery with FLATTEN's
//! columns KEY, PATH, INDEX, VALUE and THIS over the JSON of the input. SEQ is not produced
//! (a query that reads it fails on DuckDB); RECURSIVE and MODE are refused.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName, ObjectNamePart, Statement, TableAlias,
    TableFactor, Visit, Visitor,
};

use super::Refusal;
use super::args::{quote, string_literal};

/// The alias key for a FLATTEN without an alias (its columns are read unqualified).
pub(crate) const UNALIASED: &str = "";

/// The lower-cased aliases of the FLATTENs in the statements (`UNALIASED` for one without).
pub(crate) fn aliases(statements: &[Statement]) -> HashSet<String> {
    struct Collect(HashSet<String>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            if let Some((_, alias)) = as_flatten(factor) {
                self.0
                    .insert(alias.map(|a| a.name.value.to_ascii_lowercase()).unwrap_or_default());
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect(HashSet::new());
    for s in statements {
        let _ = s.visit(&mut c);
    }
    c.0
}

fn is_flatten(name: &ObjectName) -> bool {
    matches!(name.0.as_slice(), [ObjectNamePart::Identifier(i)] if i.value.eq_ignore_ascii_case("flatten"))
}

/// A FLATTEN's arguments and alias.
fn as_flatten(factor: &TableFactor) -> Option<(&[FunctionArg], Option<&TableAlias>)> {
    match factor {
        TableFactor::Function { name, args, alias, .. } if is_flatten(name) => Some((args, alias.as_ref())),
        TableFactor::TableFunction {
            expr: Expr::Function(f),
            alias,
        } if is_flatten(&f.name) => match &f.args {
            FunctionArguments::List(l) => Some((&l.args, alias.as_ref())),
            _ => None,
        },
        _ => None,
    }
}

/// FLATTEN's arguments by name (positional ones in FLATTEN's order).
#[derive(Default)]
struct Args {
    input: Option<Expr>,
    path: Option<String>,
    outer: bool,
}

const ORDER: &[&str] = &["input", "path", "outer", "recursive", "mode"];

fn read_args(args: &[FunctionArg], at: &TableFactor) -> Result<Args, Refusal> {
    let mut out = Args::default();
    for (i, arg) in args.iter().enumerate() {
        let (name, value) = match arg {
            FunctionArg::Named {
                name,
                arg: FunctionArgExpr::Expr(e),
                ..
            } => (name.value.to_ascii_lowercase(), e),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => (ORDER.get(i).copied().unwrap_or("?").to_string(), e),
            _ => {
                return Err(Refusal::at(
                    at,
                    format!("FLATTEN with the argument `{arg}`"),
                    "pass input => expr",
                ));
            }
        };
        match name.as_str() {
            "input" => out.input = Some(value.clone()),
            "path" => match string_literal(value) {
                Some(p) => out.path = Some(p.to_string()),
                None => {
                    return Err(Refusal::at(
                        value,
                        "FLATTEN with a path that is not a literal string",
                        "write path => 'a.b'",
                    ));
                }
            },
            "outer" => out.outer = matches!(value, Expr::Value(v) if v.to_string().eq_ignore_ascii_case("true")),
            "recursive" if matches!(value, Expr::Value(v) if v.to_string().eq_ignore_ascii_case("false")) => {}
            "mode" if string_literal(value).is_some_and(|m| m.eq_ignore_ascii_case("both")) => {}
            other => {
                return Err(Refusal::at(
                    value,
                    format!("FLATTEN with {other} => {value}"),
                    "flatten one level (no RECURSIVE, MODE 'BOTH') and nest FLATTENs for deeper levels",
                ));
            }
        }
    }
    Ok(out)
}

/// Replace a FLATTEN table factor by its DuckDB subquery.
pub(crate) fn rewrite(factor: &mut TableFactor) -> Result<(), Refusal> {
    let Some((args, alias)) = as_flatten(factor) else {
        return Ok(());
    };
    let alias = alias.cloned();
    let args = read_args(args, factor)?;
    let Some(input) = args.input else {
        return Err(Refusal::at(
            factor,
            "FLATTEN without an input",
            "write FLATTEN(input => expr)",
        ));
    };
    let (source, prefix) = match &args.path {
        Some(p) => (
            format!("json_extract(CAST({input} AS JSON), {})", quote(&format!("$.{p}"))),
            p.clone(),
        ),
        None => (format!("CAST({input} AS JSON)"), String::new()),
    };
    let sql = subquery(&source, &prefix, args.outer);
    let query = sqlparser::parser::Parser::new(&sqlparser::dialect::DuckDbDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| {
            Refusal::at(
                factor,
                format!("FLATTEN (its DuckDB form did not read back: {e})"),
                "report this to mozt",
            )
        })?;
    *factor = TableFactor::Derived {
        lateral: true,
        subquery: query,
        alias,
        sample: None,
    };
    Ok(())
}

/// The rows of FLATTEN over the JSON `source`: one per array element or object key.
fn subquery(source: &str, prefix: &str, outer: bool) -> String {
    let p = quote(prefix);
    let dot = if prefix.is_empty() { "''" } else { "'.'" };
    let mut sql = format!(
        "SELECT CAST(NULL AS VARCHAR) AS key, {p} || '[' || i || ']' AS path, i AS \"index\", \
         json_extract(j, '$[' || i || ']') AS value, j AS this \
         FROM (SELECT j, unnest(range(CAST(CASE WHEN json_type(j) = 'ARRAY' THEN json_array_length(j) ELSE 0 END AS BIGINT))) AS i \
         FROM (SELECT {source} AS j) AS s) AS a \
         UNION ALL \
         SELECT k AS key, {p} || {dot} || k AS path, CAST(NULL AS BIGINT) AS \"index\", \
         json_extract(j, '$.\"' || replace(k, '\"', '\\\"') || '\"') AS value, j AS this \
         FROM (SELECT j, unnest(CASE WHEN json_type(j) = 'OBJECT' THEN json_keys(j) ELSE CAST([] AS VARCHAR[]) END) AS k \
         FROM (SELECT {source} AS j) AS s) AS o"
    );
    if outer {
        sql.push_str(&format!(
            " UNION ALL SELECT CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS BIGINT), CAST(NULL AS JSON), j \
             FROM (SELECT {source} AS j) AS s \
             WHERE coalesce(json_type(j) NOT IN ('ARRAY', 'OBJECT') OR json_array_length(j) = 0 AND json_type(j) = 'ARRAY' \
             OR json_type(j) = 'OBJECT' AND len(json_keys(j)) = 0, true)"
        ));
    }
    sql
}
