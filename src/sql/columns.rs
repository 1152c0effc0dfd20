//! A model's output columns, derived from its SQL: select lists and aliases, `*` expanded from
//! what is known upstream, CTEs, joins, subqueries, unions, window functions and aggregates.
//! Each output column carries the upstream columns it derives from (its lineage), and every
//! column reference that provably names nothing is recorded as an issue for `check`.
//!
//! "Provably" is the rule everywhere: a scope that reads anything whose columns are not known
//! exactly (a table function, an undeclared source, `*` over one, a dialect form this module
//! does not model) turns checking off for the references it could satisfy.

use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;

use crate::hash::FastMap;

use sqlparser::ast::{
    Expr, GroupByExpr, Ident, NamedWindowExpr, ObjectName, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetQuantifier, TableAlias, TableFactor, TableWithJoins,
    WildcardAdditionalOptions,
};
use sqlparser::tokenizer::Span;

use super::expr::join_on;
use super::refs::{Ref, Refs};
use super::scope::{Ctes, NameIndex, Scope, Source};

/// One upstream column: the unique id of a model, seed, snapshot or source, and a column name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColRef {
    pub node: String,
    pub column: String,
}

#[derive(Debug, Clone, Default)]
pub struct Col {
    pub name: Arc<str>,
    /// The upstream columns this column derives from.
    pub from: Refs,
}

/// The columns a relation (or a subquery, a CTE) has, as far as they are known.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub cols: Vec<Col>,
    /// True when `cols` is exactly the relation's columns: only then can a missing name be an error.
    pub complete: bool,
    /// When the columns are not all known but pass through from one upstream relation (`select *`
    /// over it), a name not in `cols` is that relation's column of the same name.
    pub passthrough: Option<Arc<str>>,
}

impl Shape {
    pub fn unknown() -> Shape {
        Shape::default()
    }

    /// The columns of an upstream relation: each derives from itself.
    pub fn of_relation<N: Into<Arc<str>>>(
        node: &Arc<str>,
        names: impl IntoIterator<Item = N>,
        complete: bool,
    ) -> Shape {
        Shape {
            cols: names
                .into_iter()
                .map(|n| {
                    let name: Arc<str> = n.into();
                    Col {
                        from: Refs::one(Ref::new(node, &name)),
                        name,
                    }
                })
                .collect(),
            complete,
            passthrough: Some(node.clone()),
        }
    }

    pub fn find(&self, name: &str) -> Option<&Col> {
        self.cols
            .iter()
            .find(|c| !c.name.is_empty() && c.name.eq_ignore_ascii_case(name))
    }

    pub fn names(&self) -> Vec<String> {
        self.cols
            .iter()
            .filter(|c| !c.name.is_empty())
            .map(|c| c.name.to_string())
            .collect()
    }

    /// Lineage of a column that is not among the known ones (only through a passthrough).
    pub(super) fn guess(&self, name: &str) -> Refs {
        match &self.passthrough {
            Some(node) if !self.complete => Refs::one(Ref {
                node: node.clone(),
                column: name.into(),
            }),
            _ => Refs::new(),
        }
    }
}

/// A column reference that names nothing in its scope.
#[derive(Debug, Clone)]
pub struct Issue {
    /// The name as written (`d.usr_id` or `usr_id`).
    pub written: String,
    pub span: Span,
    /// Every column the reference could have meant, for "did you mean".
    pub existing: Vec<String>,
    /// The relation the qualifier named, if any.
    pub qualifier: Option<String>,
}

/// What a table name in FROM resolves to, supplied by the caller.
pub trait Resolve {
    /// The columns of an upstream relation read by name, or None when the name is not one of
    /// the model's upstream relations (a hard-coded name).
    fn relation(&self, name: &ObjectName) -> Option<Shape>;
}

/// A relation read in FROM that is neither a CTE nor an upstream relation.
#[derive(Debug, Clone)]
pub struct Unresolved {
    pub name: String,
    pub span: Span,
}

pub struct Analyzer<'r> {
    pub(super) resolve: &'r dyn Resolve,
    pub issues: Vec<Issue>,
    pub unresolved: Vec<Unresolved>,
    /// How many queries and nested joins enclose the one being read.
    depth: usize,
    /// Why the SQL nests deeper than the analysis reads (then nothing is reported).
    too_deep: Option<&'static str>,
}

