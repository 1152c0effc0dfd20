//! Which relation a table name in compiled SQL is: an upstream model, seed, snapshot or source
//! (reached through ref/source), the model's own relation (`{{ this }}`), or a hard-coded name
//! that bypasses ref and source.

use std::collections::HashMap;
use std::path::Path;

use sqlparser::ast::ObjectName;

use super::columns::{Resolve, Shape, Unresolved};
use crate::error::{Error, Location};
use crate::manifest::{Manifest, Node, ResourceType};
use crate::relation::Relation;

/// Every relation of the project, by its lower-cased dotted names (`schema.table` and
/// `database.schema.table`), to the unique id that builds or declares it.
pub struct Catalog {
    /// Several ids share a relation when a source is loaded by a seed.
    by_name: HashMap<String, Vec<String>>,
    names: HashMap<String, String>,
    /// Whether any model is ephemeral (else a node reads exactly its direct dependencies).
    ephemerals: bool,
}

fn keys(r: &Relation) -> Vec<String> {
    let s = r.schema.to_ascii_lowercase();
    let i = r.identifier.to_ascii_lowercase();
    let mut v = vec![format!("{s}.{i}")];
    if let Some(db) = &r.database {
        v.push(format!("{}.{s}.{i}", db.to_ascii_lowercase()));
    }
    v
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

impl Catalog {
    pub fn new(manifest: &Manifest) -> Catalog {
        let mut by_name = HashMap::new();
        let mut names = HashMap::new();
        for n in &manifest.nodes {
            if let Some(r) = &n.relation
                && matches!(
                    n.resource_type,
                    ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
                )
            {
                for k in keys(r) {
                    by_name.entry(k).or_insert_with(Vec::new).push(n.unique_id.clone());
                }
                names.insert(n.unique_id.clone(), format!("ref('{}')", n.name));
            }
        }
        for s in &manifest.sources {
            for k in keys(&s.relation) {
                by_name.entry(k).or_insert_with(Vec::new).push(s.unique_id.clone());
            }
            names.insert(
                s.unique_id.clone(),
                format!("source('{}', '{}')", s.source_name, s.name),
            );
        }
        let ephemerals = crate::compile::ephemeral::any(manifest);
        Catalog {
            by_name,
            names,
            ephemerals,
        }
    }

    /// The ids a table name can mean (usually one).
    pub fn lookup(&self, name: &ObjectName) -> &[String] {
        name_key(name)
            .and_then(|k| self.by_name.get(&k))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// How the project reaches a relation (`ref('x')`, `source('a', 'b')`).
    pub fn call_for(&self, unique_id: &str) -> Option<&str> {
        self.names.get(unique_id).map(String::as_str)
    }
}

/// Resolves the table names of one node against its upstream shapes.
pub struct NodeResolver<'a> {
    pub manifest: &'a Manifest,
    pub catalog: &'a Catalog,
    pub node: &'a Node,
    pub shapes: &'a HashMap<&'a str, Shape>,
}

impl Resolve for NodeResolver<'_> {
    fn relation(&self, name: &ObjectName) -> Option<Shape> {
        let ids = self.catalog.lookup(name);
        if ids.contains(&self.node.unique_id) {
            // `{{ this }}` in an incremental model: its own table, columns as built before.
            return Some(Shape::unknown());
        }
        // A source loaded by a seed is read as the source (sources are listed last).
        let id = ids.iter().rev().find(|id| match self.catalog.ephemerals {
            true => reads(self.manifest, self.node, id),
            false => self.node.depends_on.contains(id),
        })?;
        Some(self.shapes.get(id.as_str()).cloned().unwrap_or_else(|| Shape {
            passthrough: Some(id.as_str().into()),
            ..Shape::unknown()
        }))
    }
}

/// Whether `node` reads relation `id` through ref or source: one of its dependencies, or one of
/// an ephemeral dependency's, at any depth (an ephemeral model's SQL is part of the node's).
fn reads(manifest: &Manifest, node: &Node, id: &str) -> bool {
    node.depends_on.iter().any(|dep| {
        dep == id
            || manifest
                .node(dep)
                .is_some_and(|d| d.materialized() == "ephemeral" && reads(manifest, d, id))
    })
}

/// The columns of a seed: its CSV header (exact).
pub fn seed_columns(root: &Path, node: &Node) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(root.join(&node.original_file_path)).ok()?;
    let first = text.trim_start_matches('\u{feff}').lines().next()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(first.as_bytes());
    let record = reader.records().next()?.ok()?;
    let cols: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
    if cols.is_empty() || cols.iter().any(String::is_empty) {
        return None;
    }
    Some(cols)
}

/// A hard-coded relation, as a warning (or an error with --strict) naming the model.
pub fn hard_coded(catalog: &Catalog, node: &Node, u: &Unresolved, strict: bool, file: &str) -> Error {
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
