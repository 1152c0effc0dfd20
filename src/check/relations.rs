//! Which relation a table name in compiled SQL is: an upstream model, seed, snapshot or source
//! (reached through ref/source), the model's own relation (`{{ this }}`), or a hard-coded name
//! that bypasses ref and source.

use std::path::Path;
use std::sync::Arc;

use sqlparser::ast::ObjectName;

use crate::error::{Error, Location};
use crate::hash::FastMap;
use crate::manifest::{Manifest, Materialization, Node, ResourceType};
use crate::relation::Relation;
use crate::sql::columns::{Resolve, Shape, Unresolved};

/// Every relation of the project, by its lower-cased dotted names (`schema.table` and
/// `database.schema.table`), to the unique id that builds or declares it.
pub struct Catalog<'m> {
    manifest: &'m Manifest,
    /// Several ids share a relation when a source is loaded by a seed.
    by_name: FastMap<String, Vec<&'m str>>,
    /// Whether any model is ephemeral (else a node reads exactly its direct dependencies).
    ephemerals: bool,
}

/// Call `f` with each lower-cased dotted name of a relation.
fn keys(r: &Relation, mut f: impl FnMut(String)) {
    let mut key = String::with_capacity(r.schema.len() + r.identifier.len() + 1);
    key.push_str(&r.schema);
    key.push('.');
    key.push_str(&r.identifier);
    key.make_ascii_lowercase();
    if let Some(db) = &r.database {
        let mut full = db.to_ascii_lowercase();
        full.push('.');
        full.push_str(&key);
        f(full);
    }
    f(key);
}

/// The lower-cased dotted key of a table name as written; None when it is not a plain name.
pub fn name_key(name: &ObjectName) -> Option<String> {
    let mut key = String::new();
    for (n, part) in name.0.iter().enumerate() {
        if n > 0 {
            key.push('.');
        }
        key.push_str(&part.as_ident()?.value);
    }
    key.make_ascii_lowercase();
    Some(key)
}

impl<'m> Catalog<'m> {
    pub fn new(manifest: &'m Manifest) -> Catalog<'m> {
        let mut by_name: FastMap<String, Vec<&'m str>> = FastMap::default();
        by_name.reserve(2 * manifest.nodes.len());
        let mut add = |r: &Relation, id: &'m str| keys(r, |k| by_name.entry(k).or_default().push(id));
        for n in &manifest.nodes {
            if let Some(r) = &n.relation
                && matches!(
                    n.resource_type,
                    ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
                )
            {
                add(r, &n.unique_id);
            }
        }
        for s in &manifest.sources {
            add(&s.relation, &s.unique_id);
        }
        Catalog {
            manifest,
            by_name,
            ephemerals: crate::compile::ephemeral::any(manifest),
        }
    }

    /// The ids a table name can mean (usually one).
    pub fn lookup(&self, name: &ObjectName) -> &[&'m str] {
        name_key(name)
            .and_then(|k| self.by_name.get(&k))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// How the project reaches a relation (`ref('x')`, `source('a', 'b')`).
    pub fn call_for(&self, unique_id: &str) -> Option<String> {
        if let Some(n) = self.manifest.node(unique_id) {
            return Some(format!("ref('{}')", n.name));
        }
        let s = self.manifest.source_by_id(unique_id)?;
        Some(format!("source('{}', '{}')", s.source_name, s.name))
    }
}

/// Resolves the table names of one node against its upstream shapes.
pub struct NodeResolver<'a> {
    pub manifest: &'a Manifest,
    pub catalog: &'a Catalog<'a>,
    pub node: &'a Node,
    pub shapes: &'a FastMap<&'a str, Shape>,
}

impl Resolve for NodeResolver<'_> {
    fn relation(&self, name: &ObjectName) -> Option<Shape> {
        let ids = self.catalog.lookup(name);
        if ids.contains(&self.node.unique_id.as_str()) {
            // `{{ this }}` in an incremental model: its own table, columns as built before.
            return Some(Shape::unknown());
        }
        // A source loaded by a seed is read as the source (sources are listed last).
        let id = ids.iter().rev().find(|id| match self.catalog.ephemerals {
            true => reads(self.manifest, self.node, id),
            false => self.node.depends_on.iter().any(|d| d == *id),
        })?;
        if let Some(shape) = self.shapes.get(id) {
            return Some(shape.clone());
        }
        // A model or snapshot not analysed (yet): its YAML columns, which may be incomplete.
        Some(match self.manifest.node(id) {
            Some(n) if matches!(n.resource_type, ResourceType::Model | ResourceType::Snapshot) => {
                Shape::of_relation(&Arc::from(*id), n.columns.keys().map(String::as_str), false)
            }
            _ => Shape {
                passthrough: Some((*id).into()),
                ..Shape::unknown()
            },
        })
    }
}

/// Whether `node` reads relation `id` through ref or source: one of its dependencies, or one of
/// an ephemeral dependency's, at any depth (an ephemeral model's SQL is part of the node's).
fn reads(manifest: &Manifest, node: &Node, id: &str) -> bool {
    node.depends_on.iter().any(|dep| {
        dep == id
            || manifest
                .node(dep)
                .is_some_and(|d| d.materialized() == Materialization::Ephemeral && reads(manifest, d, id))
    })
}

/// The columns of a seed: its CSV header (exact), split at the seed's `delimiter`.
pub fn seed_columns(root: &Path, node: &Node) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(root.join(&node.original_file_path)).ok()?;
    let first = text.trim_start_matches('\u{feff}').lines().next()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(node.settings.build().delimiter)
        .from_reader(first.as_bytes());
    let record = reader.records().next()?.ok()?;
    let cols: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
    if cols.is_empty() || cols.iter().any(String::is_empty) {
        return None;
    }
    Some(cols)
}

/// A hard-coded relation, as a warning (or an error with --strict) naming the model.
pub fn hard_coded(catalog: &Catalog<'_>, node: &Node, u: &Unresolved, strict: bool, file: &str) -> Error {
    let name = &u.name;
    let hint = sqlparser::ast::ObjectName::from(
        name.split('.')
            .map(|p| sqlparser::ast::Ident::new(p.trim_matches('"')))
            .collect::<Vec<_>>(),
    );
    let help = match catalog.lookup(&hint).first().and_then(|id| catalog.call_for(id)) {
        Some(call) => format!("this is the relation {{{{ {call} }}}} builds: write that instead"),
        None => "read project relations with {{ ref('...') }} and external tables with {{ source('...', '...') }} (declared in schema YAML), so that mozt knows the dependency".to_string(),
    };
    let message = format!(
        "model {} reads {name} directly, bypassing ref() and source()",
        node.name
    );
    let e = if strict {
        Error::project(message)
    } else {
        Error::runtime(message)
    };
    let e = e.help(help);
    let loc = Location::file(file);
    if u.span.start.line > 0 {
        e.at(Location::at(file, u.span.start.line as usize).with_column(u.span.start.column as usize))
    } else {
        e.at(loc)
    }
}
