//! target/manifest.json, written straight from the manifest: every node's entry is serialized
//! to bytes on the worker threads (borrowed fields, no `serde_json::Value` tree: at 10,000
//! models that tree took seconds and hundreds of MB), and the pieces go to the file in order.

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use crate::check::lineage::LineageJson;
use crate::compile::Compiled;
use crate::error::{Error, Result};
use crate::files::AtomicFile;
use crate::manifest::publish::Constraint;
use crate::manifest::{ColumnInfo, Node, ResourceType, SourceNode, TestInfo};
use crate::relation::Relation;
use crate::state::checksum::Checksums;

/// Entries serialized per task: enough to keep a task's overhead small.
const CHUNK: usize = 256;
/// Entries serialized, then written, at a time (a few MB).
const BATCH: usize = 8 * CHUNK;

/// A node's entry: the node's own fields in their declared order (`depends_on` as
/// `{"nodes": [...]}`), then what the command adds.
#[derive(Serialize)]
struct NodeEntry<'a> {
    unique_id: &'a str,
    name: &'a str,
    resource_type: ResourceType,
    package_name: &'a str,
    original_file_path: &'a Path,
    fqn: &'a [String],
    config: &'a Map<String, Value>,
    depends_on: DependsOn<'a>,
    relation: &'a Option<Relation>,
    description: &'a str,
    columns: &'a IndexMap<String, ColumnInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test: Option<&'a TestInfo>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    constraints: &'a [Constraint],
    checksums: &'a Checksums,
    raw_code: &'a str,
    relation_name: Option<String>,
    compiled_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    columns_lineage: Option<LineageJson<'a>>,
}

#[derive(Serialize)]
struct DependsOn<'a> {
    nodes: &'a [String],
}

impl<'a> NodeEntry<'a> {
    fn new(n: &'a Node, checksums: &'a Checksums, compiled: Option<&'a Compiled>) -> NodeEntry<'a> {
        NodeEntry {
            unique_id: &n.unique_id,
            name: &n.name,
            resource_type: n.resource_type,
            package_name: &n.package_name,
            original_file_path: &n.original_file_path,
            fqn: &n.fqn,
            config: &n.config,
            depends_on: DependsOn { nodes: &n.depends_on },
            relation: &n.relation,
            description: &n.description,
            columns: &n.columns,
            test: n.test.as_ref(),
            constraints: &n.constraints,
            checksums,
            raw_code: &n.raw_code,
            relation_name: n.relation.as_ref().map(Relation::to_string),
            compiled_path: compiled.map(|c| crate::compile::display_path(&c.path)),
            columns_lineage: compiled.and_then(|c| c.lineage.as_ref()).map(LineageJson),
        }
    }
}

/// A source table's entry: its own fields, then the relation's name and its checksums.
#[derive(Serialize)]
struct SourceEntry<'a> {
    #[serde(flatten)]
    source: &'a SourceNode,
    relation_name: String,
    checksums: Checksums,
}

