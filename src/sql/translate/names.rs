//! Snowflake folds unquoted identifiers to upper case: a query's output columns named by an
//! unquoted word are upper case there. Every select list (the statement's, each CTE's, each
//! subquery's) gets those names written out (quoted, so DuckDB keeps the case): a `select *`
//! over a CTE then gives the CTE's names as Snowflake does. References keep working, as DuckDB
//! matches names without regard to case.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Ident, Query, SelectItem, Statement, VisitMut, VisitorMut};

/// Upper-case the unquoted output names of every select list of a query statement.
pub(crate) fn fold_output_names(statement: &mut Statement) {
    if let Statement::Query(q) = statement {
        let _ = q.visit(&mut Folder);
    }
}

struct Folder;

impl VisitorMut for Folder {
    type Break = ();

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        fold_projection(query);
        ControlFlow::Continue(())
    }
}

/// Upper-case the unquoted output names of a query's own select list.
fn fold_projection(query: &mut Query) {
    let Some(items) = super::outer_projection(query) else {
        return;
    };
    for item in items.iter_mut() {
        let named = match item {
            SelectItem::UnnamedExpr(Expr::Identifier(i)) if i.quote_style.is_none() => Some(i.value.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => parts
                .last()
                .filter(|i| i.quote_style.is_none())
                .map(|i| i.value.clone()),
            SelectItem::ExprWithAlias { alias, .. } if alias.quote_style.is_none() => {
                alias.value = alias.value.to_uppercase();
                alias.quote_style = Some('"');
                None
            }
            _ => None,
        };
        if let (Some(name), SelectItem::UnnamedExpr(expr)) = (named, &*item) {
            *item = SelectItem::ExprWithAlias {
                expr: expr.clone(),
                alias: Ident::with_quote('"', name.to_uppercase()),
            };
        }
    }
}
