//! The compile phase: render each selected node's Jinja for the target with every ref and
//! source resolved to its relation, and write the SQL under target/compiled/.

use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result, combine};
use crate::jinja::{JinjaEnv, Mode, Scope, path_name};
use crate::manifest::parse::node_context;
use crate::manifest::{Manifest, Node, ResourceType};
use crate::relation::Relation;

#[derive(Debug, Clone)]
pub struct Compiled {
    pub sql: String,
    /// Relative to the project root (`target/compiled/<project>/models/...`).
    pub path: PathBuf,
}

/// Render one node in compile mode.
pub fn render(jinja: &JinjaEnv, manifest: &Arc<Manifest>, node: &Node) -> Result<String> {
    if node.resource_type == ResourceType::UnitTest {
        return crate::test::unit::render(jinja, manifest, node);
    }
    if node.resource_type == ResourceType::Seed {
        return Ok(String::new());
    }
    let mut scope = Scope::new(Mode::Compile);
    scope.resolver = Some(manifest.clone());
    scope.config = node.config.clone();
    let this = node
        .relation
        .clone()
        .unwrap_or_else(|| Relation::new(None, "", node.name.clone()));
    let (result, _) = jinja.render(&node.template, node_context(node, this), scope);
    result
}

/// Compile the given nodes in parallel and write their SQL; all errors are reported together.
pub fn compile_all(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    nodes: &[usize],
    root: &Path,
    target_dir: &str,
) -> Result<HashMap<usize, Compiled>> {
    let results: Vec<(usize, Result<Compiled>)> = nodes
        .par_iter()
        .map(|&i| {
            let node = &manifest.nodes[i];
            let out = render(jinja, manifest, node).and_then(|sql| {
                let path = compiled_path(target_dir, &manifest.project_name, node);
                if node.resource_type != ResourceType::Seed {
                    write(&root.join(&path), &sql)?;
                }
                Ok(Compiled { sql, path })
            });
            (i, out)
        })
        .collect();
    let mut ok = HashMap::new();
    let mut errors = vec![];
    for (i, r) in results {
        match r {
            Ok(c) => {
                ok.insert(i, c);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(combine(errors))
    }
}

pub fn compiled_path(target_dir: &str, project: &str, node: &Node) -> PathBuf {
    let base = Path::new(target_dir).join("compiled").join(project);
    match node.resource_type {
        ResourceType::UnitTest => base.join(&node.original_file_path).join(format!("{}.sql", node.name)),
        ResourceType::Test if node.test.as_ref().is_some_and(|t| t.test_name != "singular") => {
            let dir = node.original_file_path.clone();
            base.join(dir).join(format!("{}.sql", node.name))
        }
        _ => base.join(&node.original_file_path),
    }
}

fn write(path: &Path, sql: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::runtime(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(path, sql).map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))
}

/// For messages: the compiled path as a user would type it.
pub fn display_path(p: &Path) -> String {
    path_name(p)
}
