//! Expressions: the upstream columns an expression reads, and the references in it that
//! provably name nothing (recorded as issues).

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, InTarget, JoinConstraint, JoinOperator,
    Query, Visitor, WindowType,
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
        if let Some(x) = one_part(e) {
            stack.push(Work::Expr(x, check));
            return;
        }
        if let Some((a, b)) = two_parts(e) {
            stack.push(Work::Expr(a, check));
            stack.push(Work::Expr(b, check));
            return;
        }
        match e {
            Expr::Identifier(i) => self.reference(std::slice::from_ref(i), scope, check, out),
            Expr::CompoundIdentifier(parts) => self.reference(parts, scope, check, out),
            Expr::Function(f) => push_function(f, check, stack),
            Expr::Exists { subquery, .. } | Expr::Subquery(subquery) => stack.push(Work::Lineage(subquery)),
            Expr::Value(_) | Expr::TypedString(_) => {}
            other => {
                if !push_parts(other, check, stack) {
                    self.unmodelled(other, scope, out);
                }
            }
        }
    }

    /// Forms not modelled (lambdas, struct literals, dialect extensions): read the names
    /// inside for lineage, report nothing.
    fn unmodelled(&mut self, e: &Expr, scope: &Scope, out: &mut Refs) {
        let mut names = Names::default();
        if sqlparser::ast::Visit::visit(e, &mut names).is_break() {
            self.too_deep("an expression the check does not model");
            return;
        }
        for n in names.found {
            self.reference(&n, scope, false, out);
        }
    }
}

/// The one part an expression reads, for the forms that have exactly one.
#[inline]
fn one_part(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::CompoundFieldAccess { root: x, .. }
        | Expr::JsonAccess { value: x, .. }
        | Expr::IsFalse(x)
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
        | Expr::Collate { expr: x, .. } => Some(x),
        Expr::Interval(i) => Some(&i.value),
        _ => None,
    }
}

/// The two parts an expression reads, in the order written, for the forms that have exactly
/// two.
#[inline]
fn two_parts(e: &Expr) -> Option<(&Expr, &Expr)> {
    match e {
        Expr::IsDistinctFrom(a, b)
        | Expr::IsNotDistinctFrom(a, b)
        | Expr::BinaryOp { left: a, right: b, .. }
        | Expr::AnyOp { left: a, right: b, .. }
        | Expr::AllOp { left: a, right: b, .. }
        | Expr::AtTimeZone {
            timestamp: a,
            time_zone: b,
        }
        | Expr::Position { expr: a, r#in: b }
        | Expr::Like {
            expr: a, pattern: b, ..
        }
        | Expr::ILike {
            expr: a, pattern: b, ..
        }
        | Expr::SimilarTo {
            expr: a, pattern: b, ..
        }
        | Expr::RLike {
            expr: a, pattern: b, ..
        } => Some((a, b)),
        _ => None,
    }
}

/// Push the parts of the remaining modelled forms, in the order written; false when `e` is
/// a form the check does not model.
fn push_parts<'e>(e: &'e Expr, check: bool, stack: &mut Vec<Work<'e>>) -> bool {
    let mut go = |x: &'e Expr| stack.push(Work::Expr(x, check));
    match e {
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
        Expr::Tuple(list) => list.iter().for_each(go),
        Expr::Array(a) => a.elem.iter().for_each(go),
        Expr::In { expr, target, .. } => push_in(expr, target, check, stack),
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.iter().for_each(|x| go(x));
            for w in conditions {
                go(&w.condition);
                go(&w.result);
            }
            else_result.iter().for_each(|x| go(x));
        }
        _ => return false,
    }
    true
}

/// `expr in (...)`: the expression, then the list, the subquery (read for its checks) or
/// the unnested array.
fn push_in<'e>(expr: &'e Expr, target: &'e InTarget, check: bool, stack: &mut Vec<Work<'e>>) {
    stack.push(Work::Expr(expr, check));
    match target {
        InTarget::List(list) => stack.extend(list.iter().map(|x| Work::Expr(x, check))),
        InTarget::Subquery(q) => stack.push(Work::Checked(q)),
        InTarget::Unnest(x) => stack.push(Work::Expr(x, check)),
        InTarget::Table { .. } => {}
    }
}

/// A function call: its arguments, filter and `within group` order are checked only when it
/// is a plain function (a name the check knows takes expressions); its window is always
/// checked.
fn push_function<'e>(f: &'e Function, check: bool, stack: &mut Vec<Work<'e>>) {
    let name = last_part(&f.name).to_ascii_lowercase();
    let plain = f.name.0.len() == 1 && plain_function(&name);
    let check_args = check && plain;
    match &f.args {
        FunctionArguments::List(list) => {
            for a in &list.args {
                let arg = match a {
                    FunctionArg::Named { arg, .. } | FunctionArg::ExprNamed { arg, .. } | FunctionArg::Unnamed(arg) => {
                        arg
                    }
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