/// How deeply queries (subqueries, CTEs, parenthesized set operations) and parenthesized joins
/// may nest before the analysis gives up on a model: each level is a few nested calls, and a
/// worker thread's stack is small.
const MAX_DEPTH: usize = 128;

fn ident_name(i: &Ident) -> String {
    i.value.clone()
}

/// A column name as the analysis shares it.
fn col_name(i: &Ident) -> Arc<str> {
    Arc::from(i.value.as_str())
}

/// The last part of a table name, as a default alias.
pub(super) fn last_part(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(ident_name)
        .unwrap_or_default()
}

fn apply_alias(mut shape: Shape, alias: Option<&TableAlias>) -> Shape {
    if let Some(a) = alias
        && !a.columns.is_empty()
    {
        for (i, c) in a.columns.iter().enumerate() {
            match shape.cols.get_mut(i) {
                Some(col) => col.name = col_name(&c.name),
                None => shape.cols.push(Col {
                    name: col_name(&c.name),
                    from: Refs::new(),
                }),
            }
        }
        // Columns past the aliased ones keep their names; with an unknown shape the aliases are
        // the only names known.
        if !shape.complete {
            shape.passthrough = None;
        }
    }
    shape
}

impl<'r> Analyzer<'r> {
    pub fn new(resolve: &'r dyn Resolve) -> Analyzer<'r> {
        Analyzer {
            resolve,
            issues: vec![],
            unresolved: vec![],
            depth: 0,
            too_deep: None,
        }
    }

    /// The output columns of a query (the model's SELECT). SQL nested deeper than the analysis
    /// reads is not analysed: no issue, no hard-coded relation, unknown columns (the warehouse
    /// has the last word).
    pub fn analyze(&mut self, q: &Query) -> Shape {
        let shape = self.query(q, &vec![], None);
        match self.too_deep {
            None => shape,
            Some(what) => {
                tracing::debug!("SQL not analysed: {what} nests more than {MAX_DEPTH} levels deep");
                self.issues.clear();
                self.unresolved.clear();
                Shape::unknown()
            }
        }
    }

    /// Note that the SQL nests deeper than the analysis reads.
    pub(super) fn too_deep(&mut self, what: &'static str) {
        self.too_deep.get_or_insert(what);
    }

    /// Enter one more level of nesting: false (and nothing to read) past `MAX_DEPTH`, else
    /// `leave` when done.
    fn enter(&mut self, what: &'static str) -> bool {
        if self.depth >= MAX_DEPTH || self.too_deep.is_some() {
            self.too_deep(what);
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    pub(super) fn query(&mut self, q: &Query, ctes: &Ctes, outer: Option<&Scope>) -> Shape {
        if !self.enter("a query") {
            return Shape::unknown();
        }
        let shape = self.query_inner(q, ctes, outer);
        self.leave();
        shape
    }

    fn query_inner(&mut self, q: &Query, ctes: &Ctes, outer: Option<&Scope>) -> Shape {
        // Only a query with its own WITH needs a new list of visible CTEs.
        let with_ctes;
        let env: &Ctes = match &q.with {
            None => ctes,
            Some(with) => {
                with_ctes = self.ctes(with, ctes, outer);
                &with_ctes
            }
        };
        let order: Vec<&Expr> = match q.order_by.as_ref().map(|o| &o.kind) {
            Some(OrderByKind::Expressions(list)) => list.iter().map(|o| &o.expr).collect(),
            _ => vec![],
        };
        match q.body.as_ref() {
            SetExpr::Select(s) => self.select(s, env, outer, &order),
            other => {
                let shape = self.set_expr(other, env, outer);
                // ORDER BY over a union names output columns (or positions).
                let mut scope = Scope::new(outer, env);
                scope.sources.push(Source::new(String::new(), shape.clone()));
                for e in order {
                    self.expr(e, &scope, true);
                }
                shape
            }
        }
    }

    /// The CTEs visible in a query's body: the enclosing ones and its own, in order.
    fn ctes(&mut self, with: &sqlparser::ast::With, outer_ctes: &Ctes, outer: Option<&Scope>) -> Ctes {
        let mut env = outer_ctes.clone();
        for cte in &with.cte_tables {
            let name = ident_name(&cte.alias.name);
            if with.recursive {
                // The recursive part reads the CTE itself: unknown columns while it is analysed.
                env.push((name.clone(), Shape::unknown()));
            }
            let shape = self.query(&cte.query, &env, outer);
            let shape = apply_alias(shape, Some(&cte.alias));
            if with.recursive {
                env.pop();
            }
            env.push((name, shape));
        }
        env
    }

    fn set_expr(&mut self, body: &SetExpr, env: &Ctes, outer: Option<&Scope>) -> Shape {
        // `a union all b union all c ...` is as deep as it is long, leaning left: read down its
        // left side without nesting calls, then each branch left to right.
        let mut rights = vec![];
        let mut leftmost = body;
        while let SetExpr::SetOperation {
            left,
            right,
            set_quantifier,
            ..
        } = leftmost
        {
            rights.push((right.as_ref(), set_quantifier));
            leftmost = left;
        }
        let mut shape = self.set_branch(leftmost, env, outer);
        for (right, set_quantifier) in rights.into_iter().rev() {
            // A set operation on the right (`a union b intersect c`) nests.
            let r = if matches!(right, SetExpr::SetOperation { .. }) {
                if !self.enter("a set operation") {
                    return Shape::unknown();
                }
                let r = self.set_expr(right, env, outer);
                self.leave();
                r
            } else {
                self.set_branch(right, env, outer)
            };
            let by_name = matches!(
                set_quantifier,
                SetQuantifier::ByName | SetQuantifier::AllByName | SetQuantifier::DistinctByName
            );
            shape = merge_set(shape, r, by_name);
        }
        shape
    }

    /// One branch of a set operation (not itself a set operation).
    fn set_branch(&mut self, body: &SetExpr, env: &Ctes, outer: Option<&Scope>) -> Shape {
        match body {
            SetExpr::Select(s) => self.select(s, env, outer, &[]),
            SetExpr::Query(q) => self.query(q, env, outer),
            SetExpr::SetOperation { .. } => self.set_expr(body, env, outer),
            SetExpr::Values(v) => {
                let scope = Scope::new(outer, env);
                for row in &v.rows {
                    for e in &row.content {
                        self.expr(e, &scope, true);
                    }
                }
                Shape::unknown()
            }
            _ => Shape::unknown(),
        }
    }

    fn factor(&mut self, f: &TableFactor, env: &Ctes, scope: &mut Scope) {
        if !self.enter("a table in FROM") {
            scope.opaque = true;
            return;
        }
        self.factor_inner(f, env, scope);
        self.leave();
    }

    fn factor_inner(&mut self, f: &TableFactor, env: &Ctes, scope: &mut Scope) {
        match f {
            TableFactor::Table { name, alias, args, .. } => {
                self.table(name, alias.as_ref(), args.is_some(), env, scope)
            }
            TableFactor::Derived { subquery, alias, .. } => self.derived(subquery, alias.as_ref(), env, scope),
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => self.nested_join(table_with_joins, alias.as_ref(), env, scope),
            other => self.unmodelled_factor(other, env, scope),
        }
    }

    /// A relation read by name: a CTE, an upstream relation, a file, or a hard-coded name.
    fn table(&mut self, name: &ObjectName, alias: Option<&TableAlias>, args: bool, env: &Ctes, scope: &mut Scope) {
        let last = last_part(name);
        let alias_name = alias.map(|a| ident_name(&a.name)).unwrap_or_else(|| last.clone());
        let shape = if args {
            // A table function written like a table (read_parquet('...')).
            scope.opaque = true;
            Shape::unknown()
        } else if name.0.len() == 1
            && let Some((_, s)) = env.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(&last))
        {
            s.clone()
        } else if let Some(s) = self.resolve.relation(name) {
            s
        } else if is_file_path(name) {
            // DuckDB reads files named like tables: `from 'data/events.parquet'`.
            scope.opaque = true;
            Shape::unknown()
        } else {
            self.unresolved.push(Unresolved {
                name: name.to_string(),
                span: name
                    .0
                    .first()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.span)
                    .unwrap_or(Span::empty()),
            });
            Shape::unknown()
        };
        scope.sources.push(Source::new(alias_name, apply_alias(shape, alias)));
    }

    /// A subquery in FROM. LATERAL, and DuckDB's implicit lateral: the subquery may read what
    /// precedes it.
    fn derived(&mut self, subquery: &Query, alias: Option<&TableAlias>, env: &Ctes, scope: &mut Scope) {
        let view = Scope {
            sources: scope.sources.clone(),
            aliases: vec![],
            alias_index: NameIndex::default(),
            opaque: scope.opaque,
            parent: scope.parent,
            ctes: env,
        };
        let shape = self.query(subquery, env, Some(&view));
        scope.sources.push(Source::new(
            alias.map(|a| ident_name(&a.name)).unwrap_or_default(),
            apply_alias(shape, alias),
        ));
    }

    /// A parenthesized join: one source under its alias, else each of its sources.
    fn nested_join(&mut self, twj: &TableWithJoins, alias: Option<&TableAlias>, env: &Ctes, scope: &mut Scope) {
        let mut inner = Scope::new(scope.parent, env);
        self.factor(&twj.relation, env, &mut inner);
        for j in &twj.joins {
            self.factor(&j.relation, env, &mut inner);
        }
        if inner.opaque {
            scope.opaque = true;
        }
        for j in &twj.joins {
            if let Some(e) = join_on(&j.join_operator) {
                self.expr(e, &inner, true);
            }
        }
        match alias {
            Some(a) => {
                let mut shape = Shape {
                    cols: vec![],
                    complete: inner.complete(),
                    passthrough: None,
                };
                for s in inner.sources {
                    shape.cols.extend(s.shape.cols);
                }
                scope
                    .sources
                    .push(Source::new(ident_name(&a.name), apply_alias(shape, Some(a))));
            }
            None => scope.sources.extend(inner.sources),
        }
    }

    /// Table functions, UNNEST, FLATTEN, PIVOT, MATCH_RECOGNIZE, ...: their columns are not
    /// modelled. Lineage of what they read is still collected where it is simple.
    fn unmodelled_factor(&mut self, f: &TableFactor, env: &Ctes, scope: &mut Scope) {
        scope.opaque = true;
        let alias = match f {
            TableFactor::Function { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::UNNEST { alias, .. }
            | TableFactor::Pivot { alias, .. }
            | TableFactor::Unpivot { alias, .. }
            | TableFactor::MatchRecognize { alias, .. } => alias.as_ref().map(|a| ident_name(&a.name)),
            _ => None,
        };
        if let TableFactor::Pivot { table, .. }
        | TableFactor::Unpivot { table, .. }
        | TableFactor::MatchRecognize { table, .. } = f
        {
            let mut inner = Scope::new(scope.parent, env);
            self.factor(table, env, &mut inner);
        }
        scope
            .sources
            .push(Source::new(alias.unwrap_or_default(), Shape::unknown()));
    }

    fn select(&mut self, s: &Select, env: &Ctes, outer: Option<&Scope>, order: &[&Expr]) -> Shape {
        let mut scope = self.read_from(s, env, outer);
        // Aliases first, so that any item, WHERE, GROUP BY or QUALIFY can use one (both dialects
        // allow it); their lineage is filled in as the items are read.
        let alias_at = declare_aliases(s, &mut scope);
        let mut out = Shape {
            cols: vec![],
            complete: true,
            passthrough: None,
        };
        for item in &s.projection {
            self.select_item(item, &mut scope, &alias_at, &mut out);
        }
        self.clauses(s, &scope, order);
        if s.exclude.is_some() {
            out.complete = false;
            out.passthrough = None;
        }
        out
    }

    /// The scope a select's FROM makes, with its join conditions read.
    fn read_from<'p>(&mut self, s: &Select, env: &'p Ctes, outer: Option<&'p Scope<'p>>) -> Scope<'p> {
        let mut scope = Scope::new(outer, env);
        for twj in &s.from {
            self.factor(&twj.relation, env, &mut scope);
            for j in &twj.joins {
                self.factor(&j.relation, env, &mut scope);
            }
        }
        // LATERAL VIEW, SELECT INTO and CONNECT BY (with its LEVEL pseudo-column) are not modelled.
        if !s.lateral_views.is_empty() || s.into.is_some() || !s.connect_by.is_empty() {
            scope.opaque = true;
        }
        for twj in &s.from {
            for j in &twj.joins {
                if let Some(e) = join_on(&j.join_operator) {
                    self.expr(e, &scope, true);
                }
            }
        }
        scope
    }

