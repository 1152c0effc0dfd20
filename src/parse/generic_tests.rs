//! Generic data tests declared in schema YAML (`data_tests:`, or the older `tests:`, on models,
//! seeds, snapshots, source tables and their columns) become test nodes. Each test gets a small
//! template that calls its test macro (`test_<name>`, built-in or the project's) with the tested
//! relation as `model` and the YAML arguments; rendering it once in parse mode records the refs
//! and sources it reads (`to: ref('dim_users')`), which become its dependencies.

use rayon::prelude::*;
use serde_json::{Map, Value};
use std::path::Path;

use super::shared_renders::{self, Share};
use super::test_names::{id_hash, test_names};
use crate::error::{Error, Location, Result, combine};
use crate::hash::FastMap;
use crate::jinja::macro_text::has_word;
use crate::jinja::prerender::Placeholder;
use crate::jinja::scope::{self, RefCall};
use crate::jinja::{JinjaEnv, Mode, Scope};
use crate::manifest::node::{Node, ResourceType, SourceNode, TestInfo};
use crate::project::config::{folder_config, merge_config, normalize_key};
use crate::project::schema::{ColumnDecl, NodePatch, SourceDecl, SourceTable};
use crate::project::{Project, SchemaDoc};
use crate::suggest::closest;

/// Config keys a test entry may carry beside its arguments (dbt's older, flat form).
const CONFIG_KEYS: &[&str] = &[
    "severity",
    "where",
    "error_if",
    "warn_if",
    "limit",
    "store_failures",
    "store_failures_as",
    "fail_calc",
    "tags",
    "enabled",
    "meta",
    "alias",
    "schema",
    "database",
];

/// What a test is declared on.
struct Subject<'a> {
    unique_id: String,
    /// `dim_users`, or `braze_user` for a source table: part of the test's name.
    label: String,
    /// `source_` for tests on sources, as dbt names them.
    prefix: &'static str,
    /// The Jinja expression of the tested relation: `ref('dim_users')`.
    expr: String,
    /// What that expression records, as its placeholder in a parse render.
    placeholder: Placeholder,
    /// For messages: `model dim_users`, `source braze.user`.
    what: String,
    /// The `name:` values leading to the entry in the YAML file, for error lines.
    path: Vec<&'a str>,
    /// `tags:` written on the model or source table (and the source) in YAML: its tests get them.
    tags: Option<Value>,
}

/// A test node, where its entry is, and the config written on the entry itself. The node is
/// boxed: it is moved several times on its way into the manifest, and it is large.
type Built = (Box<Node>, Site, Map<String, Value>, Option<Share>);

/// Where a test entry is in its YAML file, found only when an error needs it (finding it scans
/// the file, which for every test of a large project would cost time quadratic in its size).
struct Site {
    path: Vec<String>,
    index: usize,
    needle: Option<String>,
}

impl Site {
    fn location(&self, doc: &SchemaDoc) -> Location {
        let path: Vec<&str> = self.path.iter().map(String::as_str).collect();
        Location::at(&doc.path, locate(doc, &path, self.index, self.needle.as_deref()))
    }
}

/// One entry of a `data_tests:` list, read.
#[derive(Debug, Default, PartialEq)]
struct Entry {
    test: String,
    args: Map<String, Value>,
    config: Map<String, Value>,
    name: Option<String>,
}

/// Build the test nodes of every schema file and append them to `nodes`, the project's models,
/// seeds and snapshots (tests on a disabled or missing node are left out); their templates are
/// added to `jinja` and rendered once in parse mode.
pub(crate) fn generate(
    project: &Project,
    jinja: &mut JinjaEnv,
    memo: &super::partial::Memo,
    nodes: &mut Vec<Node>,
    sources: &[SourceNode],
) -> Result<()> {
    let refable = crate::manifest::node::refable_by_name(nodes);
    let out = declared_tests(project, jinja, &refable, sources)?;
    check_unique_names(&out)?;
    jinja.add_templates(
        out.par_iter()
            .map(|(n, ..)| (n.template.clone(), std::sync::Arc::clone(&n.raw_code)))
            .collect::<Vec<_>>(),
    );
    let jinja = &*jinja;
    let rendered = {
        let tests: Vec<(&Node, Option<&Share>)> =
            out.iter().map(|(n, _, _, _, share)| (&**n, share.as_ref())).collect();
        let located = |i: usize, e: Error| {
            let (node, loc, doc, _, _) = &out[i];
            relocate(e, &node.template, &loc.location(doc), doc, &node.name)
        };
        shared_renders::render_all(jinja, memo, &tests, &located)
    };
    // Each test takes what its render recorded (in parallel); errors stay in declaration order.
    let mut finished: Vec<(Option<Box<Node>>, Vec<Error>)> = out
        .into_par_iter()
        .zip(rendered)
        .map(|(declared, result)| match result {
            Ok(scope) => finish(project, &refable, sources, declared, scope),
            Err(e) => (None, vec![e]),
        })
        .collect();
    let errors: Vec<Error> = finished.iter_mut().flat_map(|(_, errs)| std::mem::take(errs)).collect();
    if !errors.is_empty() {
        return Err(combine(errors));
    }
    // Moved into place on the workers (the room was made for them before any node was made).
    let kept: Vec<Box<Node>> = finished.into_iter().filter_map(|(node, _)| node).collect();
    nodes.par_extend(kept.into_par_iter().map(|n| *n));
    Ok(())
}

