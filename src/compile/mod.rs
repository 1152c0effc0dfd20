//! The compile phase: render each selected node's Jinja for the target with every ref and
//! source resolved to its relation, inject ephemeral models as CTEs, render hooks, and write
//! the SQL under target/compiled/.

pub(crate) mod ephemeral;
pub(crate) mod unit_test;

use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result, combine};
use crate::jinja::prerender::Placeholder;
use crate::jinja::scope::RefCall;
use crate::jinja::{JinjaEnv, Mode, Scope, path_name};
use crate::manifest::{Manifest, Node, ResourceType};
use crate::parse::node_context;
use crate::relation::Relation;

#[derive(Debug, Clone, Default)]
pub struct Compiled {
    pub sql: String,
    /// Relative to the project root (`target/compiled/<project>/models/...`).
    pub path: PathBuf,
    /// `pre_hook`/`post_hook` statements, rendered.
    pub pre_hooks: Vec<String>,
    pub post_hooks: Vec<String>,
    /// Whether `is_incremental()` was true when the node was rendered.
    pub incremental: bool,
    /// Per output column, the upstream columns it derives from (filled by `crate::sql`).
    pub lineage: Option<crate::sql::NodeLineage>,
}

/// Decides `is_incremental()` per node (the relation exists as a table, no --full-refresh).
pub(crate) type IncrementalCheck<'a> = &'a (dyn Fn(&Node) -> bool + Sync);

fn scope_for(manifest: &Arc<Manifest>, node: &Node, incremental: bool) -> Scope {
    let mut scope = Scope::new(Mode::Compile);
    scope.resolver = Some(manifest.clone());
    scope.config = node.config.clone();
    scope.is_incremental = incremental;
    if let Some(vars) = manifest.package_vars.get(&node.package_name) {
        scope.var_overrides = vars.clone();
    }
    if node.package_name != manifest.project_name {
        scope.package = Some(node.package_name.clone());
    }
    scope
}

fn this_of(node: &Node) -> Relation {
    node.relation
        .clone()
        .unwrap_or_else(|| crate::manifest::ephemeral_cte(&node.name))
}

/// Render one node's template in compile mode; returns the SQL and the refs it made.
pub(crate) fn render_raw<'a>(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    node: &'a Node,
    incremental: bool,
) -> Result<(String, Cow<'a, [RefCall]>)> {
    if node.resource_type == ResourceType::Seed {
        return Ok((String::new(), Cow::Borrowed(&[])));
    }
    if let Some(sql) = node
        .prerender
        .as_ref()
        .and_then(|p| p.fill(&node.config, incremental, |p, out| fill_into(manifest, node, p, out)))
    {
        return Ok((sql, Cow::Borrowed(&node.refs)));
    }
    let (result, scope) = jinja.render(
        &node.template,
        node_context(node, this_of(node)),
        scope_for(manifest, node, incremental),
    );
    result.map(|sql| (sql, Cow::Owned(scope.recorded.refs)))
}

/// Render a node whose template looks at the warehouse again, at run time, with `live` as the
/// connection its `run_query`, `statement` and `adapter` calls use (its parents exist by now).
/// Ephemeral upstreams are injected as in `render`.
pub(crate) fn render_live(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    node: &Node,
    incremental: bool,
    live: crate::jinja::warehouse::Live,
) -> Result<String> {
    let mut scope = scope_for(manifest, node, incremental);
    scope.live = Some(live);
    let (result, scope) = jinja.render(&node.template, node_context(node, this_of(node)), scope);
    let sql = result?;
    if !ephemeral::any(manifest) {
        return Ok(sql);
    }
    ephemeral::inject(jinja, manifest, sql, &scope.recorded.refs)
}

/// What a placeholder of `node`'s parse render stands for, as SQL (see `prerender`).
pub(crate) fn fill(manifest: &Manifest, node: &Node, p: &Placeholder) -> Option<String> {
    let mut out = String::new();
    fill_into(manifest, node, p, &mut out)?;
    Some(out)
}

/// `fill`, appended to `out` (no string of its own: this runs for every ref of every model).
fn fill_into(manifest: &Manifest, node: &Node, p: &Placeholder, out: &mut String) -> Option<()> {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let input = |out: &mut String, rel: &Relation| match crate::manifest::reads_empty(manifest, rel) {
        true => write!(out, "{}", rel.empty_subquery()),
        false => write!(out, "{rel}"),
    };
    let _ = match p {
        Placeholder::Ref(r) => input(
            out,
            &*manifest
                .ref_relation(Some(&node.package_name), r.package.as_deref(), &r.name)
                .ok()?,
        ),
        Placeholder::Source(s, t) => input(out, &manifest.source(s, t)?.relation),
        Placeholder::This => match &node.relation {
            Some(relation) => write!(out, "{relation}"),
            None => write!(out, "{}", this_of(node)),
        },
    };
    Some(())
}