/// Write target/manifest.json: every node with its checksums (by node index) and, for the
/// compiled ones, their compiled path and column lineage.
pub(crate) fn write_manifest(
    ctx: &super::Context<'_>,
    checksums: &[Checksums],
    compiled: &HashMap<usize, Compiled>,
) -> Result<()> {
    let m = ctx.manifest;
    let started = Instant::now();
    #[cfg(debug_assertions)]
    check_node_fields(&m.nodes, checksums);
    let json_err = |e: serde_json::Error| Error::runtime(format!("cannot write manifest.json: {e}"));

    let path = ctx.dir.join("manifest.json");
    super::create_parent(&path)?;
    let io_err = |e: std::io::Error| write_err(&path, e);
    let mut out = AtomicFile::create(&path).map_err(io_err)?;

    let mut head = b"{\"metadata\":".to_vec();
    serde_json::to_writer(&mut head, &ctx.metadata()).map_err(json_err)?;
    head.extend_from_slice(b",\"nodes\":{");
    out.write(&[&head]).map_err(io_err)?;
    // child_map's index is built on the side while the workers write the nodes.
    let (written, parents) = rayon::join(
        || {
            stream_entries(&mut out, &path, &m.nodes, |buf, i, n| {
                key(buf, &n.unique_id)?;
                serde_json::to_writer(buf, &NodeEntry::new(n, &checksums[i], compiled.get(&i)))
            })
        },
        || children_by_parent(&m.nodes),
    );
    written?;
    out.write(&[b"},\"sources\":{"]).map_err(io_err)?;
    stream_entries(&mut out, &path, &m.sources, |buf, _, s| {
        key(buf, &s.unique_id)?;
        let entry = SourceEntry {
            source: s,
            relation_name: s.relation.to_string(),
            checksums: crate::state::checksum::of_source(s),
        };
        serde_json::to_writer(buf, &entry)
    })?;
    out.write(&[b"},\"parent_map\":{"]).map_err(io_err)?;
    stream_entries(&mut out, &path, &m.nodes, |buf, _, n| {
        key(buf, &n.unique_id)?;
        serde_json::to_writer(buf, &n.depends_on)
    })?;
    out.write(&[b"},\"child_map\":{"]).map_err(io_err)?;
    stream_entries(&mut out, &path, &parents, |buf, _, (parent, children)| {
        key(buf, parent)?;
        buf.push(b'[');
        for (j, &c) in children.iter().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            serde_json::to_writer(&mut *buf, &m.nodes[c].unique_id)?;
        }
        buf.push(b']');
        Ok(())
    })?;
    out.write(&[b"}}"]).map_err(io_err)?;
    let bytes = out.finish().map_err(io_err)?;
    tracing::debug!(
        "wrote manifest.json ({} nodes, {bytes} bytes) in {:?}",
        m.nodes.len(),
        started.elapsed()
    );
    Ok(())
}

fn write_err(path: &Path, e: std::io::Error) -> Error {
    Error::runtime(format!("cannot write {}: {e}", path.display()))
}

/// `"key":`
fn key(buf: &mut Vec<u8>, key: &str) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *buf, key)?;
    buf.push(b':');
    Ok(())
}

/// The members of a JSON object, one per item, comma-separated, written by `write(buf, index,
/// item)` on the workers a chunk at a time and appended to `out` in order. A batch of chunks is
/// written to the file while the next is serialized, into the buffers of the one before: the
/// file is never whole in memory, and its buffers stop growing after the first batches.
fn stream_entries<T: Sync>(
    out: &mut AtomicFile,
    path: &Path,
    items: &[T],
    write: impl Fn(&mut Vec<u8>, usize, &T) -> serde_json::Result<()> + Sync,
) -> Result<()> {
    let serialize = |first: usize, batch: &[T], bufs: &mut Vec<Vec<u8>>| -> serde_json::Result<()> {
        let chunks = batch.len().div_ceil(CHUNK);
        bufs.resize_with(chunks.max(bufs.len()), Vec::new);
        bufs.par_iter_mut()
            .zip(batch.par_chunks(CHUNK))
            .enumerate()
            .try_for_each(|(c, (buf, chunk))| {
                buf.clear();
                for (j, item) in chunk.iter().enumerate() {
                    let i = first + c * CHUNK + j;
                    if i > 0 {
                        buf.push(b',');
                    }
                    write(buf, i, item)?;
                }
                Ok(())
            })?;
        bufs.truncate(chunks);
        Ok(())
    };
    let write_out = |out: &mut AtomicFile, bufs: &[Vec<u8>]| {
        out.write(&bufs.iter().map(Vec::as_slice).collect::<Vec<_>>())
            .map_err(|e| write_err(path, e))
    };
    let mut ready: Vec<Vec<u8>> = vec![];
    let mut spare: Vec<Vec<u8>> = vec![];
    let mut first = 0;
    for batch in items.chunks(BATCH) {
        let (written, serialized) =
            rayon::join(|| write_out(&mut *out, &ready), || serialize(first, batch, &mut spare));
        written?;
        serialized.map_err(|e| write_err(path, e.into()))?;
        std::mem::swap(&mut ready, &mut spare);
        first += batch.len();
    }
    write_out(out, &ready)
}