/// Every schema file's tests, built on its own (in parallel), then gathered in file order.
fn declared_tests<'p>(
    project: &'p Project,
    jinja: &JinjaEnv,
    refable: &FastMap<&str, &Node>,
    sources: &[SourceNode],
) -> Result<Vec<Declared<'p>>> {
    let per_doc: Vec<(Vec<Declared<'_>>, Vec<Error>)> = project
        .schema_files
        .par_iter()
        .map(|doc| {
            let mut out = vec![];
            let mut errors = vec![];
            doc_tests(project, jinja, doc, refable, sources, &mut out, &mut errors);
            (out, errors)
        })
        .collect();
    // A declared test is large: gathered into a vector of the right size, each is moved once.
    let mut out: Vec<Declared<'_>> = Vec::with_capacity(per_doc.iter().map(|(o, _)| o.len()).sum());
    let mut errors = vec![];
    for (o, e) in per_doc {
        out.extend(o);
        errors.extend(e);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(combine(errors))
    }
}

/// Two declarations of the same test with the same arguments on the same column get the same
/// unique id: an error naming both places. Tests whose arguments differ only in characters the
/// name drops (`regex: "@[^.]*"` and `regex: "&[^.]*"`) share a name but not an id, and both
/// run, as in dbt.
fn check_unique_names(out: &[Declared<'_>]) -> Result<()> {
    let mut errors = vec![];
    let mut seen: FastMap<&str, (&Site, &SchemaDoc)> = crate::hash::fast_map(out.len());
    for (node, site, doc, _, _) in out {
        if let Some((prev, prev_doc)) = seen.insert(node.unique_id.as_str(), (site, doc)) {
            errors.push(
                Error::project(format!(
                    "two tests are named '{}' (the first is at {})",
                    node.name,
                    prev.location(prev_doc)
                ))
                .at(site.location(doc))
                .with_source_line(&doc.text)
                .help("remove the duplicate, or give one of them another name with `name:`"),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(combine(errors))
    }
}

/// Fold a test's parse render into its node: check the refs and sources it read, and add the
/// configs its macro set. None when that config disables it; the errors found.
fn finish(
    project: &Project,
    refable: &FastMap<&str, &Node>,
    sources: &[SourceNode],
    (mut node, loc, doc, entry_config, _): Declared<'_>,
    scope: crate::jinja::Scope,
) -> (Option<Box<Node>>, Vec<Error>) {
    let mut errors = vec![];
    for r in &scope.recorded.refs {
        if let Err(e) = check_ref(r, refable, project.name()) {
            errors.push(e.at(loc.location(doc)).with_source_line(&doc.text));
        }
    }
    for (s, t) in &scope.recorded.sources {
        if !sources.iter().any(|x| &x.source_name == s && &x.name == t) {
            let declared: Vec<String> = sources
                .iter()
                .map(|x| format!("{}.{}", x.source_name, x.name))
                .collect();
            let hints = closest(&format!("{s}.{t}"), declared.iter().map(String::as_str));
            errors.push(
                Error::project(format!(
                    "test {} reads source('{s}', '{t}'), which is not declared",
                    node.name
                ))
                .at(loc.location(doc))
                .with_source_line(&doc.text)
                .help(did_you_mean(&hints, "declare it under `sources:` in a YAML file")),
            );
        }
    }
    // `{{ config(...) }}` in the test's macro: above project.yml, below the entry's own.
    let mut layer = scope.recorded.config.clone();
    for k in entry_config.keys() {
        layer.remove(k);
    }
    merge_config(&mut node.config, &layer);
    node.resolve_settings();
    if !node.settings.enabled() {
        return (None, errors);
    }
    node.refs = scope.recorded.refs;
    node.sources = scope.recorded.sources;
    node.prerender = scope.prerender;
    node.introspects = scope.recorded.introspects;
    node.vars_used = scope.recorded.vars;
    (Some(node), errors)
}

/// A generic test entry being built: the node, where it is declared, its file, and the config
/// written on the entry itself.
type Declared<'a> = (Box<Node>, Site, &'a SchemaDoc, Map<String, Value>, Option<Share>);

/// The tests declared in one schema YAML file, on its models, seeds, snapshots and sources.
fn doc_tests<'a>(
    project: &Project,
    jinja: &JinjaEnv,
    doc: &'a SchemaDoc,
    refable: &FastMap<&str, &Node>,
    sources: &[SourceNode],
    out: &mut Vec<Declared<'a>>,
    errors: &mut Vec<Error>,
) {
    let c = &doc.content;
    let patches = c
        .models
        .iter()
        .map(|p| (p, ResourceType::Model))
        .chain(c.seeds.iter().map(|p| (p, ResourceType::Seed)))
        .chain(c.snapshots.iter().map(|p| (p, ResourceType::Snapshot)));
    for (patch, kind) in patches {
        let Some(node) = refable.get(patch.name.as_str()).filter(|n| n.resource_type == kind) else {
            continue;
        };
        let subject = node_subject(node, patch);
        let (tests, columns) = (&patch.data_tests, &patch.columns);
        collect(project, jinja, doc, &subject, tests, columns, out, errors);
    }
    for src in &c.sources {
        for table in &src.tables {
            let unique_id = format!("source.{}.{}.{}", project.name(), src.name, table.name);
            if !sources.iter().any(|s| s.unique_id == unique_id) {
                continue;
            }
            let subject = source_subject(unique_id, src, table);
            let (tests, columns) = (&table.data_tests, &table.columns);
            collect(project, jinja, doc, &subject, tests, columns, out, errors);
        }
    }
}

/// A model, seed or snapshot as the subject of the tests its YAML patch declares.
fn node_subject<'a>(node: &Node, patch: &'a NodePatch) -> Subject<'a> {
    let kind = node.resource_type;
    Subject {
        unique_id: node.unique_id.clone(),
        label: node.name.clone(),
        prefix: "",
        expr: format!("ref({})", quoted(&node.name)),
        placeholder: Placeholder::Ref(RefCall {
            package: None,
            name: node.name.clone(),
        }),
        what: format!("{} {}", kind.as_str(), node.name),
        path: vec![patch.name.as_str()],
        tags: patch.other.get("tags").cloned(),
    }
}

