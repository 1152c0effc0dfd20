//! Snowflake folds unquoted identifiers to upper case: a query's output columns named by an
//! unquoted word are upper case there. The outermost select list gets those names written out
//! (quoted, so DuckDB keeps the case); references keep working, as DuckDB matches names without
//! regard to case.

use sqlparser::ast::{Expr, Ident, SelectItem, Statement};

/// Upper-case the unquoted output names of a query statement's outermost select list.
pub(crate) fn fold_output_names(statement: &mut Statement) {
    let query = match statement {
        Statement::Query(q) => q,
        _ => return,
    };
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
