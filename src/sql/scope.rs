//! The names visible while one SELECT is analysed: the relations in its FROM (by alias), its
//! output aliases, and the enclosing scopes a correlated subquery can reach.

use super::columns::{Col, Shape};
use super::names::pseudo_column;
use super::refs::Refs;

#[derive(Clone)]
pub(super) struct Source {
    pub(super) alias: String,
    pub(super) shape: Shape,
}

/// The names visible while analysing one SELECT.
pub(super) struct Scope<'p> {
    pub(super) sources: Vec<Source>,
    /// Output aliases of the select list, usable in WHERE/GROUP BY/QUALIFY/ORDER BY and later items.
    pub(super) aliases: Vec<Col>,
    /// Something in FROM could not be modelled: no reference here can be proven wrong.
    pub(super) opaque: bool,
    pub(super) parent: Option<&'p Scope<'p>>,
    /// The CTEs visible here (subqueries in expressions read them too).
    pub(super) ctes: &'p Ctes,
}

pub(super) type Ctes = Vec<(String, Shape)>;

pub(super) enum Found {
    Yes(Refs),
    Maybe(Refs),
    No(Vec<String>),
}

impl<'p> Scope<'p> {
    pub(super) fn new(parent: Option<&'p Scope<'p>>, ctes: &'p Ctes) -> Scope<'p> {
        Scope {
            sources: vec![],
            aliases: vec![],
            opaque: false,
            parent,
            ctes,
        }
    }

    pub(super) fn complete(&self) -> bool {
        !self.opaque && self.sources.iter().all(|s| s.shape.complete)
    }

    pub(super) fn source(&self, alias: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.alias.eq_ignore_ascii_case(alias))
    }

    pub(super) fn all_names(&self) -> Vec<String> {
        let mut v: Vec<String> = vec![];
        for s in &self.sources {
            for n in s.shape.names() {
                if !v.iter().any(|x| x.eq_ignore_ascii_case(&n)) {
                    v.push(n);
                }
            }
        }
        v
    }

    /// An unqualified name, here or in an enclosing scope (a correlated subquery).
    pub(super) fn lookup(&self, name: &str) -> Found {
        let mut hits = self.sources.iter().filter_map(|s| s.shape.find(name));
        if let Some(c) = hits.next() {
            return Found::Yes(c.from.clone());
        }
        if let Some(c) = self.aliases.iter().find(|c| c.name.eq_ignore_ascii_case(name)) {
            return Found::Yes(c.from.clone());
        }
        // A bare table alias names the whole row (DuckDB), and pseudo-columns always exist.
        if self.source(name).is_some() || pseudo_column(name) {
            return Found::Yes(Refs::new());
        }
        if !self.complete() {
            let open: Vec<&Source> = self.sources.iter().filter(|s| !s.shape.complete).collect();
            let guess = match open.as_slice() {
                [one] => one.shape.guess(name),
                _ => Refs::new(),
            };
            return Found::Maybe(guess);
        }
        match self.parent {
            Some(p) => match p.lookup(name) {
                Found::No(_) => Found::No(self.all_names()),
                other => other,
            },
            None => Found::No(self.all_names()),
        }
    }

    /// `q.name`: a column of the relation aliased `q`, here or in an enclosing scope; or, when
    /// no relation is called `q`, a field of a column `q` (a struct).
    pub(super) fn lookup_qualified(&self, q: &str, name: &str) -> (Found, Option<String>) {
        let mut scope = Some(self);
        while let Some(s) = scope {
            if let Some(src) = s.source(q) {
                return match src.shape.find(name) {
                    Some(c) => (Found::Yes(c.from.clone()), None),
                    None if src.shape.complete && !s.opaque => (Found::No(src.shape.names()), Some(src.alias.clone())),
                    None => (Found::Maybe(src.shape.guess(name)), None),
                };
            }
            scope = s.parent;
        }
        match self.lookup(q) {
            Found::Yes(from) => (Found::Yes(from), None),
            Found::Maybe(from) => (Found::Maybe(from), None),
            // Neither a relation nor a column: a schema-qualified name or something this
            // module does not model. Stay silent.
            Found::No(_) => (Found::Maybe(Refs::new()), None),
        }
    }
}
