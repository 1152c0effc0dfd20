//! Column-level lineage across the project: for a column, the tree of upstream columns it
//! derives from (up to sources and seeds), or the tree of columns that derive from it.

use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

use crate::manifest::Manifest;
use crate::sql::NodeLineage;
use crate::sql::columns::ColRef;
use crate::sql::refs::{Ref, Refs};

#[derive(Debug, Clone, Serialize)]
pub struct Tree {
    /// The unique id of the model, seed, snapshot or source.
    pub node: String,
    /// `model`, `seed`, `snapshot` or `source`.
    pub kind: String,
    /// How a user names it: `dim_users`, `braze.email_event`.
    pub name: String,
    pub column: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Tree>,
    /// Whether some of this column's children were left out (the tree reached `MAX_DEPTH`
    /// levels or `MAX_COLUMNS` columns).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Lineage of every analysed node, by unique id.
pub struct Graph<'a> {
    manifest: &'a Manifest,
    lineage: HashMap<String, &'a NodeLineage>,
    /// (node, column in lower case) -> the (node, column)s that derive from it.
    children: HashMap<ColRef, BTreeSet<ColRef>>,
}

impl<'a> Graph<'a> {
    pub fn new(manifest: &'a Manifest, by_index: &'a HashMap<usize, NodeLineage>) -> Graph<'a> {
        let mut lineage = HashMap::new();
        let mut children: HashMap<ColRef, BTreeSet<ColRef>> = HashMap::new();
        for (&i, l) in by_index {
            let Some(node) = manifest.nodes.get(i) else { continue };
            lineage.insert(node.unique_id.clone(), l);
            for col in l.iter() {
                for f in &col.from {
                    let key = ColRef {
                        node: f.node.to_string(),
                        column: f.column.to_ascii_lowercase(),
                    };
                    children.entry(key).or_default().insert(ColRef {
                        node: node.unique_id.clone(),
                        column: col.name.to_string(),
                    });
                }
            }
        }
        Graph {
            manifest,
            lineage,
            children,
        }
    }

    /// `(kind, display name)` of a unique id.
    pub fn describe(&self, id: &str) -> (String, String) {
        if let Some(n) = self.manifest.node(id) {
            return (n.resource_type.as_str().to_string(), n.name.clone());
        }
        if let Some(s) = self.manifest.source_by_id(id) {
            return ("source".to_string(), format!("{}.{}", s.source_name, s.name));
        }
        ("unknown".to_string(), id.to_string())
    }

    /// The output columns of a node, when its SQL was analysed.
    pub fn columns(&self, id: &str) -> Option<Vec<String>> {
        self.lineage
            .get(id)
            .map(|l| l.iter().map(|c| c.name.to_string()).collect())
    }

    fn leaf(&self, r: &ColRef) -> Tree {
        let (kind, name) = self.describe(&r.node);
        Tree {
            node: r.node.clone(),
            kind,
            name,
            column: r.column.clone(),
            children: vec![],
            truncated: false,
        }
    }

    /// The columns `r` derives from, recursively.
    pub fn upstream(&self, r: &ColRef) -> Tree {
        self.tree(r, |r| {
            self.lineage
                .get(&r.node)
                .and_then(|l| l.iter().find(|c| c.name.eq_ignore_ascii_case(&r.column)))
                .map(|col| col.from.iter().map(|f| f.to_col_ref()).collect())
                .unwrap_or_default()
        })
    }

    /// The columns that derive from `r`, recursively.
    pub fn downstream(&self, r: &ColRef) -> Tree {
        self.tree(r, |r| {
            let key = ColRef {
                node: r.node.clone(),
                column: r.column.to_ascii_lowercase(),
            };
            self.children
                .get(&key)
                .map(|kids| kids.iter().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// The tree from `root` along `next`, walked with a stack of its own (a chain of models
    /// as long as the project's never deepens the call stack). A column met again on its own
    /// path is a leaf; past `MAX_DEPTH` levels or `MAX_COLUMNS` columns the column whose
    /// children were left out is marked `truncated`.
    fn tree(&self, root: &ColRef, next: impl Fn(&ColRef) -> Vec<ColRef>) -> Tree {
        struct Frame {
            tree: Tree,
            key: ColRef,
            pending: std::vec::IntoIter<ColRef>,
        }
        let mut path: BTreeSet<ColRef> = BTreeSet::from([root.clone()]);
        let mut count = 1usize;
        let mut stack = vec![Frame {
            tree: self.leaf(root),
            key: root.clone(),
            pending: next(root).into_iter(),
        }];
        loop {
            let depth = stack.len();
            let Some(top) = stack.last_mut() else { break };
            match top.pending.next() {
                Some(_) if depth >= MAX_DEPTH || count >= MAX_COLUMNS => {
                    top.tree.truncated = true;
                    top.pending = Vec::new().into_iter();
                }
                Some(child) => {
                    count += 1;
                    let tree = self.leaf(&child);
                    if path.insert(child.clone()) {
                        let pending = next(&child).into_iter();
                        stack.push(Frame {
                            tree,
                            key: child,
                            pending,
                        });
                    } else {
                        top.tree.children.push(tree);
                    }
                }
                None => {
                    let Some(done) = stack.pop() else { break };
                    path.remove(&done.key);
                    match stack.last_mut() {
                        Some(parent) => parent.tree.children.push(done.tree),
                        None => return done.tree,
                    }
                }
            }
        }
        self.leaf(root)
    }
}

/// How many levels of columns a lineage tree goes down, and how many columns it holds at most
/// (a column read by two paths appears on both, so a project of diamonds could otherwise make
/// a tree of billions). Past either, the tree says where it was cut.
pub const MAX_DEPTH: usize = 256;
pub const MAX_COLUMNS: usize = 20_000;

/// The source columns and seed columns a tree ends in.
pub fn leaves(t: &Tree) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    fn walk(t: &Tree, out: &mut BTreeSet<String>) {
        if t.children.is_empty() {
            out.insert(format!("{}.{}", t.name, t.column));
        }
        for c in &t.children {
            walk(c, out);
        }
    }
    for c in &t.children {
        walk(c, &mut out);
    }
    out
}

/// A tree as indented text.
pub fn render(t: &Tree) -> String {
    let mut out = format!("{}.{} ({})\n", t.name, t.column, t.kind);
    // Recursion as deep as the tree, which `MAX_DEPTH` bounds.
    fn walk(t: &Tree, prefix: &str, out: &mut String) {
        for (i, c) in t.children.iter().enumerate() {
            let last = i + 1 == t.children.len() && !t.truncated;
            out.push_str(&format!(
                "{prefix}{}{}.{} ({})\n",
                if last { "└── " } else { "├── " },
                c.name,
                c.column,
                c.kind
            ));
            let next = format!("{prefix}{}", if last { "    " } else { "│   " });
            walk(c, &next, out);
        }
        if t.truncated {
            out.push_str(&format!(
                "{prefix}└── … (the tree stops here: it is cut at {MAX_DEPTH} levels or {MAX_COLUMNS} columns; \
                 trace this column by itself to see further)\n"
            ));
        }
    }
    walk(t, "", &mut out);
    out
}

/// A node's lineage for manifest.json, compact: `{column: {upstream_node: [column, ...]}}` in
/// output order (an empty object for a column made from constants only).
pub fn to_json(lineage: &NodeLineage) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut m = Map::new();
    for col in lineage.iter() {
        let mut by_node = Map::new();
        for r in &col.from {
            match by_node.get_mut(&*r.node) {
                Some(Value::Array(cols)) => cols.push(Value::String(r.column.to_string())),
                _ => {
                    by_node.insert(
                        r.node.to_string(),
                        Value::Array(vec![Value::String(r.column.to_string())]),
                    );
                }
            }
        }
        m.insert(col.name.to_string(), Value::Object(by_node));
    }
    Value::Object(m)
}

/// `to_json`'s document, serialized straight to a writer (manifest.json writes one per node).
pub struct LineageJson<'a>(pub &'a NodeLineage);

impl Serialize for LineageJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|c| (&*c.name, ByNode(&c.from))))
    }
}

struct ByNode<'a>(&'a Refs);

impl Serialize for ByNode<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The set is ordered by node, then column: each node's columns are adjacent.
        s.collect_map(
            self.0
                .as_slice()
                .chunk_by(|a, b| a.node == b.node)
                .map(|g| (&*g[0].node, Columns(g))),
        )
    }
}

struct Columns<'a>(&'a [Ref]);

impl Serialize for Columns<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|r| &*r.column))
    }
}
