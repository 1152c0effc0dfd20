//! The names visible while one SELECT is analysed: the relations in its FROM (by alias), its
//! output aliases, and the enclosing scopes a correlated subquery can reach.

use std::cell::OnceCell;
use std::collections::HashSet;

use crate::hash::FastMap;

use super::columns::{Col, Shape};
use super::names::pseudo_column;
use super::refs::Refs;

#[derive(Clone)]
pub(super) struct Source {
    pub(super) alias: String,
    pub(super) shape: Shape,
    /// Its columns by name (the shape does not change once in a scope).
    index: NameIndex,
}

impl Source {
    pub(super) fn new(alias: String, shape: Shape) -> Source {
        Source {
            alias,
            shape,
            index: NameIndex::default(),
        }
    }

    /// Its first column named `name` (ASCII case aside), as `Shape::find`.
    pub(super) fn find(&self, name: &str) -> Option<&Col> {
        self.index.find(&self.shape.cols, name)
    }
}

#[cfg(test)]
thread_local! {
    /// How many column names look-ups compared one by one on this thread (unit tests count
    /// them to show the work grows with the number of columns, not with its square).
    static COMPARED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The count of names compared one by one on this thread so far (unit tests).
#[cfg(test)]
pub(crate) fn names_compared() -> u64 {
    COMPARED.with(|n| n.get())
}

/// Lists shorter than this are searched one by one.
const INDEX_FROM: usize = 16;

/// A list of columns by lower-cased name (the first of each name, nameless ones left out),
/// built on the first look-up in a list long enough to need it: looking up each of N names
/// in N columns one by one takes N² steps.
#[derive(Clone, Default)]
pub(super) struct NameIndex(OnceCell<(usize, FastMap<String, usize>)>);

impl NameIndex {
    /// The first column of `cols` named `name`, ASCII case aside. `cols` is the same list at
    /// every call, or a longer one (then the index is not used).
    pub(super) fn find<'c>(&self, cols: &'c [Col], name: &str) -> Option<&'c Col> {
        let one_by_one = || {
            cols.iter().find(|c| {
                #[cfg(test)]
                COMPARED.with(|n| n.set(n.get() + 1));
                !c.name.is_empty() && c.name.eq_ignore_ascii_case(name)
            })
        };
        if cols.len() < INDEX_FROM {
            return one_by_one();
        }
        let (len, map) = self.0.get_or_init(|| {
            let mut map = FastMap::default();
            map.reserve(cols.len());
            for (i, c) in cols.iter().enumerate() {
                if !c.name.is_empty() {
                    map.entry(c.name.to_ascii_lowercase()).or_insert(i);
                }
            }
            (cols.len(), map)
        });
        if *len != cols.len() {
            return one_by_one();
        }
        map.get(name.to_ascii_lowercase().as_str()).and_then(|&i| cols.get(i))
    }
}

/// The names visible while analysing one SELECT.
pub(super) struct Scope<'p> {
    pub(super) sources: Vec<Source>,
    /// Output aliases of the select list, usable in WHERE/GROUP BY/QUALIFY/ORDER BY and later items.
    pub(super) aliases: Vec<Col>,
    /// `aliases` by name (they are all pushed before the first look-up that needs this).
    pub(super) alias_index: NameIndex,
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
            alias_index: NameIndex::default(),
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
        let mut seen: HashSet<String> = HashSet::new();
        for s in &self.sources {
            for n in s.shape.names() {
                if seen.insert(n.to_ascii_lowercase()) {
                    v.push(n);
                }
            }
        }
        v
    }

    /// An unqualified name, here or in an enclosing scope (a correlated subquery).
    pub(super) fn lookup(&self, name: &str) -> Found {
        let mut hits = self.sources.iter().filter_map(|s| s.find(name));
        if let Some(c) = hits.next() {
            return Found::Yes(c.from.clone());
        }
        if let Some(c) = self.alias_index.find(&self.aliases, name) {
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
        // The first relation called `q` that provably lacks the column: DuckDB then looks for
        // `q.name` in the enclosing scopes (a subquery may reuse an outer alias).
        let mut lacking: Option<(Found, Option<String>)> = None;
        while let Some(s) = scope {
            if let Some(src) = s.source(q) {
                match src.find(name) {
                    Some(c) => return (Found::Yes(c.from.clone()), None),
                    None if src.shape.complete && !s.opaque => {
                        lacking.get_or_insert_with(|| (Found::No(src.shape.names()), Some(src.alias.clone())));
                    }
                    None => return (Found::Maybe(src.shape.guess(name)), None),
                }
            }
            scope = s.parent;
        }
        if let Some(lacking) = lacking {
            return lacking;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_finds_what_a_search_one_by_one_finds() {
        // Names repeated in other cases, nameless columns, and names found in none.
        let names: Vec<String> = (0..200)
            .map(|i| match i % 7 {
                0 => String::new(),
                1 => format!("Col{}", i / 3),
                _ => format!("col{}", i / 3),
            })
            .collect();
        let cols: Vec<Col> = names
            .iter()
            .enumerate()
            .map(|(i, n)| Col {
                name: n.as_str().into(),
                from: Refs::one(super::super::refs::Ref {
                    node: "model.x".into(),
                    column: i.to_string().into(),
                }),
            })
            .collect();
        let index = NameIndex::default();
        for probe in ["", "col1", "COL1", "Col66", "col70", "nope", "col0"] {
            let slow = cols
                .iter()
                .find(|c| !c.name.is_empty() && c.name.eq_ignore_ascii_case(probe));
            let fast = index.find(&cols, probe);
            assert_eq!(slow.map(|c| c.from.clone()), fast.map(|c| c.from.clone()), "{probe}");
        }
    }
}