/// The node's own rendered SQL (no ephemeral CTEs) with the template range behind each output
/// range, for locating errors in the model file.
pub(crate) fn render_spans(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    node: &Node,
    incremental: bool,
) -> Option<(String, Vec<minijinja::OutputSpan>)> {
    jinja.render_spans(
        &node.template,
        node_context(node, this_of(node)),
        scope_for(manifest, node, incremental),
    )
}

/// Render one node with its ephemeral upstreams injected as CTEs.
pub(crate) fn render(jinja: &JinjaEnv, manifest: &Arc<Manifest>, node: &Node) -> Result<String> {
    render_with(jinja, manifest, node, false)
}

pub(crate) fn render_with(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    node: &Node,
    incremental: bool,
) -> Result<String> {
    render_node(jinja, manifest, node, incremental, true)
}

/// `render_with`; `ephemerals` is false when the manifest has no ephemeral model, so that
/// there is nothing to look up for injection.
fn render_node(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    node: &Node,
    incremental: bool,
    ephemerals: bool,
) -> Result<String> {
    if node.resource_type == ResourceType::UnitTest {
        return unit_test::render(jinja, manifest, node);
    }
    let (sql, refs) = render_raw(jinja, manifest, node, incremental)?;
    if !ephemerals {
        return Ok(sql);
    }
    ephemeral::inject(jinja, manifest, sql, &refs)
}

/// A model's `pre_hook` or `post_hook` statements (`key`, for messages), rendered.
fn hooks(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    node: &Node,
    (key, list): (&str, &[String]),
    incremental: bool,
) -> Result<Vec<String>> {
    let mut out = vec![];
    for (i, text) in list.iter().enumerate() {
        let name = format!("{} ({key} {})", path_name(&node.original_file_path), i + 1);
        let (r, _) = jinja.render_str(
            &name,
            text,
            node_context(node, this_of(node)),
            scope_for(manifest, node, incremental),
        );
        let sql = r?;
        if !sql.trim().is_empty() {
            out.push(sql);
        }
    }
    Ok(out)
}