    /// One item of the select list: its output columns appended to `out`, and an alias's
    /// lineage filled in.
    fn select_item(
        &mut self,
        item: &SelectItem,
        scope: &mut Scope,
        alias_at: &FastMap<Arc<str>, usize>,
        out: &mut Shape,
    ) {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let from = self.expr(e, scope, true);
                match output_name(e) {
                    Some(name) => out.cols.push(Col { name, from }),
                    None => {
                        // The warehouse names it after the expression text: not a name to
                        // rely on. Kept nameless so that union branches still line up.
                        out.complete = false;
                        out.cols.push(Col {
                            name: Arc::from(""),
                            from,
                        });
                    }
                }
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                let from = self.expr(expr, scope, true);
                let col = Col {
                    name: col_name(alias),
                    from,
                };
                if let Some(a) = alias_at.get(&col.name).and_then(|&i| scope.aliases.get_mut(i)) {
                    a.from = col.from.clone();
                }
                out.cols.push(col);
            }
            SelectItem::ExprWithAliases { expr, aliases } => {
                let from = self.expr(expr, scope, true);
                for a in aliases {
                    out.cols.push(Col {
                        name: col_name(a),
                        from: from.clone(),
                    });
                }
            }
            SelectItem::Wildcard(opts) => append_star(out, wildcard(star(scope), opts, self, scope)),
            SelectItem::QualifiedWildcard(kind, opts) => {
                let shape = match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => scope
                        .source(&last_part(name))
                        .map(|s| s.shape.clone())
                        .unwrap_or_default(),
                    SelectItemQualifiedWildcardKind::Expr(e) => {
                        self.expr(e, scope, false);
                        Shape::unknown()
                    }
                };
                append_star(out, wildcard(shape, opts, self, scope));
            }
        }
    }

    /// The clauses after the select list: WHERE, PREWHERE, GROUP BY, HAVING, QUALIFY, named
    /// windows and the query's ORDER BY.
    fn clauses(&mut self, s: &Select, scope: &Scope, order: &[&Expr]) {
        if let Some(e) = &s.selection {
            self.expr(e, scope, true);
        }
        if let Some(e) = &s.prewhere {
            self.expr(e, scope, true);
        }
        if let GroupByExpr::Expressions(list, _) = &s.group_by {
            for e in list {
                self.expr(e, scope, true);
            }
        }
        if let Some(e) = &s.having {
            self.expr(e, scope, true);
        }
        if let Some(e) = &s.qualify {
            self.expr(e, scope, true);
        }
        for w in &s.named_window {
            if let NamedWindowExpr::WindowSpec(spec) = &w.1 {
                for e in &spec.partition_by {
                    self.expr(e, scope, true);
                }
                for o in &spec.order_by {
                    self.expr(&o.expr, scope, true);
                }
            }
        }
        for e in order {
            self.expr(e, scope, true);
        }
    }
}

