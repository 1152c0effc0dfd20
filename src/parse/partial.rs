//! Partial parsing: what rendering a node's Jinja in parse mode recorded (its refs, sources,
//! configs, and the vars, env vars and macros it read), with its text when compile can fill
//! that in (see `crate::jinja::prerender`), is kept in `target/partial_parse.json`, so that the
//! next parse and compile of an unchanged node reuse it instead of rendering again.
//!
//! A saved render is found by a key hashing everything the render is given: the template's
//! name and text, the node's name, kind, path, fqn and config before the render (which holds
//! its YAML and project.yml configs), mozt's version, the target, and which template defines
//! each macro name. What the render read on its own is checked on reuse: each var and env var
//! must still have the value it had, and each macro it called must still be defined by a file
//! with the same text. Renders that could read anything else (`run_started_at`, or templates
//! pulled in with import, include or extends) are never saved, and neither are failures.
//! `--no-partial-parse` renders everything and leaves the file alone.

use crate::hash::hex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::jinja::objects::pending_relation;
use crate::jinja::prerender::{Pending, Placeholder, Prerender};
use crate::jinja::scope::{Recorded, RefCall};
use crate::jinja::{JinjaEnv, Mode, Scope};
use crate::manifest::node::Node;
use crate::project::Target;
use crate::relation::Relation;

pub(crate) const FILE_NAME: &str = "partial_parse.json";

/// Bumped when the file's layout or the meaning of an entry changes.
const FORMAT: u32 = 3;

/// Words that let a render depend on something the key does not cover.
const UNTRACKED: &[&str] = &["run_started_at", "import", "include", "extends"];

/// The file's first line. Each further line is a render's key, a tab, and its entry as JSON
/// (compact JSON holds no tab or newline), so that an entry is decoded only when a node looks
/// for it, on the worker rendering that node.
#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    /// Hash of what every render shares (version, target, macro names).
    global: String,
}

/// What one render recorded, and what it read that must be unchanged for it to be reused.
#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    refs: Vec<(Option<String>, String)>,
    sources: Vec<(String, String)>,
    config: Map<String, Value>,
    /// Var name and the value it had (None: not set, the default was used).
    vars: Vec<(String, Option<Value>)>,
    /// Env var name and its value (None: not set).
    env_vars: Vec<(String, Option<String>)>,
    /// Macro name and the hash of the text of the file defining it.
    macros: Vec<(String, String)>,
    /// The render's text, when compile can fill it in instead of rendering again (shared with
    /// the node, not copied).
    prerender: Option<Arc<Prerender>>,
}

/// An entry for the next file: reused as saved, or made by this parse (turned into JSON on the
/// thread writing the file, not on the worker that rendered it).
enum Kept {
    Saved(String),
    Made(Box<Entry>),
}

pub(crate) struct Memo {
    enabled: bool,
    path: PathBuf,
    global: String,
    /// Saved entries (JSON) by key.
    old: HashMap<String, String>,
    vars: Map<String, Value>,
    /// Each macro whose file reads nothing untracked, with the hash of that file (worked out
    /// once, not for every render that calls it).
    tracked_macros: HashMap<String, String>,
    /// Entries used or made by this parse (the next file holds exactly these).
    new: Mutex<HashMap<String, Kept>>,
    reused: AtomicUsize,
    rendered: AtomicUsize,
    /// The vars of installed packages' nodes (see `Manifest::package_vars`): their renders
    /// read these and are never reused (the saved entries check the global vars only).
    pub package_vars: HashMap<String, Map<String, Value>>,
}

