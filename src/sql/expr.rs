//! Expressions: the upstream columns an expression reads, and the references in it that
//! provably name nothing (recorded as issues).

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, JoinConstraint, JoinOperator, WindowType,
};

use super::columns::{Analyzer, Issue, last_part};
use super::names::plain_function;
use super::refs::Refs;
use super::scope::{Found, Scope};

impl Analyzer<'_> {
    /// The upstream columns an expression reads; records issues when `check` and a reference
    /// provably names nothing.
    pub(super) fn expr(&mut self, e: &Expr, scope: &Scope, check: bool) -> Refs {
        let mut out = Refs::new();
        self.walk(e, scope, check, &mut out);
        out
    }

    fn reference(&mut self, parts: &[Ident], scope: &Scope, check: bool, out: &mut Refs) {
        let (found, qualifier, at) = match parts {
            [one] => (scope.lookup(&one.value), None, one),
            [q, col, ..] => {
                let (f, qual) = scope.lookup_qualified(&q.value, &col.value);
                (f, qual, col)
            }
            [] => return,
        };
        match found {
            Found::Yes(from) | Found::Maybe(from) => out.extend(from),
            Found::No(existing) => {
                if check && (parts.len() == 1 || qualifier.is_some()) {
                    self.issues.push(Issue {
                        written: parts
                            .iter()
                            .take(2)
                            .map(|p| p.value.as_str())
                            .collect::<Vec<_>>()
                            .join("."),
                        span: at.span,
                        existing,
                        qualifier,
                    });
                }
            }
        }
    }

    fn walk(&mut self, e: &Expr, scope: &Scope, check: bool, out: &mut Refs) {
        let mut go = |this: &mut Self, x: &Expr| this.walk(x, scope, check, out);
        match e {
            Expr::Identifier(i) => self.reference(std::slice::from_ref(i), scope, check, out),
            Expr::CompoundIdentifier(parts) => self.reference(parts, scope, check, out),
            Expr::CompoundFieldAccess { root, .. } => go(self, root),
            Expr::JsonAccess { value, .. } => go(self, value),
            Expr::IsFalse(x)
            | Expr::IsNotFalse(x)
            | Expr::IsTrue(x)
            | Expr::IsNotTrue(x)
            | Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::IsUnknown(x)
            | Expr::IsNotUnknown(x)
            | Expr::Nested(x)
            | Expr::UnaryOp { expr: x, .. }
            | Expr::Cast { expr: x, .. }
            | Expr::Extract { expr: x, .. }
            | Expr::Ceil { expr: x, .. }
            | Expr::Floor { expr: x, .. }
            | Expr::Collate { expr: x, .. } => go(self, x),
            Expr::IsDistinctFrom(a, b)
            | Expr::IsNotDistinctFrom(a, b)
            | Expr::BinaryOp { left: a, right: b, .. }
            | Expr::AnyOp { left: a, right: b, .. }
            | Expr::AllOp { left: a, right: b, .. }
            | Expr::AtTimeZone {
                timestamp: a,
                time_zone: b,
            }
            | Expr::Position { expr: a, r#in: b } => {
                go(self, a);
                go(self, b);
            }
            Expr::Like { expr, pattern, .. }
            | Expr::ILike { expr, pattern, .. }
            | Expr::SimilarTo { expr, pattern, .. }
            | Expr::RLike { expr, pattern, .. } => {
                go(self, expr);
                go(self, pattern);
            }
            Expr::Between { expr, low, high, .. } => {
                go(self, expr);
                go(self, low);
                go(self, high);
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                go(self, expr);
                for x in [substring_from, substring_for].into_iter().flatten() {
                    go(self, x);
                }
            }
            Expr::Trim { expr, trim_what, .. } => {
                go(self, expr);
                if let Some(x) = trim_what {
                    go(self, x);
                }
            }
            Expr::In { expr, target, .. } => {
                go(self, expr);
                match target {
                    sqlparser::ast::InTarget::List(list) => {
                        for x in list {
                            go(self, x);
                        }
                    }
                    sqlparser::ast::InTarget::Subquery(q) => {
                        self.query(q, scope.ctes, Some(scope));
                    }
                    sqlparser::ast::InTarget::Unnest(x) => go(self, x),
                    sqlparser::ast::InTarget::Table { .. } => {}
                }
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(x) = operand {
                    go(self, x);
                }
                for w in conditions {
                    go(self, &w.condition);
                    go(self, &w.result);
                }
                if let Some(x) = else_result {
                    go(self, x);
                }
            }
            Expr::Tuple(list) => {
                for x in list {
                    go(self, x);
                }
            }
            Expr::Array(a) => {
                for x in &a.elem {
                    go(self, x);
                }
            }
            Expr::Interval(i) => go(self, &i.value),
            Expr::Value(_) | Expr::TypedString(_) => {}
            Expr::Exists { subquery, .. } | Expr::Subquery(subquery) => {
                // A scalar subquery's lineage is what its output reads.
                let shape = self.query(subquery, scope.ctes, Some(scope));
                for c in shape.cols {
                    out.extend(c.from);
                }
            }
            Expr::Function(f) => {
                let name = last_part(&f.name).to_ascii_lowercase();
                let plain = f.name.0.len() == 1 && plain_function(&name);
                let check_args = check && plain;
                match &f.args {
                    FunctionArguments::List(list) => {
                        for a in &list.args {
                            let arg = match a {
                                FunctionArg::Named { arg, .. }
                                | FunctionArg::ExprNamed { arg, .. }
                                | FunctionArg::Unnamed(arg) => arg,
                            };
                            if let FunctionArgExpr::Expr(x) = arg {
                                self.walk(x, scope, check_args, out);
                            }
                        }
                    }
                    FunctionArguments::Subquery(q) => {
                        let shape = self.query(q, scope.ctes, Some(scope));
                        for c in shape.cols {
                            out.extend(c.from);
                        }
                    }
                    FunctionArguments::None => {}
                }
                if let Some(x) = &f.filter {
                    self.walk(x, scope, check_args, out);
                }
                for o in &f.within_group {
                    self.walk(&o.expr, scope, check_args, out);
                }
                if let Some(WindowType::WindowSpec(spec)) = &f.over {
                    for x in &spec.partition_by {
                        self.walk(x, scope, check, out);
                    }
                    for o in &spec.order_by {
                        self.walk(&o.expr, scope, check, out);
                    }
                }
            }
            other => {
                // Forms not modelled (lambdas, struct literals, dialect extensions): read the
                // names inside for lineage, report nothing.
                let mut names: Vec<Vec<Ident>> = vec![];
                let _ = sqlparser::ast::visit_expressions(other, |x| {
                    match x {
                        Expr::Identifier(i) => names.push(vec![i.clone()]),
                        Expr::CompoundIdentifier(p) => names.push(p.clone()),
                        _ => {}
                    }
                    std::ops::ControlFlow::<()>::Continue(())
                });
                for n in names {
                    self.reference(&n, scope, false, out);
                }
            }
        }
    }
}

pub(super) fn join_on(op: &JoinOperator) -> Option<&Expr> {
    let c = match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c) => c,
        _ => return None,
    };
    match c {
        JoinConstraint::On(e) => Some(e),
        _ => None,
    }
}