/// The name the warehouse gives an unaliased select item, when it is a plain column.
fn output_name(e: &Expr) -> Option<Arc<str>> {
    match e {
        Expr::Identifier(i) => Some(col_name(i)),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => parts.last().map(col_name),
        _ => None,
    }
}

/// The columns a bare `*` expands to: every source's, a name a join USING shares shown once.
fn star(scope: &Scope) -> Shape {
    let mut shape = Shape {
        cols: vec![],
        complete: scope.complete(),
        passthrough: None,
    };
    let open: Vec<&Source> = scope.sources.iter().filter(|s| !s.shape.complete).collect();
    if let [one] = open.as_slice() {
        shape.passthrough = one.shape.passthrough.clone();
    }
    let mut seen: HashSet<String> = HashSet::new();
    for src in &scope.sources {
        for c in &src.shape.cols {
            if c.name.is_empty() || seen.insert(c.name.to_ascii_lowercase()) {
                shape.cols.push(c.clone());
            }
        }
    }
    shape
}

/// Each select-list alias's first place in `scope.aliases`, where all are declared with no
/// lineage yet.
fn declare_aliases(s: &Select, scope: &mut Scope) -> FastMap<Arc<str>, usize> {
    let mut alias_at: FastMap<Arc<str>, usize> = FastMap::default();
    for item in &s.projection {
        if let SelectItem::ExprWithAlias { alias, .. } = item {
            let name = col_name(alias);
            alias_at.entry(name.clone()).or_insert(scope.aliases.len());
            scope.aliases.push(Col {
                name,
                from: Refs::new(),
            });
        }
    }
    alias_at
}