impl Memo {
    /// Load the saved renders of `target_dir` (a missing, unreadable or outdated file is an
    /// empty cache). `vars` are the project's vars with `--vars` laid over them.
    pub(crate) fn load(
        target_dir: &Path,
        target: &Target,
        jinja: &JinjaEnv,
        vars: &Map<String, Value>,
        enabled: bool,
    ) -> Memo {
        let path = target_dir.join(FILE_NAME);
        let global = global_key(target, jinja);
        let old = if enabled {
            std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| read_entries(&text, &global))
                .unwrap_or_default()
        } else {
            HashMap::new()
        };
        let tracked_macros = if enabled { tracked_macros(jinja) } else { HashMap::new() };
        Memo {
            enabled,
            path,
            global,
            old,
            vars: vars.clone(),
            tracked_macros,
            new: Mutex::new(HashMap::new()),
            reused: AtomicUsize::new(0),
            rendered: AtomicUsize::new(0),
            package_vars: HashMap::new(),
        }
    }

    /// Render `node`'s template in parse mode, or reuse what a previous parse recorded for the
    /// same inputs. The returned scope holds the recorded calls.
    pub(crate) fn render(&self, jinja: &JinjaEnv, node: &Node) -> Result<Scope> {
        let package_vars = self.package_vars.get(&node.package_name);
        let key = (self.enabled && package_vars.is_none())
            .then(|| node_key(jinja, node))
            .flatten();
        if let Some(key) = &key
            && let Some(json) = self.old.get(key)
            && let Ok(mut entry) = serde_json::from_str::<Entry>(json)
            && self.still_valid(jinja, &entry)
        {
            self.reused.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut new) = self.new.lock() {
                new.insert(key.clone(), Kept::Saved(json.clone()));
            }
            let mut scope = Scope::new(Mode::Parse);
            scope.prerender = entry.prerender.take();
            scope.recorded = recorded(entry);
            return Ok(scope);
        }
        self.rendered.fetch_add(1, Ordering::Relaxed);
        let scope = render_parse(jinja, node, package_vars)?;
        if let Some(key) = key {
            self.keep(key, &scope);
        }
        Ok(scope)
    }

    fn keep(&self, key: String, scope: &Scope) {
        if let Some(entry) = self.entry(&scope.recorded, scope.prerender.as_ref())
            && let Ok(mut new) = self.new.lock()
        {
            new.insert(key, Kept::Made(Box::new(entry)));
        }
    }

    fn still_valid(&self, jinja: &JinjaEnv, entry: &Entry) -> bool {
        entry
            .vars
            .iter()
            .all(|(name, value)| self.vars.get(name) == value.as_ref())
            && entry
                .env_vars
                .iter()
                .all(|(name, value)| std::env::var(name).ok().as_ref() == value.as_ref())
            && entry
                .macros
                .iter()
                .all(|(name, hash)| jinja.macro_file_hash(name).is_some_and(|h| h == hash))
    }

    /// The entry to save for a successful render (None when it read something untracked).
    fn entry(&self, rec: &Recorded, prerender: Option<&Arc<Prerender>>) -> Option<Entry> {
        // Introspective renders are few and must mark their node every parse.
        if rec.introspects {
            return None;
        }
        let mut macros: Vec<(String, String)> = vec![];
        for name in &rec.macros {
            if macros.iter().any(|(n, _)| n == name) {
                continue;
            }
            macros.push((name.clone(), self.tracked_macros.get(name)?.clone()));
        }
        let mut vars: Vec<(String, Option<Value>)> = vec![];
        for name in &rec.vars {
            if !vars.iter().any(|(n, _)| n == name) {
                vars.push((name.clone(), self.vars.get(name).cloned()));
            }
        }
        let mut env_vars: Vec<(String, Option<String>)> = vec![];
        for name in &rec.env_vars {
            if !env_vars.iter().any(|(n, _)| n == name) {
                env_vars.push((name.clone(), std::env::var(name).ok()));
            }
        }
        Some(Entry {
            refs: rec.refs.iter().map(|r| (r.package.clone(), r.name.clone())).collect(),
            sources: rec.sources.clone(),
            config: rec.config.clone(),
            vars,
            env_vars,
            macros,
            prerender: prerender.cloned(),
        })
    }

    /// Write the renders of this parse for the next one (only when something changed), on a
    /// thread of its own while the command goes on; the handle waits for it when dropped. A
    /// cache that cannot be written costs speed, not correctness: it is logged and skipped.
    pub(crate) fn save(&self) -> SaveHandle {
        if !self.enabled {
            return SaveHandle(None);
        }
        let Ok(mut new) = self.new.lock() else {
            return SaveHandle(None);
        };
        let reused = self.reused.load(Ordering::Relaxed);
        let rendered = self.rendered.load(Ordering::Relaxed);
        tracing::debug!("partial parse: reused {reused} renders, rendered {rendered}");
        if rendered == 0 && new.len() == self.old.len() {
            return SaveHandle(None);
        }
        let header = Header {
            format: FORMAT,
            global: self.global.clone(),
        };
        let entries = std::mem::take(&mut *new);
        let path = self.path.clone();
        let write = move || {
            if let Err(e) = write_atomic(&path, &header, &entries) {
                tracing::warn!("cannot write {}: {e}", path.display());
            }
            // Like the session (`Session::finish`), the entries are left to the operating
            // system: the command ends once the file is written, and freeing 15,000 entries
            // one by one would only delay that.
            std::mem::forget(entries);
        };
        match std::thread::Builder::new().name("partial-parse".into()).spawn(write) {
            Ok(handle) => SaveHandle(Some(handle)),
            Err(e) => {
                tracing::warn!("cannot start a thread to write the partial-parse cache: {e}");
                SaveHandle(None)
            }
        }
    }
}

/// Render `node` in parse mode, keeping the text for compile when it is reusable (see
/// `crate::jinja::prerender`). A render that fails with placeholders is retried without them,
/// so that the error reported, if any, is the template's own.
fn render_parse(jinja: &JinjaEnv, node: &Node, vars: Option<&Map<String, Value>>) -> Result<Scope> {
    let this = || Relation::new(None, "__this__", node.name.clone());
    let mut pending = Pending::default();
    let this_placeholder = pending.add(Placeholder::This);
    let mut scope = Scope::new(Mode::Parse);
    scope.config = node.config.clone();
    scope.var_overrides = vars.cloned().unwrap_or_default();
    scope.pending = Some(pending);
    let ctx = super::node_context_with(node, pending_relation(this(), Some(this_placeholder)));
    let (result, mut scope) = jinja.render_once(&node.template, ctx, scope);
    if let Ok(text) = result {
        let pending = scope.pending.take();
        let reusable = !jinja.template_captures_output(&node.template)
            && !scope.recorded.macros.iter().any(|m| jinja.macro_captures_output(m));
        if reusable {
            scope.prerender = pending.and_then(|p| p.finish(text)).map(Arc::new);
        }
        return Ok(scope);
    }
    let mut scope = Scope::new(Mode::Parse);
    scope.config = node.config.clone();
    scope.var_overrides = vars.cloned().unwrap_or_default();
    let ctx = super::node_context(node, this());
    let (result, scope) = jinja.render_once(&node.template, ctx, scope);
    result?;
    Ok(scope)
}