/// A source table as the subject of its tests; it gets the tags of the source and the table.
fn source_subject<'a>(unique_id: String, src: &'a SourceDecl, table: &'a SourceTable) -> Subject<'a> {
    Subject {
        unique_id,
        label: format!("{}_{}", src.name, table.name),
        prefix: "source_",
        expr: format!("source({}, {})", quoted(&src.name), quoted(&table.name)),
        placeholder: Placeholder::Source(src.name.clone(), table.name.clone()),
        what: format!("source {}.{}", src.name, table.name),
        path: vec![src.name.as_str(), table.name.as_str()],
        tags: Some(Value::Array(
            [src.other.get("tags"), table.other.get("tags")]
                .into_iter()
                .flatten()
                .flat_map(|t| match t {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                })
                .collect(),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn collect<'a>(
    project: &Project,
    jinja: &JinjaEnv,
    doc: &'a SchemaDoc,
    subject: &Subject<'_>,
    model_tests: &[Value],
    columns: &[ColumnDecl],
    out: &mut Vec<Declared<'a>>,
    errors: &mut Vec<Error>,
) {
    let mut push = |column: Option<&ColumnDecl>, index: usize, entry: &Value| match build(
        project, jinja, doc, subject, column, index, entry,
    ) {
        Ok(Some((node, loc, cfg, share))) => out.push((node, loc, doc, cfg, share)),
        Ok(None) => {}
        Err(e) => errors.push(e),
    };
    for (i, entry) in model_tests.iter().enumerate() {
        push(None, i, entry);
    }
    for col in columns {
        for (i, entry) in col.data_tests.iter().enumerate() {
            push(Some(col), i, entry);
        }
    }
}

/// One test node from one YAML entry (None when it is disabled).
fn build(
    project: &Project,
    jinja: &JinjaEnv,
    doc: &SchemaDoc,
    subject: &Subject<'_>,
    column: Option<&ColumnDecl>,
    index: usize,
    entry: &Value,
) -> Result<Option<Built>> {
    let on = match column {
        Some(c) => format!("column {} of {}", c.name, subject.what),
        None => subject.what.clone(),
    };
    let loc = entry_site(subject, column, index, entry);
    let fail = |msg: String, help: String| -> Error {
        Error::project(msg)
            .at(loc.location(doc))
            .with_source_line(&doc.text)
            .help(help)
    };

    let Entry {
        test,
        mut args,
        config: entry_config,
        name,
    } = read_entry(entry).map_err(|msg| {
        fail(
            format!("cannot read a test on {on}: {msg}"),
            "write a test as `- not_null`, or `- accepted_values: {values: [a, b], config: {severity: warn}}`".into(),
        )
    })?;
    let macro_name = test_macro(jinja, &test).map_err(|(msg, help)| fail(format!("{msg} on {on}"), help))?;
    if let Some(c) = column {
        args.entry("column_name".to_string()).or_insert(column_arg(c));
    }
    check_args(jinja, &macro_name, &test, &args).map_err(|(msg, help)| fail(format!("{msg} on {on}"), help))?;

    // A package's YAML makes the package's tests (its name leads the fqn and the unique id).
    let mut fqn = vec![yaml_project(project, &doc.path).to_string()];
    if let Some(dir) = yaml_dir(project, &doc.path) {
        fqn.extend(dir);
    }
    let names = test_names(subject.prefix, &test, &subject.label, &args);
    let alias = names.alias.filter(|_| name.is_none());
    let name = name.unwrap_or(names.full);
    let id = format!("{name}.{}", id_hash(&name, &test, &subject.expr, &args));
    fqn.push(name.clone());
    let mut config = test_config(project, &fqn, subject, column, &entry_config);
    if let Some(alias) = alias {
        config.entry("alias").or_insert(Value::String(alias));
    }
    render_config_jinja(jinja, &mut config, &name).map_err(|e| e.at(loc.location(doc)))?;
    if disabled(&config) {
        return Ok(None);
    }
    check_test_config(&config).map_err(|(msg, help)| fail(format!("test {name} on {on} has {msg}"), help))?;

    let raw_code = call_template(&macro_name, &subject.expr, &args);
    let share = share_of(&raw_code, &macro_name, &args, &config, subject);
    let mut kwargs = args;
    kwargs.remove("column_name");
    let info = TestInfo {
        test_name: test,
        attached_to: Some(subject.unique_id.clone()),
        column_name: column.map(|c| c.name.clone()),
        kwargs,
    };
    let node = test_node(project, &doc.path, (name, id), fqn, raw_code, config, info);
    Ok(Some((Box::new(node), loc, entry_config, share)))
}

/// The `column_name` argument a column's test gets: quoted when the column says `quote: true`.
fn column_arg(c: &ColumnDecl) -> Value {
    Value::String(if c.quote == Some(true) {
        crate::relation::quote(&c.name)
    } else {
        c.name.clone()
    })
}

/// A `where:` config holding Jinja, rendered once here.
fn render_config_jinja(jinja: &JinjaEnv, config: &mut Map<String, Value>, name: &str) -> Result<()> {
    for (key, value) in config.iter_mut() {
        if let Value::String(text) = value
            && (text.contains("{{") || text.contains("{%"))
        {
            *value = Value::String(render_config(jinja, key, text, name)?);
        }
    }
    Ok(())
}

/// Tests whose call differs only in the subject (no Jinja in their arguments) share a render:
/// the key they share it by.
fn share_of(
    raw_code: &str,
    macro_name: &str,
    args: &Map<String, Value>,
    config: &Map<String, Value>,
    subject: &Subject<'_>,
) -> Option<Share> {
    raw_code
        .starts_with("{{")
        .then(|| serde_json::to_string(&(macro_name, args, config, subject.expr.starts_with("ref("))).ok())
        .flatten()
        .map(|key| Share {
            key,
            subject: subject.placeholder.clone(),
        })
}

/// A data test's node before its render.
fn test_node(
    project: &Project,
    file: &Path,
    (name, id): (String, String),
    fqn: Vec<String>,
    raw_code: String,
    config: Map<String, Value>,
    info: TestInfo,
) -> Node {
    let package = yaml_project(project, file);
    Node {
        unique_id: format!("test.{package}.{id}"),
        // By id: tests whose names are alike (their arguments differ in punctuation) keep
        // their own templates.
        template: format!("__mozt_test__/{id}"),
        name,
        resource_type: ResourceType::Test,
        package_name: package.to_string(),
        original_file_path: file.to_path_buf(),
        fqn,
        raw_code: raw_code.into(),
        config,
        settings: Default::default(),
        refs: vec![],
        sources: vec![],
        depends_on: vec![],
        relation: None,
        description: String::new(),
        columns: Default::default(),
        test: Some(info),
        unit: None,
        vars_used: vec![],
        yaml_checksum: None,
        prerender: None,
        introspects: false,
        constraints: vec![],
    }
}

/// Where a test entry stands in its YAML file (for error locations).
fn entry_site(subject: &Subject<'_>, column: Option<&ColumnDecl>, index: usize, entry: &Value) -> Site {
    let mut path = subject.path.clone();
    if let Some(c) = column {
        path.push(c.name.as_str());
    }
    let entry_name = match entry {
        Value::String(s) => Some(s.as_str()),
        Value::Object(m) => m
            .get("test_name")
            .and_then(Value::as_str)
            .or_else(|| m.keys().next().map(String::as_str)),
        _ => None,
    };
    Site {
        path: path.iter().map(|p| p.to_string()).collect(),
        index,
        needle: entry_name.map(str::to_string),
    }
}

/// The macro a test calls: `test_<name>`; a namespaced `package.name` is the package's
/// `package.test_<name>`, falling back to the project's own. Else the message and help naming the known tests.
fn test_macro(jinja: &JinjaEnv, test: &str) -> std::result::Result<String, (String, String)> {
    // `package.name` is the package's `test_name` (as dbt finds it, whatever the root defines),
    // else the project's own.
    let bare = test.rsplit('.').next().unwrap_or(test);
    let found = [
        test.rsplit_once('.')
            .map(|(package, _)| format!("{package}.test_{bare}")),
        Some(format!("test_{bare}")),
    ]
    .into_iter()
    .flatten()
    .find(|m| jinja.has_macro(m));
    if let Some(name) = found {
        return Ok(name);
    }
    let known: Vec<&str> = jinja.macro_names().filter_map(|m| m.strip_prefix("test_")).collect();
    let hints = closest(test, known.iter().copied());
    let mut all = known.clone();
    all.sort_unstable();
    Err((
        format!("unknown test '{test}'"),
        match hints.is_empty() {
            true => format!(
                "known tests: {}; define others with {{% test {test}(model, column_name) %}} in tests/generic/ or macros/",
                all.join(", ")
            ),
            false => did_you_mean(&hints, ""),
        },
    ))
}

/// A test's config: defaults, then project.yml `data-tests:` folders, then the tags of the
/// tested model (or source) and column, then the entry's own.
fn test_config(
    project: &Project,
    fqn: &[String],
    subject: &Subject<'_>,
    column: Option<&ColumnDecl>,
    entry_config: &Map<String, Value>,
) -> Map<String, Value> {
    let mut config = Map::new();
    config.insert("enabled".into(), Value::Bool(true));
    config.insert("severity".into(), Value::String("error".into()));
    merge_config(&mut config, &folder_config(&project.file.tests, fqn));
    for tags in [subject.tags.as_ref(), column.and_then(|c| c.other.get("tags"))]
        .into_iter()
        .flatten()
    {
        let mut layer = Map::new();
        layer.insert("tags".into(), tags.clone());
        merge_config(&mut config, &layer);
    }
    merge_config(&mut config, entry_config);
    config
}

/// `enabled: false` (or `"false"`).
fn disabled(config: &Map<String, Value>) -> bool {
    matches!(config.get("enabled"), Some(Value::Bool(false)))
        || config
            .get("enabled")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("false"))
}

/// A test's severity and thresholds are values mozt can act on; else what is wrong (after
/// "test X on Y has") and the help.
fn check_test_config(config: &Map<String, Value>) -> std::result::Result<(), (String, String)> {
    if let Some(sev) = config.get("severity") {
        let ok = sev
            .as_str()
            .is_some_and(|s| matches!(s.to_ascii_lowercase().as_str(), "warn" | "error"));
        if !ok {
            return Err((format!("severity {sev}"), "severity is `warn` or `error`".into()));
        }
    }
    for key in ["error_if", "warn_if"] {
        if let Some(v) = config.get(key)
            && v.as_str()
                .and_then(crate::manifest::threshold::Threshold::parse)
                .is_none()
        {
            return Err((
                format!("{key}: {v}, which mozt cannot read"),
                "write a comparison with the count of failing rows: \"!=0\", \">10\", \">=5\"".into(),
            ));
        }
    }
    Ok(())
}

/// Read one entry of a `data_tests:` list.
fn read_entry(entry: &Value) -> std::result::Result<Entry, String> {
    let (test, body) = match entry {
        Value::String(s) if !s.trim().is_empty() => {
            return Ok(Entry {
                test: s.trim().to_string(),
                ..Default::default()
            });
        }
        Value::Object(m) if m.contains_key("test_name") => {
            let test = m
                .get("test_name")
                .and_then(Value::as_str)
                .ok_or("`test_name` must be a test's name")?;
            let mut body = m.clone();
            body.remove("test_name");
            (test.to_string(), body)
        }
        Value::Object(m) if m.len() == 1 => {
            let Some((test, v)) = m.iter().next() else {
                return Err("an empty entry".into());
            };
            let body = match v {
                Value::Null => Map::new(),
                Value::Object(b) => b.clone(),
                other => {
                    return Err(format!(
                        "the arguments of `{test}` must be a mapping (argument: value), not {}",
                        kind_of(other)
                    ));
                }
            };
            (test.clone(), body)
        }
        Value::Object(m) if m.is_empty() => return Err("an empty entry".into()),
        Value::Object(m) => {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            return Err(format!(
                "an entry names one test, but this one has several keys ({}); is the indentation of its arguments right?",
                keys.join(", ")
            ));
        }
        other => return Err(format!("expected a test name or a mapping, found {}", kind_of(other))),
    };
    let mut e = Entry {
        test,
        ..Default::default()
    };
    for (k, v) in body {
        match k.as_str() {
            "name" => e.name = Some(v.as_str().ok_or("`name` must be a string")?.to_string()),
            "description" => {}
            "config" => match v {
                Value::Object(c) => merge_config(&mut e.config, &c),
                Value::Null => {}
                _ => return Err("`config` must be a mapping".into()),
            },
            "arguments" => match v {
                Value::Object(a) => e.args.extend(a),
                Value::Null => {}
                _ => return Err("`arguments` must be a mapping".into()),
            },
            _ if CONFIG_KEYS.contains(&normalize_key(&k).as_str()) => {
                let mut layer = Map::new();
                layer.insert(k, v);
                merge_config(&mut e.config, &layer);
            }
            _ => {
                e.args.insert(k, v);
            }
        }
    }
    if e.test.is_empty() {
        return Err("the test has no name".into());
    }
    Ok(e)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Every required parameter of the macro is given (a package's may be left out), and nothing
/// it does not take.
fn check_args(
    jinja: &JinjaEnv,
    macro_name: &str,
    test: &str,
    args: &Map<String, Value>,
) -> std::result::Result<(), (String, String)> {
    let Some(known) = jinja.macro_params(macro_name) else {
        return Ok(());
    };
    let (params, any_keyword) = (&known.params, known.any_keyword);
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let takes = format!("{test} takes: {}", names.join(", "));
    // A package's test left without an argument sees it undefined, as in dbt (dbt_expectations'
    // tests default `compare_model` to the model so); the project's own tests must get theirs.
    let lenient = jinja.macro_in_package(macro_name);
    for p in params {
        if p.required && !lenient && p.name != "model" && !args.contains_key(&p.name) {
            let msg = if p.name == "column_name" {
                format!("test {test} needs a column: declare it under a column's data_tests, or pass column_name")
            } else {
                format!("test {test} is missing its argument `{}`", p.name)
            };
            return Err((msg, takes));
        }
    }
    for k in args.keys() {
        if !names.contains(&k.as_str()) && !any_keyword {
            let hints = closest(k, names.iter().copied().filter(|n| *n != "model"));
            let help = if hints.is_empty() {
                takes
            } else {
                format!("{}; {takes}", did_you_mean(&hints, ""))
            };
            return Err((format!("test {test} does not take an argument `{k}`"), help));
        }
    }
    if test == "accepted_values"
        && args
            .get("values")
            .is_some_and(|v| v.as_array().is_none_or(|a| a.is_empty()))
    {
        return Err((
            "accepted_values needs `values` to be a non-empty list".into(),
            "values: ['a', 'b']".into(),
        ));
    }
    Ok(())
}

/// `{{ test_x(model=get_where_subquery(ref('m')), column_name='c', ...) }}`. Arguments written
/// as `ref(...)`/`source(...)` are calls; strings holding Jinja are rendered first.
fn call_template(macro_name: &str, subject_expr: &str, args: &Map<String, Value>) -> String {
    let mut head = String::new();
    let mut call = vec![format!("model=get_where_subquery({subject_expr})")];
    for (k, v) in args {
        let expr = match v {
            Value::String(s) if is_relation_call(s) => s.trim().to_string(),
            other => arg_expr(other, &mut head, 0),
        };
        call.push(format!("{k}={expr}"));
    }
    format!("{head}{{{{ {macro_name}({}) }}}}\n", call.join(", "))
}

/// How deep a test argument's lists and maps are searched for Jinja (deeper ones are passed
/// as written).
const MAX_ARG_DEPTH: usize = 16;

/// A test argument as a Jinja expression: a string holding Jinja is rendered into a variable
/// set in `head` (also inside a list or a map, as dbt renders every string of a test's
/// arguments: `column_type_list: [date, "{{ dbt_expectations.type_timestamp() }}"]`).
fn arg_expr(v: &Value, head: &mut String, depth: usize) -> String {
    match v {
        Value::String(s) if s.contains("{{") || s.contains("{%") => {
            let name = format!("__mozt_arg_{}", head.matches("{% set __mozt_arg_").count());
            head.push_str(&format!("{{% set {name} %}}{s}{{% endset %}}"));
            name
        }
        Value::Array(a) if depth < MAX_ARG_DEPTH => {
            let items: Vec<String> = a.iter().map(|v| arg_expr(v, head, depth + 1)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(o) if depth < MAX_ARG_DEPTH => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        literal(&Value::String(k.clone())),
                        arg_expr(v, head, depth + 1)
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => literal(other),
    }
}

/// `ref('x')`, `ref('p', 'x')`, `source('s', 't')`: an argument naming a relation.
fn is_relation_call(s: &str) -> bool {
    let t = s.trim();
    let rest = t.strip_prefix("ref").or_else(|| t.strip_prefix("source"));
    rest.is_some_and(|r| {
        let r = r.trim_start();
        r.starts_with('(') && r.ends_with(')') && !r[1..r.len() - 1].contains(['(', ')', '{', '}'])
    })
}

/// A JSON value as a Jinja literal.
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_else(|_| "''".into()),
        Value::Array(a) => format!("[{}]", a.iter().map(literal).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", literal(&Value::String(k.clone())), literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A test's config value holding Jinja (`where: "{{ var('start') }}"`, `severity: "{{ 'warn'
/// if target.type == 'spark' else 'error' }}"`), rendered once at parse time, as dbt does.
fn render_config(jinja: &JinjaEnv, key: &str, text: &str, test: &str) -> Result<String> {
    let name = format!("{key} of test {test}");
    let (result, _) = scope::with_scope(Scope::new(Mode::Parse), || {
        crate::jinja::refuse_too_deep(text)?;
        jinja.env.render_named_str(&name, text, minijinja::context! {})
    });
    result
        .map(|t| t.trim().to_string())
        .map_err(|e| Error::project(format!("cannot render the `{key}` of test {test}: {e}")))
}

/// The name of the project a YAML file belongs to: an installed package's, or the root's.
fn yaml_project<'a>(project: &'a Project, path: &Path) -> &'a str {
    project.package_of(path).map_or(project.name(), |p| p.name.as_str())
}

/// The folders of a YAML file below its project path (`models/staging/x.yml` -> [staging];
/// a package's file below the package's paths).
fn yaml_dir(project: &Project, path: &Path) -> Option<Vec<String>> {
    let (f, path) = match project.package_of(path) {
        Some(p) => (&p.file, path.strip_prefix(&p.dir).unwrap_or(path)),
        None => (&project.file, path),
    };
    let roots = f
        .model_paths
        .iter()
        .chain(&f.seed_paths)
        .chain(&f.test_paths)
        .chain(&f.snapshot_paths);
    for r in roots {
        if let Ok(rest) = path.strip_prefix(r) {
            let parent = rest.parent()?;
            return Some(
                parent
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().to_string())
                    .collect(),
            );
        }
    }
    None
}

fn check_ref(r: &RefCall, refable: &FastMap<&str, &Node>, project: &str) -> Result<()> {
    if let Some(p) = &r.package
        && p != project
    {
        return Err(Error::project(format!(
            "ref('{p}', '{}'): unknown project '{p}'",
            r.name
        )));
    }
    if refable.contains_key(r.name.as_str()) {
        return Ok(());
    }
    let hints = closest(&r.name, refable.keys().copied());
    Err(Error::project(format!(
        "a test refers to ref('{}'), which names no model, seed or snapshot",
        r.name
    ))
    .help(did_you_mean(
        &hints,
        "check the name: refs use the file name without .sql",
    )))
}

fn did_you_mean(hints: &[String], otherwise: &str) -> String {
    if hints.is_empty() {
        otherwise.to_string()
    } else {
        format!(
            "did you mean {}?",
            hints.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", ")
        )
    }
}

/// Point errors raised in a test's generated template at its YAML entry instead.
fn relocate(mut e: Error, template: &str, loc: &Location, doc: &SchemaDoc, name: &str) -> Error {
    let in_template = e
        .location
        .as_ref()
        .is_some_and(|l| l.file.to_string_lossy() == template);
    if in_template {
        e.location = Some(Box::new(loc.clone()));
        e.snippet = None;
        e = e.with_source_line(&doc.text);
    }
    e.message = format!("test {name}: {}", e.message);
    e
}

/// The line of a test entry: walk the `name:` lines of `path` in order, then find the
/// `data_tests:` (or `tests:`) key of that entry and its `index`th item; failing that, the
/// first list item after them holding `needle` as a word.
fn locate(doc: &SchemaDoc, path: &[&str], index: usize, needle: Option<&str>) -> usize {
    let lines: Vec<&str> = doc.text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut at = 0usize;
    for name in path {
        if let Some(i) = (at..lines.len()).find(|&i| names(lines[i], name)) {
            at = i;
        }
    }
    // The keys of the entry are indented like its `name:`.
    if let Some(key_indent) = lines.get(at).and_then(|l| l.find("name:")) {
        let key = (at + 1..lines.len())
            .take_while(|&i| lines[i].trim().is_empty() || indent(lines[i]) >= key_indent)
            .find(|&i| {
                let t = lines[i].trim_start();
                indent(lines[i]) == key_indent && (t.starts_with("data_tests:") || t.starts_with("tests:"))
            });
        if let Some(k) = key {
            if lines[k].contains('[') {
                return k + 1;
            }
            let mut seen = 0;
            let mut item_indent = None;
            for (i, l) in lines.iter().enumerate().skip(k + 1) {
                let t = l.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                if indent(l) < key_indent || (indent(l) == key_indent && !t.starts_with('-')) {
                    break;
                }
                if t.starts_with('-') && *item_indent.get_or_insert(indent(l)) == indent(l) {
                    if seen == index {
                        return i + 1;
                    }
                    seen += 1;
                }
            }
        }
    }
    if let Some(needle) = needle {
        let entry_like = |l: &str| {
            let t = l.trim_start();
            t.starts_with("- ")
                || t.contains("tests:")
                || t.starts_with(&format!("{needle}:"))
                || t.starts_with("test_name:")
        };
        if let Some(i) = (at..lines.len()).find(|&i| has_word(lines[i], needle) && entry_like(lines[i])) {
            return i + 1;
        }
    }
    at + 1
}

fn names(line: &str, name: &str) -> bool {
    let t = line.trim_start().trim_start_matches("- ").trim();
    t.strip_prefix("name:")
        .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
        .is_some_and(|v| v == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_entry_forms() {
        let e = read_entry(&json!("not_null")).unwrap();
        assert_eq!(e.test, "not_null");
        let e = read_entry(
            &json!({"accepted_values": {"values": ["a"], "severity": "warn", "config": {"where": "x > 1"}}}),
        )
        .unwrap();
        assert_eq!(e.args, json!({"values": ["a"]}).as_object().unwrap().clone());
        assert_eq!(e.config["severity"], json!("warn"));
        assert_eq!(e.config["where"], json!("x > 1"));
        let e = read_entry(&json!({"test_name": "unique", "name": "my_unique"})).unwrap();
        assert_eq!((e.test.as_str(), e.name.as_deref()), ("unique", Some("my_unique")));
        let e = read_entry(&json!({"relationships": {"arguments": {"to": "ref('a')", "field": "id"}}})).unwrap();
        assert_eq!(e.args.len(), 2);
        assert!(read_entry(&json!({"unique": null, "not_null": null})).is_err());
        assert!(read_entry(&json!(3)).is_err());
        assert!(read_entry(&json!({"unique": [1]})).is_err());
    }

    #[test]
    fn writes_call_templates() {
        let args = json!({"column_name": "c", "to": "ref('d')", "values": ["a\"b", 1, null], "w": "{{ var('x') }}"})
            .as_object()
            .unwrap()
            .clone();
        let t = call_template("test_x", "ref('m')", &args);
        assert_eq!(
            t,
            "{% set __mozt_arg_0 %}{{ var('x') }}{% endset %}{{ test_x(model=get_where_subquery(ref('m')), column_name=\"c\", to=ref('d'), values=[\"a\\\"b\", 1, none], w=__mozt_arg_0) }}\n"
        );
        assert!(is_relation_call("source('a', 'b')"));
        assert!(!is_relation_call("reference"));
    }

    #[test]
    fn locates_entries() {
        let text = "models:\n  - name: m\n    data_tests:\n      - unique_combo: {a: 1}\n    columns:\n      - name: c\n        description: must be unique\n        data_tests:\n          - unique\n          - {unique: null, not_null: null}\n      - name: d\n        data_tests: [not_null]\n";
        let doc = SchemaDoc::parse(Path::new("s.yml"), text.to_string()).unwrap();
        assert_eq!(locate(&doc, &["m"], 0, Some("unique_combo")), 4);
        assert_eq!(locate(&doc, &["m", "c"], 0, Some("unique")), 9);
        assert_eq!(locate(&doc, &["m", "c"], 1, Some("unique")), 10);
        assert_eq!(locate(&doc, &["m", "d"], 0, Some("not_null")), 12);
    }
}
