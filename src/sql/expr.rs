//! Expressions: the upstream columns an expression reads, and the references in it that
//! provably name nothing (recorded as issues).

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, JoinConstraint, JoinOperator, Query, Visitor,
    WindowType,
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

    /// Read `root` depth first, children in the order they are written, with an explicit
    /// stack: a chain of a thousand `or` or `+` terms is as deep as it is long, and must not
    /// need as many nested calls. Subqueries are read through `query`, which bounds how deeply
    /// they nest.
    fn walk(&mut self, root: &Expr, scope: &Scope, check: bool, out: &mut Refs) {
        let mut stack = vec![Work::Expr(root, check)];
        while let Some(work) = stack.pop() {
            match work {
                Work::Expr(e, check) => {
                    let mark = stack.len();
                    self.step(e, scope, check, out, &mut stack);
                    // Pushed in the order written, popped in that order.
                    stack[mark..].reverse();
                }
                Work::Checked(q) => {
                    self.query(q, scope.ctes, Some(scope));
                }
                Work::Lineage(q) => {
                    // A scalar subquery's lineage is what its output reads.
                    let shape = self.query(q, scope.ctes, Some(scope));
                    for c in shape.cols {
                        out.extend(c.from);
                    }
                }
            }
        }
    }

    /// Read one expression: resolve it when it is a name, else push its parts onto `stack`
    /// (in the order written).
    fn step<'e>(&mut self, e: &'e Expr, scope: &Scope, check: bool, out: &mut Refs, stack: &mut Vec<Work<'e>>) {
        let mut go = |x: &'e Expr| stack.push(Work::Expr(x, check));
        match e {
            Expr::Identifier(i) => self.reference(std::slice::from_ref(i), scope, check, out),
            Expr::CompoundIdentifier(parts) => self.reference(parts, scope, check, out),
            Expr::CompoundFieldAccess { root, .. } => go(root),
            Expr::JsonAccess { value, .. } => go(value),
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
            | Expr::Collate { expr: x, .. } => go(x),
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
                go(a);
                go(b);
            }
            Expr::Like { expr, pattern, .. }
            | Expr::ILike { expr, pattern, .. }
            | Expr::SimilarTo { expr, pattern, .. }
            | Expr::RLike { expr, pattern, .. } => {
                go(expr);
                go(pattern);
            }
            Expr::Between { expr, low, high, .. } => {
                go(expr);
                go(low);
                go(high);
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                go(expr);
                for x in [substring_from, substring_for].into_iter().flatten() {
                    go(x);
                }
            }
            Expr::Trim { expr, trim_what, .. } => {
                go(expr);
                if let Some(x) = trim_what {
                    go(x);
                }
            }
            Expr::In { expr, target, .. } => {
                go(expr);
                match target {
                    sqlparser::ast::InTarget::List(list) => {
                        for x in list {
                            go(x);
                        }
                    }
                    sqlparser::ast::InTarget::Subquery(q) => stack.push(Work::Checked(q)),
                    sqlparser::ast::InTarget::Unnest(x) => go(x),
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
                    go(x);
                }
                for w in conditions {
                    go(&w.condition);
                    go(&w.result);
                }
                if let Some(x) = else_result {
                    go(x);
                }
            }
            Expr::Tuple(list) => {
                for x in list {
                    go(x);
                }
            }
            Expr::Array(a) => {
                for x in &a.elem {
                    go(x);
                }
            }
            Expr::Interval(i) => go(&i.value),
            Expr::Value(_) | Expr::TypedString(_) => {}
            Expr::Exists { subquery, .. } | Expr::Subquery(subquery) => stack.push(Work::Lineage(subquery)),
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
                                stack.push(Work::Expr(x, check_args));
                            }
                        }
                    }
                    FunctionArguments::Subquery(q) => stack.push(Work::Lineage(q)),
                    FunctionArguments::None => {}
                }
                if let Some(x) = &f.filter {
                    stack.push(Work::Expr(x, check_args));
                }
                for o in &f.within_group {
                    stack.push(Work::Expr(&o.expr, check_args));
                }
                if let Some(WindowType::WindowSpec(spec)) = &f.over {
                    for x in &spec.partition_by {
                        stack.push(Work::Expr(x, check));
                    }
                    for o in &spec.order_by {
                        stack.push(Work::Expr(&o.expr, check));
                    }
                }
            }
            other => {
                // Forms not modelled (lambdas, struct literals, dialect extensions): read the
                // names inside for lineage, report nothing.
                let mut names = Names::default();
                if sqlparser::ast::Visit::visit(other, &mut names).is_break() {
                    self.too_deep("an expression the check does not model");
                    return;
                }
                for n in names.found {
                    self.reference(&n, scope, false, out);
                }
            }
        }
    }
}

/// What is left to read of an expression.
enum Work<'e> {
    /// An expression, and whether the references in it are checked.
    Expr(&'e Expr, bool),
    /// A subquery read for its checks only (`x in (select ...)`).
    Checked(&'e Query),
    /// A subquery whose output's lineage the expression reads (scalar, `exists`, a function's).
    Lineage(&'e Query),
}

/// How deeply sqlparser's visitor may go into an expression the check does not model before
/// the check gives up on the model: each level is a few nested calls of the visitor.
const MAX_VISIT_DEPTH: usize = 200;

/// The names inside an expression, collected by sqlparser's visitor, which stops past
/// `MAX_VISIT_DEPTH` nested expressions or queries.
#[derive(Default)]
struct Names {
    found: Vec<Vec<Ident>>,
    depth: usize,
}

impl Names {
    fn enter(&mut self) -> ControlFlow<()> {
        self.depth += 1;
        if self.depth > MAX_VISIT_DEPTH {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl Visitor for Names {
    type Break = ();

    fn pre_visit_expr(&mut self, x: &Expr) -> ControlFlow<()> {
        match x {
            Expr::Identifier(i) => self.found.push(vec![i.clone()]),
            Expr::CompoundIdentifier(p) => self.found.push(p.clone()),
            _ => {}
        }
        self.enter()
    }

    fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.enter()
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
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