/// Apply `* EXCLUDE/EXCEPT/REPLACE/RENAME` to the columns a star expands to.
fn wildcard(mut shape: Shape, opts: &WildcardAdditionalOptions, an: &mut Analyzer, scope: &Scope) -> Shape {
    let mut drop: Vec<String> = vec![];
    if let Some(ex) = &opts.opt_exclude {
        match ex {
            sqlparser::ast::ExcludeSelectItem::Single(n) => drop.push(last_part(n)),
            sqlparser::ast::ExcludeSelectItem::Multiple(list) => drop.extend(list.iter().map(last_part)),
        }
    }
    if let Some(ex) = &opts.opt_except {
        drop.push(ident_name(&ex.first_element));
        drop.extend(ex.additional_elements.iter().map(ident_name));
    }
    shape
        .cols
        .retain(|c| !drop.iter().any(|d| d.eq_ignore_ascii_case(&c.name)));
    if let Some(rep) = &opts.opt_replace {
        for item in &rep.items {
            let from = an.expr(&item.expr, scope, true);
            if let Some(c) = shape
                .cols
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(&item.column_name.value))
            {
                c.from = from;
            }
        }
    }
    if let Some(ren) = &opts.opt_rename {
        let pairs: Vec<&sqlparser::ast::IdentWithAlias> = match ren {
            sqlparser::ast::RenameSelectItem::Single(p) => vec![p],
            sqlparser::ast::RenameSelectItem::Multiple(v) => v.iter().collect(),
        };
        for p in pairs {
            if let Some(c) = shape
                .cols
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(&p.ident.value))
            {
                c.name = col_name(&p.alias);
            }
        }
    }
    if opts.opt_ilike.is_some() || opts.opt_alias.is_some() {
        shape.complete = false;
        shape.passthrough = None;
    }
    shape
}

