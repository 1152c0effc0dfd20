//! Snowflake SQL into DuckDB SQL, for a DuckDB target with `dialect: snowflake`
//! (docs/snowflake-on-duckdb.md).
//!
//! The compiled SQL is read with sqlparser's Snowflake dialect, the syntax tree is rewritten
//! bottom-up (`Rewriter`: every expression after its arguments, so a rewrite sees arguments
//! that are already DuckDB SQL) and printed. Each family of functions has its file; a construct
//! that DuckDB cannot compute as Snowflake does is refused with a `Refusal` naming it, where it
//! is and what to write instead: a wrong result is never returned silently.

mod aggregates;
mod args;
mod conditional;
mod conversion;
mod datetime;
mod flatten;
mod hashing;
mod names;
mod semi;
mod strings;
mod types;

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, Function, ObjectNamePart, OrderByExpr, OrderBySort, Query, SelectItem, SetExpr, Spanned,
    TableFactor, VisitMut, VisitorMut,
};
use sqlparser::dialect::SnowflakeDialect;

use super::dialect::Fast;
use super::parse::{self, Outcome};

/// A construct the translation refuses: what it is, where (1-based line and column in the
/// compiled SQL; 0 when unknown) and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub construct: String,
    pub line: usize,
    pub column: usize,
    pub alternative: String,
}

impl Refusal {
    /// A refusal of `construct` at `at`'s position.
    pub(crate) fn at(at: &impl Spanned, construct: impl Into<String>, alternative: impl Into<String>) -> Refusal {
        let start = at.span().start;
        Refusal {
            construct: construct.into(),
            line: start.line as usize,
            column: start.column as usize,
            alternative: alternative.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} cannot run on DuckDB as it does on Snowflake", self.construct)
    }
}

/// The DuckDB SQL of one compiled Snowflake SQL text (one or more statements).
pub fn snowflake_to_duckdb(sql: &str) -> Result<String, Refusal> {
    let dialect = Fast(SnowflakeDialect {});
    let mut statements = match parse::parse(sql, &dialect) {
        Outcome::Parsed(s) => s,
        Outcome::Syntax(e) => {
            return Err(Refusal {
                construct: format!("SQL that Snowflake's syntax does not allow ({})", e.message),
                line: e.line,
                column: e.column,
                alternative: "fix the syntax; the SQL is read as Snowflake SQL before it is translated".into(),
            });
        }
        Outcome::Skipped(reason) => {
            return Err(Refusal {
                construct: format!("SQL mozt cannot read to translate ({reason})"),
                line: 0,
                column: 0,
                alternative: "write the statement in the forms listed in docs/snowflake-on-duckdb.md".into(),
            });
        }
    };
    let mut rewriter = Rewriter {
        variant_aliases: flatten::aliases(&statements),
    };
    if let ControlFlow::Break(refusal) = statements.visit(&mut rewriter) {
        return Err(refusal);
    }
    for statement in &mut statements {
        names::fold_output_names(statement);
    }
    let mut out = String::with_capacity(sql.len() + sql.len() / 4);
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            out.push_str(";\n");
        }
        out.push_str(&s.to_string());
    }
    Ok(out)
}

/// The rewriting pass over one statement list.
pub(crate) struct Rewriter {
    /// Table aliases of FLATTEN outputs: `alias.value` and `alias.this` hold VARIANT values.
    variant_aliases: HashSet<String>,
}

impl VisitorMut for Rewriter {
    type Break = Refusal;

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<Refusal> {
        match self.rewrite(expr) {
            Ok(Some(new)) => {
                *expr = new;
                ControlFlow::Continue(())
            }
            Ok(None) => ControlFlow::Continue(()),
            Err(r) => ControlFlow::Break(r),
        }
    }

    /// Snowflake sorts NULL above every value: last ascending, first descending; DuckDB puts
    /// them last both ways.
    fn post_visit_order_by_expr(&mut self, order: &mut OrderByExpr) -> ControlFlow<Refusal> {
        if order.options.nulls_first.is_none() {
            order.options.nulls_first = Some(matches!(order.options.sort, Some(OrderBySort::Desc)));
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<Refusal> {
        match flatten::rewrite(factor) {
            Ok(()) => ControlFlow::Continue(()),
            Err(r) => ControlFlow::Break(r),
        }
    }
}

impl Rewriter {
    /// The DuckDB form of `expr` (whose parts are DuckDB SQL already); None when it stays.
    fn rewrite(&self, expr: &mut Expr) -> Result<Option<Expr>, Refusal> {
        match expr {
            Expr::Function(f) => self.function(f),
            Expr::JsonAccess { value, path } => semi::path(value, path).map(Some),
            Expr::Cast {
                kind,
                expr: inner,
                data_type,
                ..
            } => conversion::cast(kind, inner, data_type, self.is_variant(inner)),
            Expr::RLike { .. } | Expr::SimilarTo { .. } => strings::rlike(expr),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Divide,
                right,
            } => conditional::divide(left, right),
            Expr::Value(v) => {
                strings::literal(&mut v.value);
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// A function call: by family, each answers the names it knows.
    fn function(&self, f: &mut Function) -> Result<Option<Expr>, Refusal> {
        let Some(name) = function_name(f) else {
            return Ok(None);
        };
        let name = name.to_ascii_uppercase();
        let found = conditional::rewrite(&name, f)?
            .or(datetime::rewrite(&name, f)?)
            .or(conversion::rewrite(&name, f, &|e| self.is_variant(e))?)
            .or(semi::rewrite(&name, f, &|e| self.is_variant(e))?)
            .or(strings::rewrite(&name, f)?)
            .or(aggregates::rewrite(&name, f)?)
            .or(hashing::rewrite(&name, f)?);
        Ok(found)
    }

    /// Whether `expr` (already translated) surely holds a VARIANT, ARRAY or OBJECT (JSON on
    /// DuckDB): a path, a JSON-building function, a cast to JSON, a FLATTEN's VALUE or THIS.
    fn is_variant(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Nested(e) => self.is_variant(e),
            Expr::Cast { data_type, .. } => types::is_json(data_type),
            Expr::Function(f) => {
                function_name(f).is_some_and(|n| semi::JSON_FUNCTIONS.contains(&n.to_ascii_lowercase().as_str()))
            }
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                let column = parts[1].value.to_ascii_lowercase();
                (column == "value" || column == "this")
                    && self.variant_aliases.contains(&parts[0].value.to_ascii_lowercase())
            }
            Expr::Identifier(i) => {
                let column = i.value.to_ascii_lowercase();
                (column == "value" || column == "this") && self.variant_aliases.contains(flatten::UNALIASED)
            }
            _ => false,
        }
    }
}

/// A call's unqualified function name (None for a qualified one: a user's own function).
pub(crate) fn function_name(f: &Function) -> Option<&str> {
    match f.name.0.as_slice() {
        [ObjectNamePart::Identifier(i)] if i.quote_style.is_none() => Some(i.value.as_str()),
        _ => None,
    }
}

/// The select items of a query's outermost SELECT (of the first branch of a set operation).
pub(crate) fn outer_projection(query: &mut Query) -> Option<&mut Vec<SelectItem>> {
    let mut body = query.body.as_mut();
    loop {
        match body {
            SetExpr::Select(select) => return Some(&mut select.projection),
            SetExpr::SetOperation { left, .. } => body = left.as_mut(),
            SetExpr::Query(q) => body = q.body.as_mut(),
            _ => return None,
        }
    }
}