/// Compile the given nodes in parallel and write their SQL; all errors are reported together.
pub(crate) fn compile_all(
    jinja: &JinjaEnv,
    manifest: &Arc<Manifest>,
    nodes: &[usize],
    root: &Path,
    target_dir: &str,
    incremental: IncrementalCheck<'_>,
) -> Result<HashMap<usize, Compiled>> {
    let started = std::time::Instant::now();
    // Each node's file, worked out on the workers.
    let paths: Vec<PathBuf> = nodes
        .par_iter()
        .map(|&i| compiled_path(target_dir, &manifest.project_name, &manifest.nodes[i]))
        .collect();
    let order = file_order(manifest, nodes, &paths);
    let writes = writers(&order, &paths);
    let fresh = make_folders(root, &paths, &order)?;
    let ephemerals = ephemeral::any(manifest);
    let results: Vec<(usize, Result<Compiled>)> = nodes
        .par_iter()
        .zip(paths)
        .zip(writes)
        .map(|((&i, path), writes)| {
            let node = &manifest.nodes[i];
            let incr = incremental(node);
            let out = render_node(jinja, manifest, node, incr, ephemerals).and_then(|sql| {
                if node.resource_type != ResourceType::Seed && writes {
                    write_sql(root, &path, &fresh, &sql)?;
                }
                // An introspective node's SQL is rendered again at run time; before that it may
                // be empty (dbt_utils' union_relations returns '' while `execute` is false).
                if matches!(node.resource_type, ResourceType::Model | ResourceType::Test)
                    && !node.introspects
                    && is_blank_sql(&sql)
                {
                    return Err(Error::project(format!(
                        "{} {} renders to no SQL (only whitespace or comments)",
                        node.resource_type.as_str(),
                        node.name
                    ))
                    .at(crate::error::Location::at(&node.original_file_path, 1))
                    .help("write a select statement, or disable the file with {{ config(enabled=false) }}"));
                }
                Ok(Compiled {
                    sql,
                    path,
                    pre_hooks: hooks(
                        jinja,
                        manifest,
                        node,
                        ("pre_hook", &node.settings.build().pre_hook),
                        incr,
                    )?,
                    post_hooks: hooks(
                        jinja,
                        manifest,
                        node,
                        ("post_hook", &node.settings.build().post_hook),
                        incr,
                    )?,
                    incremental: incr,
                    lineage: None,
                })
            });
            (i, out)
        })
        .collect();
    tracing::debug!("compiled and wrote {} nodes in {:?}", results.len(), started.elapsed());
    let mut ok = HashMap::with_capacity(results.len());
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

/// The positions (in `paths`) of the nodes that write a file, in the paths' byte order (a
/// parallel sort; comparing paths component by component cost more than the rest of this): the
/// nodes that share a file (the snapshots of one .sql file) come side by side, and so do most
/// files of a folder.
fn file_order(manifest: &Manifest, nodes: &[usize], paths: &[PathBuf]) -> Vec<usize> {
    let bytes = |k: usize| paths[k].as_os_str().as_encoded_bytes();
    let mut order: Vec<usize> = (0..paths.len())
        .filter(|&k| manifest.nodes[nodes[k]].resource_type != ResourceType::Seed)
        .collect();
    order.par_sort_unstable_by(|&a, &b| bytes(a).cmp(bytes(b)).then(a.cmp(&b)));
    order
}

/// Whether each node writes its file: the last of the nodes sharing a file does, so that it is
/// written once and always with the same node's SQL.
fn writers(order: &[usize], paths: &[PathBuf]) -> Vec<bool> {
    let bytes = |k: usize| paths[k].as_os_str().as_encoded_bytes();
    let mut writes = vec![false; paths.len()];
    for (n, &k) in order.iter().enumerate() {
        writes[k] = order.get(n + 1).is_none_or(|&next| bytes(next) != bytes(k));
    }
    writes
}

/// Make the folders first, once each (a few hundred), so that writing a file is one open; the
/// folders that were made now. A folder made now holds no file yet: its files are created
/// without first trying to open an existing one (a compile from cold then costs one open per
/// file, not two).
fn make_folders(root: &Path, paths: &[PathBuf], order: &[usize]) -> Result<std::collections::HashSet<PathBuf>> {
    let mut fresh: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut previous: Option<&Path> = None;
    for &k in order {
        let Some(folder) = paths[k].parent() else { continue };
        // A folder's files can come apart (its subfolders' files sort between them): a folder
        // met again is already made.
        if previous == Some(folder) || fresh.contains(folder) {
            continue;
        }
        previous = Some(folder);
        let abs = root.join(folder);
        // The folder and those of its parents that are missing: creating it creates them, so
        // they are fresh too (a test's folder, `_models.yml/`, sorts before the models beside it).
        let mut missing = Some(folder);
        while let Some(f) = missing.filter(|f| !f.as_os_str().is_empty() && !root.join(f).is_dir()) {
            fresh.insert(f.to_path_buf());
            missing = f.parent();
        }
        std::fs::create_dir_all(&abs).map_err(|e| Error::runtime(format!("cannot create {}: {e}", abs.display())))?;
    }
    Ok(fresh)
}

/// Write a node's compiled SQL (into a fresh folder without reading it first; elsewhere only
/// when it changed).
fn write_sql(root: &Path, path: &Path, fresh: &std::collections::HashSet<PathBuf>, sql: &str) -> Result<()> {
    let file = root.join(path);
    let written = match path.parent().is_some_and(|p| fresh.contains(p)) {
        true => std::fs::write(&file, sql),
        false => crate::files::write_if_changed(&file, sql.as_bytes()),
    };
    written.map_err(|e| Error::runtime(format!("cannot write {}: {e}", file.display())))
}

/// True when `sql` holds nothing but whitespace, `--` comments and `/* */` comments.
fn is_blank_sql(sql: &str) -> bool {
    let mut rest = sql.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map(|(_, r)| r).unwrap_or("").trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            match after.split_once("*/") {
                Some((_, r)) => rest = r.trim_start(),
                None => return true,
            }
        } else {
            return rest.trim_end_matches(';').trim().is_empty();
        }
    }
}

pub(crate) fn compiled_path(target_dir: &str, project: &str, node: &Node) -> PathBuf {
    let base = Path::new(target_dir).join("compiled").join(project);
    match node.resource_type {
        ResourceType::UnitTest => base.join(&node.original_file_path).join(format!("{}.sql", node.name)),
        ResourceType::Test if node.test.as_ref().is_some_and(|t| t.test_name != "singular") => {
            // A long name is written under its short alias, as dbt does (file names stay short).
            let file = node.settings.alias.as_deref().unwrap_or(&node.name);
            base.join(&node.original_file_path).join(format!("{file}.sql"))
        }
        _ => base.join(&node.original_file_path),
    }
}

/// For messages: the compiled path as a user would type it.
pub(crate) fn display_path(p: &Path) -> String {
    path_name(p)
}