fn append_star(out: &mut Shape, shape: Shape) {
    if !shape.complete {
        out.complete = false;
        out.passthrough = shape.passthrough.clone();
    }
    out.cols.extend(shape.cols);
}

fn merge_set(mut l: Shape, r: Shape, by_name: bool) -> Shape {
    if by_name {
        // Each name's first column in `l`.
        let mut at: FastMap<String, usize> = FastMap::default();
        for (i, x) in l.cols.iter().enumerate() {
            at.entry(x.name.to_ascii_lowercase()).or_insert(i);
        }
        for c in r.cols {
            match at
                .get(c.name.to_ascii_lowercase().as_str())
                .and_then(|&i| l.cols.get_mut(i))
            {
                Some(x) => x.from.extend(c.from),
                None => {
                    at.insert(c.name.to_ascii_lowercase(), l.cols.len());
                    l.cols.push(c);
                }
            }
        }
    } else {
        if l.cols.len() != r.cols.len() {
            l.complete = false;
        }
        for (x, c) in l.cols.iter_mut().zip(r.cols) {
            x.from.extend(c.from);
        }
    }
    l.complete = l.complete && r.complete;
    l.passthrough = None;
    l
}

/// A quoted file name used as a table (`'data/x.parquet'`, `"s3://bucket/*.csv"`), or a
/// Snowflake stage (`@stage/path`).
fn is_file_path(name: &ObjectName) -> bool {
    name.0.iter().filter_map(|p| p.as_ident()).any(|i| {
        let v = i.value.to_ascii_lowercase();
        v.contains('/')
            || v.starts_with('@')
            || [".csv", ".parquet", ".json", ".jsonl", ".ndjson", ".tsv", ".gz", ".zst"]
                .iter()
                .any(|ext| v.ends_with(ext))
    })
}
