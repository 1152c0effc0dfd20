//! The dependency DAG over the manifest (models, seeds, snapshots, tests and sources), built
//! once per command with petgraph. A cycle is an error naming every model on it.

pub(crate) mod select;
pub(crate) mod selectors;
mod state_methods;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};

use crate::error::{Error, Location, Result, line_of};
use crate::manifest::Manifest;

/// A vertex: a manifest node (by index into `manifest.nodes`) or a source (into `manifest.sources`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Node(usize),
    Source(usize),
}

#[derive(Clone)]
pub struct Dag {
    pub graph: DiGraph<Key, ()>,
    /// Sources are the first vertices, then the manifest's nodes, in order.
    sources: usize,
}

impl Dag {
    pub fn build(manifest: &Manifest) -> Result<Dag> {
        let sources = manifest.sources.len();
        let mut graph = DiGraph::with_capacity(manifest.nodes.len() + sources, 0);
        for i in 0..sources {
            graph.add_node(Key::Source(i));
        }
        for i in 0..manifest.nodes.len() {
            graph.add_node(Key::Node(i));
        }
        // Each node's parents looked up by id on the workers; the edges added in order.
        let parents: Vec<Vec<usize>> = manifest
            .nodes
            .par_iter()
            .map(|n| {
                n.depends_on
                    .iter()
                    .filter_map(|dep| match manifest.index_of(dep) {
                        Some(p) => Some(sources + p),
                        None => manifest.source_index(dep),
                    })
                    .collect()
            })
            .collect();
        let edges: usize = parents.iter().map(Vec::len).sum();
        graph.reserve_edges(edges);
        for (i, of_node) in parents.iter().enumerate() {
            let child = NodeIndex::new(sources + i);
            for &parent in of_node {
                graph.add_edge(NodeIndex::new(parent), child, ());
            }
        }
        let dag = Dag { graph, sources };
        dag.check_cycles(manifest)?;
        Ok(dag)
    }

    fn check_cycles(&self, manifest: &Manifest) -> Result<()> {
        for scc in petgraph::algo::tarjan_scc(&self.graph) {
            let is_cycle = scc.len() > 1 || scc.iter().any(|&n| self.graph.contains_edge(n, n));
            if !is_cycle {
                continue;
            }
            let members: HashSet<NodeIndex> = scc.iter().copied().collect();
            let path = cycle_path(&self.graph, &members, scc[0]);
            let names: Vec<String> = path
                .iter()
                .map(|ix| match self.graph[*ix] {
                    Key::Node(i) => manifest.nodes[i].name.clone(),
                    Key::Source(i) => manifest.sources[i].unique_id.clone(),
                })
                .collect();
            // Each step of the cycle, with the file and line of the ref() that makes it.
            let mut steps: Vec<(Location, String)> = vec![];
            for (k, ix) in path.iter().enumerate() {
                let parent = path[(k + path.len() - 1) % path.len()];
                if let (Key::Node(i), Key::Node(pi)) = (self.graph[*ix], self.graph[parent]) {
                    let (node, dep) = (&manifest.nodes[i], &manifest.nodes[pi].name);
                    let line = [format!("'{dep}'"), format!("\"{dep}\"")]
                        .iter()
                        .find_map(|needle| line_of(&node.raw_code, needle))
                        .unwrap_or(1);
                    steps.push((
                        Location::at(&node.original_file_path, line),
                        format!("{} depends on {dep}", node.name),
                    ));
                }
            }
            let lines: Vec<String> = steps.iter().map(|(loc, what)| format!("  {loc}: {what}")).collect();
            let first = names.first().cloned().unwrap_or_default();
            let mut err = Error::project(format!(
                "dependency cycle: {} -> {first}\n{}",
                names.join(" -> "),
                lines.join("\n")
            ));
            if let Some((loc, _)) = steps.first() {
                err = err.at(loc.clone());
            }
            return Err(err.help("models on a cycle cannot be ordered; remove one of these ref() calls"));
        }
        Ok(())
    }

    /// Add an edge (`mozt build` makes nodes wait for tests); no-op if it exists.
    pub fn add_edge(&mut self, from: Key, to: Key) {
        if let (Some(a), Some(b)) = (self.ix(from), self.ix(to))
            && !self.graph.contains_edge(a, b)
        {
            self.graph.add_edge(a, b, ());
        }
    }

    pub fn remove_edge(&mut self, from: Key, to: Key) {
        if let (Some(a), Some(b)) = (self.ix(from), self.ix(to))
            && let Some(e) = self.graph.find_edge(a, b)
        {
            self.graph.remove_edge(e);
        }
    }

    pub fn ix(&self, key: Key) -> Option<NodeIndex> {
        let i = match key {
            Key::Source(i) => (i < self.sources).then_some(i)?,
            Key::Node(i) => self.sources + i,
        };
        (i < self.graph.node_count()).then(|| NodeIndex::new(i))
    }

    pub fn parents(&self, key: Key) -> Vec<Key> {
        self.neighbors(key, Direction::Incoming)
    }

    pub fn children(&self, key: Key) -> Vec<Key> {
        self.neighbors(key, Direction::Outgoing)
    }

    fn neighbors(&self, key: Key, dir: Direction) -> Vec<Key> {
        match self.ix(key) {
            Some(ix) => self.graph.neighbors_directed(ix, dir).map(|n| self.graph[n]).collect(),
            None => vec![],
        }
    }

    /// Everything reachable upstream (`Incoming`) or downstream (`Outgoing`), within `depth`
    /// steps when given. The start is not included.
    pub fn reach(&self, start: Key, dir: Direction, depth: Option<usize>) -> Vec<Key> {
        let Some(ix) = self.ix(start) else { return vec![] };
        let mut seen = HashSet::from([ix]);
        let mut out = vec![];
        let mut queue = VecDeque::from([(ix, 0usize)]);
        while let Some((n, d)) = queue.pop_front() {
            if depth.is_some_and(|max| d >= max) {
                continue;
            }
            for next in self.graph.neighbors_directed(n, dir) {
                if seen.insert(next) {
                    out.push(self.graph[next]);
                    queue.push_back((next, d + 1));
                }
            }
        }
        out
    }
}

/// A simple cycle through `start` inside one strongly connected component.
fn cycle_path(graph: &DiGraph<Key, ()>, members: &HashSet<NodeIndex>, start: NodeIndex) -> Vec<NodeIndex> {
    // BFS from start's successors back to start, staying inside the component.
    let mut prev: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    let mut seen = HashSet::from([start]);
    while let Some(n) = queue.pop_front() {
        for next in graph.neighbors_directed(n, Direction::Outgoing) {
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![n];
                let mut cur = n;
                while cur != start {
                    cur = prev[&cur];
                    path.push(cur);
                }
                path.reverse();
                return path;
            }
            if seen.insert(next) {
                prev.insert(next, n);
                queue.push_back(next);
            }
        }
    }
    vec![start]
}