/// Unique id -> the nodes that depend on it (child_map), in the order the nodes are listed;
/// parents in the order they are first named.
fn children_by_parent(nodes: &[Node]) -> Vec<(&str, Vec<usize>)> {
    let mut slot: crate::hash::FastMap<&str, usize> = Default::default();
    let mut parents: Vec<(&str, Vec<usize>)> = vec![];
    for (i, n) in nodes.iter().enumerate() {
        for d in &n.depends_on {
            let k = *slot.entry(d).or_insert_with(|| {
                parents.push((d, vec![]));
                parents.len() - 1
            });
            parents[k].1.push(i);
        }
    }
    parents
}

/// `NodeEntry` lists `Node`'s fields by hand: a field added to `Node` must be added there too
/// (or manifest.json silently loses it). Debug builds (the tests) check it on every write.
#[cfg(debug_assertions)]
fn check_node_fields(nodes: &[Node], checksums: &[Checksums]) {
    let keys = |v: Value| -> Vec<String> { v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default() };
    let first_test = nodes.iter().position(|n| n.test.is_some());
    for i in [Some(0), first_test].into_iter().flatten().filter(|&i| i < nodes.len()) {
        let own = keys(serde_json::to_value(&nodes[i]).unwrap_or_default());
        let entry = keys(serde_json::to_value(NodeEntry::new(&nodes[i], &checksums[i], None)).unwrap_or_default());
        assert_eq!(
            own,
            entry[..own.len().min(entry.len())],
            "the fields of Node and of NodeEntry (src/artifacts/manifest.rs) differ: add the new field to NodeEntry"
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::lineage::{LineageJson, to_json};
    use crate::sql::columns::Col;
    use crate::sql::refs::{Ref, Refs};

    /// Several batches (and a part batch), written while the next is serialized into the
    /// previous one's buffers, make the same object as serializing it whole.
    #[test]
    fn streamed_entries_make_the_whole_object_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        for n in [0, 1, super::CHUNK + 1, 2 * super::BATCH + 3 * super::CHUNK + 7] {
            let items: Vec<String> = (0..n).map(|i| format!("node_{i}")).collect();
            let mut out = crate::files::AtomicFile::create(&path).unwrap();
            out.write(&[b"{"]).unwrap();
            super::stream_entries(&mut out, &path, &items, |buf, i, item| {
                super::key(buf, item)?;
                serde_json::to_writer(buf, &i)
            })
            .unwrap();
            out.write(&[b"}"]).unwrap();
            out.finish().unwrap();
            let read: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let expected: serde_json::Map<String, serde_json::Value> =
                items.iter().enumerate().map(|(i, k)| (k.clone(), i.into())).collect();
            assert_eq!(read, expected, "{n} entries");
            assert!(read.keys().eq(items.iter()), "{n} entries in order");
        }
    }

    #[test]
    fn lineage_serializes_as_to_json_builds_it() {
        let r = |node: &str, column: &str| Ref {
            node: node.into(),
            column: column.into(),
        };
        let col = |name: &str, from: Vec<Ref>| {
            let mut refs = Refs::new();
            refs.extend(from);
            Col {
                name: name.into(),
                from: refs,
            }
        };
        let lineage = std::sync::Arc::new(vec![
            col("z", vec![r("model.p.b", "y"), r("model.p.a", "x"), r("model.p.b", "a")]),
            col("constant", vec![]),
            col("a", vec![r("source.p.s.t", "id")]),
        ]);
        let direct = serde_json::to_string(&LineageJson(&lineage)).expect("serializes");
        assert_eq!(direct, to_json(&lineage).to_string());
        assert_eq!(
            direct,
            r#"{"z":{"model.p.a":["x"],"model.p.b":["a","y"]},"constant":{},"a":{"source.p.s.t":["id"]}}"#
        );
    }
}