/// The partial-parse file being written; dropping the handle waits until it is written.
#[derive(Default)]
pub(crate) struct SaveHandle(Option<std::thread::JoinHandle<()>>);

impl Drop for SaveHandle {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take()
            && handle.join().is_err()
        {
            tracing::warn!("writing the partial-parse cache failed");
        }
    }
}

/// What a saved entry recorded (it is decoded for this one use, so its parts move).
fn recorded(entry: Entry) -> Recorded {
    Recorded {
        refs: entry
            .refs
            .into_iter()
            .map(|(package, name)| RefCall { package, name })
            .collect(),
        sources: entry.sources,
        config: entry.config,
        env_vars: entry.env_vars.into_iter().map(|(n, _)| n).collect(),
        vars: entry.vars.into_iter().map(|(n, _)| n).collect(),
        macros: entry.macros.into_iter().map(|(n, _)| n).collect(),
        // A render that introspects is never saved (see `entry`).
        introspects: false,
    }
}

/// Macro name -> the hash of its file, for the macros whose file reads nothing untracked.
fn tracked_macros(jinja: &JinjaEnv) -> HashMap<String, String> {
    let mut untracked_files: HashMap<&str, bool> = HashMap::new();
    let mut out = HashMap::new();
    for (name, template) in jinja.macro_templates() {
        let untracked = *untracked_files.entry(template).or_insert_with(|| {
            jinja
                .macro_source(name)
                .is_none_or(|(_, text)| mentions_untracked(&text))
        });
        if let (false, Some(hash)) = (untracked, jinja.macro_file_hash(name)) {
            out.insert(name.to_string(), hash.to_string());
        }
    }
    out
}

fn mentions_untracked(text: &str) -> bool {
    UNTRACKED.iter().any(|w| text.contains(w))
}

/// The key of a node's parse render, or None when its template must always be rendered.
fn node_key(jinja: &JinjaEnv, node: &Node) -> Option<String> {
    let text = jinja.template_source(&node.template)?;
    if mentions_untracked(&text) {
        return None;
    }
    let mut h = Sha256::new();
    for part in [
        node.template.as_str(),
        text.as_str(),
        node.name.as_str(),
        node.unique_id.as_str(),
        node.resource_type.as_str(),
        &crate::jinja::path_name(&node.original_file_path),
    ] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    let rest = serde_json::to_vec(&(&node.fqn, &node.config)).ok()?;
    h.update(&rest);
    Some(hex(&h.finalize()))
}

fn global_key(target: &Target, jinja: &JinjaEnv) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(build_identity().as_bytes());
    h.update(serde_json::to_vec(&target.public()).unwrap_or_default());
    for (name, template) in jinja.macro_templates() {
        h.update(name.as_bytes());
        h.update(b"=");
        h.update(template.as_bytes());
        h.update(b";");
    }
    h.update(serde_json::to_vec(&jinja.dispatch_orders()).unwrap_or_default());
    hex(&h.finalize())
}

/// Which build of mozt is running: its executable's size and modification time. Two builds of
/// one version can render a template differently (placeholders, built-in macros), so a cache
/// written by another build is not reused; an executable that cannot be read counts as a new one.
fn build_identity() -> String {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    match meta {
        Ok(m) => {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", m.len())
        }
        Err(_) => format!("unknown:{}", std::process::id()),
    }
}

/// The saved entries by key, when the file's header matches this parse (format and `global`).
fn read_entries(text: &str, global: &str) -> Option<HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Header = serde_json::from_str(lines.next()?).ok()?;
    if header.format != FORMAT || header.global != global {
        return None;
    }
    lines
        .map(|line| line.split_once('\t').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

fn write_atomic(path: &Path, header: &Header, entries: &HashMap<String, Kept>) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut out = std::io::BufWriter::new(crate::files::AtomicFile::create(path)?);
    serde_json::to_writer(&mut out, header).map_err(std::io::Error::other)?;
    for (key, kept) in entries {
        out.write_all(b"\n")?;
        out.write_all(key.as_bytes())?;
        out.write_all(b"\t")?;
        match kept {
            Kept::Saved(json) => out.write_all(json.as_bytes())?,
            Kept::Made(entry) => serde_json::to_writer(&mut out, entry).map_err(std::io::Error::other)?,
        }
    }
    writeln!(out)?;
    out.into_inner().map_err(|e| e.into_error())?.finish().map(|_| ())
}
