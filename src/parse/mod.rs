//! The parse phase: render every model's Jinja once, offline, recording the refs, sources and
//! configs it calls; resolve configs in precedence order (model file > schema YAML > project.yml
//! folders > defaults); decide each node's relation; check every ref and source.

pub(crate) mod generic_tests;
pub(crate) mod partial;
mod shared_renders;
pub(crate) mod snapshots;
mod test_names;
pub(crate) mod unit_tests;
mod yaml_jinja;

use indexmap::IndexMap;
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Location, Result, combine, line_of};
use crate::hash::FastMap;
use crate::jinja::objects::{ModelObj, relation_value};
use crate::jinja::{JinjaEnv, Mode, Scope, path_name};
use crate::manifest::node::{ColumnInfo, Node, ResourceType, SourceNode, TestInfo};
use crate::manifest::render::RefCall;
use crate::manifest::{Manifest, Materialization};
use crate::project::config::{folder_config, merge_config};
use crate::project::schema::{ColumnDecl, NodePatch};
use crate::project::{Project, SourceFile, Target};
use crate::relation::{Quoting, Relation};
use crate::suggest::closest;
use yaml_jinja::YamlJinja;

pub(crate) struct Parsed {
    pub manifest: std::sync::Arc<Manifest>,
    pub jinja: JinjaEnv,
    /// The partial-parse cache being written (waited for when dropped).
    pub cache_written: partial::SaveHandle,
}

/// Where a YAML patch for a node came from.
struct Patch<'a> {
    patch: &'a NodePatch,
    file: &'a Path,
}

/// Parse the project. With `partial`, renders whose inputs did not change since the last parse
/// are reused from `target/partial_parse.json` (see `partial`).
pub(crate) fn parse(
    project: &Project,
    target: &Target,
    cli_vars: &Map<String, Value>,
    partial: bool,
) -> Result<Parsed> {
    let vars = merged_vars(project, cli_vars);
    let (generic_tests, singular_tests) = test_files(project);
    // Package macros go into their packages' namespaces (jinja::packages), not the root's.
    let mut macro_files: Vec<SourceFile> = project.macros.iter().filter(|f| f.package.is_none()).cloned().collect();
    macro_files.extend(generic_tests.into_iter().cloned());
    let packages = crate::jinja::packages::load(project)?;
    let mut jinja = JinjaEnv::with_packages(&macro_files, &packages, target, vars.clone())?;
    jinja.set_doc_blocks(crate::project::doc_blocks::DocBlocks::load(project)?);
    let mut memo = partial::Memo::load(&project.target_dir(), target, &jinja, &vars, partial);
    memo.package_vars = package_vars(project, cli_vars);
    let model_patches = patches(project, |f| &f.models, "models")?;
    let seed_patches = patches(project, |f| &f.seeds, "seeds")?;
    let snapshot_patches = patches(project, |f| &f.snapshots, "snapshots")?;
    let snapshots = snapshots::find(project)?;

    let mut nodes = templated_nodes(
        project,
        &mut jinja,
        &model_patches,
        &snapshot_patches,
        snapshots,
        &singular_tests,
    )?;
    let started = std::time::Instant::now();
    let yaml = YamlJinja {
        jinja: &jinja,
        package_vars: &memo.package_vars,
    };
    render_configs(&yaml, &mut nodes)?;
    let mut disabled = render_all(project, &jinja, &memo, &model_patches, &mut nodes)?;
    tracing::debug!("rendered {} templates in {:?}", nodes.len(), started.elapsed());
    add_seeds(project, &yaml, &seed_patches, &mut nodes, &mut disabled)?;
    assign_relations(&jinja, target, &mut nodes)?;
    tracing::debug!("relations of {} nodes in {:?}", nodes.len(), started.elapsed());

    let sources = sources(project, &yaml, target)?;
    generic_tests::generate(project, &mut jinja, &memo, &mut nodes, &sources)?;
    let unit_tests = unit_tests::generate(project, &nodes, &sources)?;
    nodes.extend(unit_tests);
    tracing::debug!("tests generated and rendered at {:?}", started.elapsed());
    tracing::debug!(
        "parse renders reusable by compile: {} of {}",
        nodes.iter().filter(|n| n.prerender.is_some()).count(),
        nodes.len()
    );
    let mut manifest = Manifest::new(project.name().to_string(), nodes, sources);
    manifest.package_vars = std::mem::take(&mut memo.package_vars);
    resolve_dependencies(&mut manifest, project, &disabled)?;
    tracing::debug!("dependencies resolved at {:?}", started.elapsed());
    let cache_written = memo.save();
    Ok(Parsed {
        manifest: std::sync::Arc::new(manifest),
        jinja,
        cache_written,
    })
}

/// The project's vars with `--vars` over them.
fn merged_vars(project: &Project, cli_vars: &Map<String, Value>) -> Map<String, Value> {
    let mut vars: Map<String, Value> = project.file.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in cli_vars {
        vars.insert(k.clone(), v.clone());
    }
    vars
}

/// What `var()` reads in each installed package's nodes: the package's vars with `--vars`
/// over them.
fn package_vars(project: &Project, cli_vars: &Map<String, Value>) -> HashMap<String, Map<String, Value>> {
    project
        .packages
        .iter()
        .map(|p| {
            let mut vars = p.vars.clone();
            vars.extend(cli_vars.iter().map(|(k, v)| (k.clone(), v.clone())));
            (p.name.clone(), vars)
        })
        .collect()
}

/// The files under the test paths: generic test definitions (`tests/generic/`, read as
/// macros) and singular tests; unit test fixtures (`tests/fixtures/`) are data, neither.
fn test_files(project: &Project) -> (Vec<&SourceFile>, Vec<&SourceFile>) {
    let under = |folder: &str| -> Vec<PathBuf> {
        let own = project.file.test_paths.iter().map(|p| Path::new(p).join(folder));
        let packages = project
            .packages
            .iter()
            .flat_map(|pkg| pkg.file.test_paths.iter().map(|p| pkg.dir.join(p).join(folder)));
        own.chain(packages).collect()
    };
    let generic_dirs = under("generic");
    let fixture_dirs = under("fixtures");
    project
        .tests
        .iter()
        .filter(|f| !fixture_dirs.iter().any(|d| f.path.starts_with(d)))
        .partition(|f| generic_dirs.iter().any(|d| f.path.starts_with(d)))
}

/// The nodes defined by a template of their own: models, snapshots and singular tests, with
/// their templates added to the environment (all of them before any renders, in parallel).
fn templated_nodes(
    project: &Project,
    jinja: &mut JinjaEnv,
    model_patches: &HashMap<&str, Patch>,
    snapshot_patches: &HashMap<&str, Patch>,
    snapshots: Vec<snapshots::SnapshotSource>,
    singular_tests: &[&SourceFile],
) -> Result<Vec<Node>> {
    let mut errors = vec![];

    // Room for every node, tests included, so that none is moved once made (a node is large,
    // and a growing vector of fifteen thousand of them is fresh memory each time).
    let declared_tests: usize = project.schema_files.iter().map(|d| d.content.declared_tests()).sum();
    let mut nodes: Vec<Node> = Vec::with_capacity(
        project.models.len() + snapshots.len() + singular_tests.len() + project.seeds.len() + declared_tests,
    );
    nodes.par_extend(project.models.par_iter().map(|file| {
        skeleton(
            project,
            file,
            ResourceType::Model,
            &project.file.model_paths,
            &project.file.models,
            model_patches.get(stem(&file.path)),
        )
    }));
    // Analyses render like models (refs, sources, macros) and are compiled, never built.
    nodes.par_extend(project.analyses.par_iter().map(|file| {
        skeleton(
            project,
            file,
            ResourceType::Analysis,
            &project.file.analysis_paths,
            &Value::Null,
            None,
        )
    }));
    jinja.add_templates(
        nodes
            .par_iter()
            .map(|n| (n.template.clone(), Arc::clone(&n.raw_code)))
            .collect::<Vec<_>>(),
    );
    for snap in snapshots {
        let node = snapshot_node(project, &snap, snapshot_patches.get(snap.name.as_str()));
        if let Err(e) = jinja.add_template(&node.template, snap.template) {
            errors.push(e);
        }
        nodes.push(node);
    }
    for file in singular_tests {
        let node = singular_test_node(project, file);
        if let Err(e) = jinja.add_template(&node.template, file.text.clone()) {
            errors.push(e);
        }
        nodes.push(node);
    }
    if !errors.is_empty() {
        return Err(combine(errors));
    }
    check_duplicates(&nodes, 0)?;
    Ok(nodes)
}

/// A snapshot block's node: named after the block, its template the file's name and the
/// block's, its config the block's over the folder's.
fn snapshot_node(project: &Project, snap: &snapshots::SnapshotSource, patch: Option<&Patch>) -> Node {
    let mut node = skeleton(
        project,
        &snap.file,
        ResourceType::Snapshot,
        &project.file.snapshot_paths,
        &project.file.snapshots,
        patch,
    );
    node.name = snap.name.clone();
    node.unique_id = format!("snapshot.{}.{}", project.name(), snap.name);
    if let Some(last) = node.fqn.last_mut() {
        *last = snap.name.clone();
    }
    node.template = format!("{}#{}", node.template, snap.name);
    merge_config(&mut node.config, &snap.config);
    node
}

/// A singular test's node (a SQL file in a test path).
fn singular_test_node(project: &Project, file: &SourceFile) -> Node {
    let mut node = skeleton(
        project,
        file,
        ResourceType::Test,
        &project.file.test_paths,
        &project.file.tests,
        None,
    );
    node.unique_id = format!("test.{}.{}", project.name(), node.name);
    node.test = Some(TestInfo {
        test_name: "singular".into(),
        attached_to: None,
        column_name: None,
        kwargs: Map::new(),
    });
    node
}

/// Render every model, snapshot and singular test once in parse mode, fold what each render
/// recorded into its node, and drop the disabled ones; their names (so that a ref() to one
/// says so).
fn render_all(
    project: &Project,
    jinja: &JinjaEnv,
    memo: &partial::Memo,
    model_patches: &HashMap<&str, Patch>,
    nodes: &mut Vec<Node>,
) -> Result<Vec<String>> {
    // Each node's render is folded into it in place, on the worker that rendered it (a node is
    // large: moving ten thousand of them costs more than it seems).
    let rendered: Vec<Rendered> = nodes
        .par_iter_mut()
        .map(|node| {
            let scope = match memo.render(jinja, node) {
                Ok(scope) => scope,
                Err(e) => return Rendered::Failed(e),
            };
            merge_config(&mut node.config, &scope.recorded.config);
            node.resolve_settings();
            node.refs = scope.recorded.refs;
            node.sources = scope.recorded.sources;
            node.prerender = scope.prerender;
            node.introspects = scope.recorded.introspects;
            node.vars_used = scope.recorded.vars;
            node.vars_used
                .extend(scope.recorded.env_vars.into_iter().map(|v| format!("env:{v}")));
            if !node.settings.enabled() {
                return Rendered::Disabled;
            }
            let materialized = check_materialized(node, &scope.recorded.config, project, model_patches).err();
            let snapshot = snapshots::check_config(node).err();
            Rendered::Kept(materialized, snapshot)
        })
        .collect();
    let mut disabled: Vec<String> = vec![];
    let mut errors = vec![];
    // Snapshot config errors are reported once every template has rendered and is materialized.
    let mut later = vec![];
    let mut keep = Vec::with_capacity(nodes.len());
    for (node, r) in nodes.iter().zip(rendered) {
        keep.push(matches!(r, Rendered::Kept(..)));
        match r {
            Rendered::Kept(materialized, snapshot) => {
                errors.extend(materialized);
                later.extend(snapshot);
            }
            Rendered::Disabled => disabled.push(node.name.clone()),
            Rendered::Failed(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(combine(errors));
    }
    if !later.is_empty() {
        return Err(combine(later));
    }
    if keep.contains(&false) {
        let mut keep = keep.into_iter();
        nodes.retain(|_| keep.next().unwrap_or(true));
    }
    Ok(disabled)
}

/// Jinja in each node's configs from dbt_project.yml and YAML, rendered before its template
/// (whose `config()` calls may read them).
fn render_configs(yaml: &YamlJinja<'_>, nodes: &mut [Node]) -> Result<()> {
    let errors: Vec<Error> = nodes
        .par_iter_mut()
        .filter_map(|node| {
            let file = &node.original_file_path;
            let what = || format!("a config of {}", path_name(file));
            yaml.config(&node.package_name, what, &mut node.config).err()
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(combine(errors))
    }
}

/// A node per seed file (disabled ones named in `disabled`).
fn add_seeds(
    project: &Project,
    yaml: &YamlJinja<'_>,
    seed_patches: &HashMap<&str, Patch>,
    nodes: &mut Vec<Node>,
    disabled: &mut Vec<String>,
) -> Result<()> {
    let seeds_from = nodes.len();
    for path in &project.seeds {
        let file = SourceFile {
            path: path.clone(),
            text: "".into(),
            package: project.package_of(path).map(|p| p.name.as_str().into()),
        };
        let mut node = skeleton(
            project,
            &file,
            ResourceType::Seed,
            &project.file.seed_paths,
            &project.file.seeds,
            seed_patches.get(stem(path)),
        );
        render_configs(yaml, std::slice::from_mut(&mut node))?;
        node.resolve_settings();
        if node.settings.enabled() {
            nodes.push(node);
        } else {
            disabled.push(node.name.clone());
        }
    }
    check_duplicates(nodes, seeds_from)
}

/// Each built node's relation (each may call the project's generate_schema_name macro: in
/// parallel).
fn assign_relations(jinja: &JinjaEnv, target: &Target, nodes: &mut [Node]) -> Result<()> {
    let schemas = SchemaNames::new(jinja, target);
    let relations: Vec<Option<Result<Relation>>> = nodes
        .par_iter()
        .map(|node| {
            let built = node.resource_type != ResourceType::Test && node.materialized() != Materialization::Ephemeral;
            built.then(|| relation_for(&schemas, target, node))
        })
        .collect();
    let mut errors = vec![];
    for (node, relation) in nodes.iter_mut().zip(relations) {
        match relation {
            Some(Ok(r)) => node.relation = Some(r),
            Some(Err(e)) => errors.push(e),
            None => {}
        }
    }
    if errors.is_empty() {
        check_relations(nodes)
    } else {
        Err(combine(errors))
    }
}

/// Two nodes that would build one relation (a package's model named like the root's in the same
/// schema, or two aliases alike): the second build would replace the first, so it is an error,
/// as in dbt.
fn check_relations(nodes: &[Node]) -> Result<()> {
    let mut built: FastMap<String, &Node> = crate::hash::fast_map(nodes.len());
    for n in nodes {
        let Some(relation) = &n.relation else { continue };
        if let Some(prev) = built.insert(relation.to_string().to_lowercase(), n) {
            return Err(Error::project(format!(
                "{} ({}) and {} ({}) would both build {relation}",
                prev.unique_id,
                prev.original_file_path.display(),
                n.unique_id,
                n.original_file_path.display()
            ))
            .at(Location::at(&n.original_file_path, 1))
            .help(
                "give one of them another `alias` or `schema` in its config, or disable one with `+enabled: false`",
            ));
        }
    }
    Ok(())
}

/// What one model's or singular test's parse render, folded into its node, left.
enum Rendered {
    /// Kept, with its materialization error and its snapshot config error, if any.
    Kept(Option<Error>, Option<Error>),
    Disabled,
    Failed(Error),
}

fn stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
}

/// A node before its Jinja is rendered: name, fqn, and the configs from project.yml and YAML.
fn skeleton(
    project: &Project,
    file: &SourceFile,
    kind: ResourceType,
    roots: &[String],
    folder_tree: &Value,
    patch: Option<&Patch>,
) -> Node {
    let name = stem(&file.path).to_string();
    // A package's file: its fqn starts with the package, under the package's own folders.
    let package = project.package_of(&file.path);
    let package_name = package.map_or(project.name(), |p| p.name.as_str());
    let mut fqn = vec![package_name.to_string()];
    let under_root = match package {
        Some(p) => package_paths(p, kind)
            .iter()
            .find_map(|r| file.path.strip_prefix(p.dir.join(r)).ok())
            .unwrap_or(&file.path),
        None => roots
            .iter()
            .find_map(|r| file.path.strip_prefix(r).ok())
            .unwrap_or(&file.path),
    };
    if let Some(parent) = under_root.parent() {
        fqn.extend(parent.components().map(|c| c.as_os_str().to_string_lossy().to_string()));
    }
    fqn.push(name.clone());
    let mut config = Map::new();
    config.insert("enabled".into(), Value::Bool(true));
    match kind {
        ResourceType::Model => {
            config.insert("materialized".into(), Value::String("view".into()));
        }
        ResourceType::Test => {
            config.insert("severity".into(), Value::String("error".into()));
        }
        _ => {}
    }
    // A package's own folder configs first, the root project's over them.
    if let Some(p) = package {
        merge_config(&mut config, &folder_config(package_tree(p, kind), &fqn));
    }
    merge_config(&mut config, &folder_config(folder_tree, &fqn));
    let mut description = String::new();
    let mut columns = IndexMap::new();
    let mut constraints = vec![];
    let yaml_checksum = patch.and_then(|p| crate::state::checksum::of_patch(p.patch));
    if let Some(p) = patch {
        merge_config(&mut config, &p.patch.config);
        description = p.patch.description.clone().unwrap_or_default();
        columns = column_infos(&p.patch.columns);
        constraints = crate::manifest::publish::Constraint::read_list(p.patch.other.get("constraints"));
    }
    Node {
        unique_id: format!("{}.{}.{}", kind.as_str(), package_name, name),
        name,
        resource_type: kind,
        package_name: package_name.to_string(),
        original_file_path: file.path.clone(),
        fqn,
        raw_code: file.text.clone(),
        template: path_name(&file.path),
        config,
        settings: Default::default(),
        refs: vec![],
        sources: vec![],
        depends_on: vec![],
        relation: None,
        description,
        columns,
        test: None,
        unit: None,
        vars_used: vec![],
        yaml_checksum,
        prerender: None,
        introspects: false,
        constraints,
    }
}

/// A package's folders of a kind of node (relative to its folder).
fn package_paths(p: &crate::project::Package, kind: ResourceType) -> &[String] {
    match kind {
        ResourceType::Seed => &p.file.seed_paths,
        ResourceType::Snapshot => &p.file.snapshot_paths,
        ResourceType::Test => &p.file.test_paths,
        ResourceType::Analysis => &p.file.analysis_paths,
        _ => &p.file.model_paths,
    }
}

/// A package's own folder configs of a kind of node.
fn package_tree(p: &crate::project::Package, kind: ResourceType) -> &Value {
    match kind {
        ResourceType::Seed => &p.file.seeds,
        ResourceType::Snapshot => &p.file.snapshots,
        ResourceType::Test => &p.file.tests,
        _ => &p.file.models,
    }
}

pub(crate) fn column_infos(columns: &[ColumnDecl]) -> IndexMap<String, ColumnInfo> {
    columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                ColumnInfo {
                    name: c.name.clone(),
                    description: c.description.clone().unwrap_or_default(),
                    data_type: c.data_type.clone(),
                    constraints: crate::manifest::publish::Constraint::read_list(c.other.get("constraints")),
                },
            )
        })
        .collect()
}

/// The Jinja context of a node: `this` and `model`.
pub(crate) fn node_context(node: &Node, this: Relation) -> minijinja::Value {
    node_context_with(node, relation_value(this))
}

/// The Jinja context of a node with `this` as given.
pub(crate) fn node_context_with(node: &Node, this: minijinja::Value) -> minijinja::Value {
    minijinja::context! {
        this => this,
        model => minijinja::Value::from_object(ModelObj(node_value(node))),
    }
}

/// A node as Jinja sees it (`model`, and generate_schema_name's `node`): its name, ids, path,
/// fqn and config, serialized straight from the node (no intermediate JSON copy of its config).
fn node_value(node: &Node) -> minijinja::Value {
    #[derive(serde::Serialize)]
    struct NodeValue<'a> {
        name: &'a str,
        unique_id: &'a str,
        resource_type: &'a str,
        original_file_path: String,
        fqn: &'a [String],
        config: &'a Map<String, Value>,
    }
    crate::jinja::to_value(NodeValue {
        name: &node.name,
        unique_id: &node.unique_id,
        resource_type: node.resource_type.as_str(),
        original_file_path: path_name(&node.original_file_path),
        fqn: &node.fqn,
        config: &node.config,
    })
}

fn patches<'a>(
    project: &'a Project,
    pick: impl Fn(&'a crate::project::schema::SchemaFile) -> &'a Vec<NodePatch>,
    what: &str,
) -> Result<HashMap<&'a str, Patch<'a>>> {
    let mut out: HashMap<&str, Patch> = HashMap::new();
    for doc in &project.schema_files {
        for p in pick(&doc.content) {
            if let Some(prev) = out.get(p.name.as_str()) {
                return Err(Error::project(format!(
                    "{} '{}' is described twice in YAML (also in {})",
                    what.trim_end_matches('s'),
                    p.name,
                    prev.file.display()
                ))
                .at(Location::at(&doc.path, doc.line_of_name(&p.name).unwrap_or(1)))
                .help("keep one entry per model; merge the two"));
            }
            out.insert(
                &p.name,
                Patch {
                    patch: p,
                    file: &doc.path,
                },
            );
        }
    }
    Ok(out)
}

/// Two models, seeds or snapshots, or two tests, with one name in one project (the root or
/// one package), among `nodes[from..]` or between them and the nodes before (which were checked
/// already, and are told apart by name only where a later node shares it). A package may use a
/// name the root project uses, as in dbt; `check_relations` then sees that they build different
/// relations.
fn check_duplicates(nodes: &[Node], from: usize) -> Result<()> {
    let (checked, new) = nodes.split_at(from);
    fn key(n: &Node) -> (&str, &str, bool) {
        (&n.name, &n.package_name, n.resource_type != ResourceType::Test)
    }
    let mut seen: FastMap<(&str, &str, bool), &Node> = crate::hash::fast_map(new.len());
    if !checked.is_empty() {
        let new_names: FastMap<&str, ()> = new.iter().map(|n| (n.name.as_str(), ())).collect();
        for n in checked.iter().filter(|n| new_names.contains_key(n.name.as_str())) {
            seen.insert(key(n), n);
        }
    }
    for n in new {
        let refable = n.resource_type != ResourceType::Test;
        if let Some(prev) = seen.insert(key(n), n) {
            return Err(Error::project(format!(
                "two {} are named '{}': {} and {}",
                if refable { "models, seeds or snapshots" } else { "tests" },
                n.name,
                prev.original_file_path.display(),
                n.original_file_path.display()
            ))
            .at(Location::at(&n.original_file_path, 1))
            .help(
                "names must be unique across the project, because ref() finds them by name; rename one of the files",
            ));
        }
    }
    Ok(())
}

fn relation_for(schemas: &SchemaNames, target: &Target, node: &Node) -> Result<Relation> {
    let c = &node.settings;
    let identifier = c
        .alias
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&node.name)
        .to_string();
    if let Some(fixed) = c.build().target_schema.as_deref().filter(|s| !s.is_empty()) {
        // A snapshot's target_schema is used as written, as in dbt before 1.9.
        let database = database_for(target, c.build().target_database.as_deref().or(c.database.as_deref()));
        return Ok(Relation::new(database, fixed, identifier).with_quoting(Quoting::for_target_type(target.kind)));
    }
    let custom = c.schema.as_deref().filter(|s| !s.is_empty());
    let schema = schemas.of(node, custom)?;
    Ok(
        Relation::new(database_for(target, c.database.as_deref()), schema, identifier)
            .with_quoting(Quoting::for_target_type(target.kind)),
    )
}

/// The schema each built node goes to: the target's schema and the node's custom `schema`,
/// through the project's `generate_schema_name` when it has one. When that macro never reads its
/// node argument (the common override, choosing by the custom schema alone), it is called once
/// per distinct custom schema instead of once per node.
struct SchemaNames<'a> {
    jinja: &'a JinjaEnv,
    target: &'a Target,
    builtin: bool,
    /// Custom schema -> result, when the macro does not read its node.
    shared: Option<std::sync::Mutex<HashMap<Option<String>, String>>>,
}

impl<'a> SchemaNames<'a> {
    fn new(jinja: &'a JinjaEnv, target: &'a Target) -> Self {
        const MACRO: &str = "generate_schema_name";
        let builtin = jinja.macro_is_builtin(MACRO);
        let reads_node = jinja
            .macro_source(MACRO)
            .is_none_or(|(_, source)| crate::jinja::macro_text::reads_param(&source, MACRO, 1));
        SchemaNames {
            jinja,
            target,
            builtin,
            shared: (!builtin && !reads_node).then(Default::default),
        }
    }

    fn of(&self, node: &Node, custom: Option<&str>) -> Result<String> {
        if self.builtin {
            return Ok(match custom {
                Some(c) => format!("{}_{}", self.target.schema, c.trim()),
                None => self.target.schema.clone(),
            });
        }
        let key = custom.map(str::to_string);
        if let Some(shared) = &self.shared
            && let Some(known) = shared.lock().ok().and_then(|m| m.get(&key).cloned())
        {
            return Ok(known);
        }
        let schema = self.call(node, custom)?;
        if let Some(mut m) = self.shared.as_ref().and_then(|s| s.lock().ok()) {
            m.insert(key, schema.clone());
        }
        Ok(schema)
    }

    fn call(&self, node: &Node, custom: Option<&str>) -> Result<String> {
        let arg = custom.map(minijinja::Value::from).unwrap_or(minijinja::Value::from(()));
        let (result, _) = self.jinja.call_macro(
            "generate_schema_name",
            &[arg, node_value(node)],
            Scope::new(Mode::Parse),
        );
        Ok(result
            .map_err(|e| {
                let mut e = e;
                e.message = format!("generate_schema_name failed for {}: {}", node.name, e.message);
                e
            })?
            .to_string()
            .trim()
            .to_string())
    }
}

/// The database part of a relation: None when it is the target's own default database.
fn database_for(target: &Target, configured: Option<&str>) -> Option<String> {
    let db = configured.map(str::to_string).or_else(|| target.database.clone())?;
    if target.kind == crate::project::AdapterKind::DuckDb && target.database.as_deref() == Some(db.as_str()) {
        return None;
    }
    Some(db)
}

fn sources(project: &Project, yaml: &YamlJinja<'_>, target: &Target) -> Result<Vec<SourceNode>> {
    let mut out = vec![];
    let mut seen: HashMap<(String, String), PathBuf> = HashMap::new();
    for doc in &project.schema_files {
        for src in &doc.content.sources {
            for table in &src.tables {
                let key = (src.name.clone(), table.name.clone());
                if let Some(prev) = seen.insert(key, doc.path.clone()) {
                    return Err(Error::project(format!(
                        "source table {}.{} is declared twice (also in {})",
                        src.name,
                        table.name,
                        prev.display()
                    ))
                    .at(Location::at(&doc.path, doc.line_of_name(&table.name).unwrap_or(1))));
                }
                let package = project
                    .package_of(&doc.path)
                    .map_or(project.name(), |p| p.name.as_str());
                if !source_enabled(project, package, src, table) {
                    continue;
                }
                let what = format!("source {}.{} in {}", src.name, table.name, doc.path.display());
                let render = |v: Option<&String>| v.map(|t| yaml.text(package, &what, t)).transpose();
                let database = render(src.database.as_ref())?.filter(|d| !d.is_empty());
                let schema = render(src.schema.as_ref())?.unwrap_or_else(|| src.name.clone());
                let identifier = render(table.identifier.as_ref())?.unwrap_or_else(|| table.name.clone());
                out.push(SourceNode {
                    unique_id: format!("source.{package}.{}.{}", src.name, table.name),
                    source_name: src.name.clone(),
                    name: table.name.clone(),
                    original_file_path: doc.path.clone(),
                    relation: Relation::new(
                        database_for(target, database.as_deref()),
                        schema.clone(),
                        identifier.clone(),
                    )
                    .with_quoting(Quoting::for_target_type(target.kind)),
                    description: table.description.clone().unwrap_or_default(),
                    columns: column_infos(&table.columns),
                    loaded_at_field: table.loaded_at_field.clone().or_else(|| src.loaded_at_field.clone()),
                    freshness: table.freshness.clone().or_else(|| src.freshness.clone()),
                    yaml: serde_json::json!({
                        "database": database, "schema": schema, "identifier": identifier,
                        "description": table.description, "columns": column_infos(&table.columns),
                        "loaded_at_field": table.loaded_at_field.clone().or_else(|| src.loaded_at_field.clone()),
                        "freshness": table.freshness.clone().or_else(|| src.freshness.clone()),
                        "config": src.config,
                    }),
                });
            }
        }
    }
    Ok(out)
}

/// Whether a source table is enabled: `enabled` from the folder configs of `sources:` (the
/// package's own, then the root's), then the source's `config:`, then the table's.
fn source_enabled(
    project: &Project,
    package: &str,
    src: &crate::project::schema::SourceDecl,
    table: &crate::project::schema::SourceTable,
) -> bool {
    let fqn = [package.to_string(), src.name.clone(), table.name.clone()];
    let mut config = Map::new();
    if let Some(p) = project.packages.iter().find(|p| p.name == package) {
        merge_config(&mut config, &folder_config(&p.file.sources, &fqn));
    }
    merge_config(&mut config, &folder_config(&project.file.sources, &fqn));
    merge_config(&mut config, &src.config);
    merge_config(&mut config, &table.config);
    config.get("enabled").and_then(Value::as_bool) != Some(false)
}

/// Turn recorded ref()/source() calls into dependencies; unknown names are errors naming the
/// file, the line and the closest existing names.
fn resolve_dependencies(manifest: &mut Manifest, project: &Project, disabled: &[String]) -> Result<()> {
    // Each node's dependencies are found on their own, in parallel.
    let per_node: Vec<(Vec<String>, Vec<Error>)> = manifest
        .nodes
        .par_iter()
        .map(|node| node_dependencies(manifest, project, disabled, node))
        .collect();
    let mut errors = vec![];
    let mut deps: Vec<Vec<String>> = Vec::with_capacity(per_node.len());
    for (d, e) in per_node {
        deps.push(d);
        errors.extend(e);
    }
    if !errors.is_empty() {
        return Err(combine(errors));
    }
    // A source loaded by one of the project's seeds (same relation) waits for that seed, so
    // `mozt build` can load the seeds and build on them in one run.
    let seed_by_relation: HashMap<String, &str> = manifest
        .nodes
        .iter()
        .filter(|n| n.resource_type == ResourceType::Seed)
        .filter_map(|n| {
            n.relation
                .as_ref()
                .map(|r| (r.to_string().to_ascii_lowercase(), n.unique_id.as_str()))
        })
        .collect();
    // The seed that loads each source, by source index.
    let seed_of_source: Vec<Option<String>> = manifest
        .sources
        .iter()
        .map(|s| {
            seed_by_relation
                .get(&s.relation.to_string().to_ascii_lowercase())
                .map(|id| id.to_string())
        })
        .collect();
    if seed_of_source.iter().any(Option::is_some) {
        deps.par_iter_mut().for_each(|d| {
            let seeds: Vec<String> = d
                .iter()
                .filter_map(|id| manifest.source_index(id))
                .filter_map(|i| seed_of_source[i].clone())
                .collect();
            for seed in seeds {
                if !d.contains(&seed) {
                    d.push(seed);
                }
            }
        });
    }
    // On the workers too: fifteen thousand nodes' lists, each grown in fresh memory.
    manifest.nodes.par_iter_mut().zip(deps).for_each(|(node, d)| {
        for dep in d {
            if !node.depends_on.contains(&dep) {
                node.depends_on.push(dep);
            }
        }
    });
    Ok(())
}

/// The unique ids a node depends on through ref() and source(), and the errors of the calls
/// that name nothing.
fn node_dependencies(
    manifest: &Manifest,
    project: &Project,
    disabled: &[String],
    node: &Node,
) -> (Vec<String>, Vec<Error>) {
    let mut errors = vec![];
    let mut d: Vec<String> = vec![];
    let mut depend = |id: &String| {
        if !d.contains(id) {
            d.push(id.clone());
        }
    };
    for r in &node.refs {
        let found = manifest.find_ref(Some(&node.package_name), r.package.as_deref(), &r.name);
        match found {
            Some(target) if target.unique_id != node.unique_id => depend(&target.unique_id),
            Some(_) => errors.push(
                Error::project(format!("model '{}' refers to itself with ref('{}')", node.name, r.name))
                    .at(call_location(node, &r.name))
                    .with_source_line(&node.raw_code)
                    .help("use {{ this }} to name the model's own relation"),
            ),
            None => errors.push(unknown_ref(manifest, project, disabled, node, r)),
        }
    }
    for (s, t) in &node.sources {
        match manifest.source(s, t) {
            Some(src) => depend(&src.unique_id),
            None => errors.push(unknown_source(manifest, node, s, t)),
        }
    }
    (d, errors)
}

/// The error of a ref() that names no model, seed or snapshot: a disabled one, a name close to
/// it, or an unknown project.
fn unknown_ref(manifest: &Manifest, project: &Project, disabled: &[String], node: &Node, r: &RefCall) -> Error {
    let hints = closest(&r.name, manifest.ref_names());
    let known_project = |p: &str| p == project.name() || project.packages.iter().any(|k| k.name == p);
    let mut e = Error::project(match &r.package {
        Some(p) if !known_project(p) => {
            format!("ref('{p}', '{}'): unknown project '{p}'", r.name)
        }
        _ => format!("ref('{}') in {} names no model, seed or snapshot", r.name, node.name),
    })
    .at(call_location(node, &r.name))
    .with_source_line(&node.raw_code);
    let is_disabled = r.package.as_ref().is_none_or(|p| p == project.name()) && disabled.contains(&r.name);
    if is_disabled {
        e.message = format!(
            "ref('{}') in {} names a disabled node (enabled=false)",
            r.name, node.name
        );
        e.help(format!(
            "enable '{}' again, or disable {} too (config(enabled=false))",
            r.name, node.name
        ))
    } else if hints.is_empty() {
        e.help("check the name: refs use the file name without .sql")
    } else {
        e.help(format!(
            "did you mean {}?",
            hints.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", ")
        ))
    }
}

/// The error of a source() that names no declared source table.
fn unknown_source(manifest: &Manifest, node: &Node, s: &str, t: &str) -> Error {
    let hints = manifest.closest_sources(s, t);
    let e = Error::project(format!("source('{s}', '{t}') in {} is not declared", node.name))
        .at(call_location(node, t))
        .with_source_line(&node.raw_code);
    if hints.is_empty() {
        e.help("declare it under `sources:` in a YAML file in models/")
    } else {
        e.help(format!("did you mean {}?", hints.join(", ")))
    }
}

/// The line of a ref/source call naming `name` in a node's file.
fn call_location(node: &Node, name: &str) -> Location {
    let line = [format!("'{name}'"), format!("\"{name}\"")]
        .iter()
        .find_map(|needle| line_of(&node.raw_code, needle))
        .unwrap_or(1);
    Location::at(&node.original_file_path, line)
}

/// A model's configs must have the right types (schema, alias and database are text, enabled
/// is true or false, tags are text), and `materialized` must name a materialization mozt has.
/// The error points at the layer that set the value: the model file, its schema YAML, or
/// project.yml.
fn check_materialized(
    node: &Node,
    from_file: &Map<String, Value>,
    project: &Project,
    patches: &HashMap<&str, Patch>,
) -> Result<()> {
    if node.resource_type != ResourceType::Model {
        return Ok(());
    }
    let shown = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for (key, want) in [
        ("schema", "text"),
        ("alias", "text"),
        ("database", "text"),
        ("enabled", "true or false"),
        ("tags", "text or a list of text"),
    ] {
        let Some(v) = node.config.get(key) else { continue };
        let ok = match key {
            "enabled" => crate::manifest::config::flag(v).is_some(),
            "tags" => v.as_array().is_none_or(|a| a.iter().all(Value::is_string)),
            _ => v.is_string() || v.is_null(),
        };
        if !ok {
            let value = match (key, v) {
                ("tags", Value::Array(a)) => a.iter().find(|t| !t.is_string()).map(shown).unwrap_or_default(),
                _ => shown(v),
            };
            return Err(config_error(
                node,
                from_file,
                project,
                patches,
                key,
                &value,
                format!("model {} has {key}={value}, which must be {want}", node.name),
            )
            .help(format!("write {key} as {want}, e.g. {key}={}", example(key))));
        }
    }
    let value = node.config.get("materialized");
    if value
        .and_then(Value::as_str)
        .is_some_and(|m| Materialization::of_model(m).is_some())
    {
        return Ok(());
    }
    let value = value.map(shown).unwrap_or_else(|| "null".to_string());
    Err(config_error(
        node,
        from_file,
        project,
        patches,
        "materialized",
        &value,
        format!("model {} has materialized={value}, which mozt does not know", node.name),
    )
    .help(format!(
        "use one of: {}",
        Materialization::MODEL
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

fn example(key: &str) -> &'static str {
    match key {
        "enabled" => "false",
        "tags" => "['nightly']",
        _ => "'reporting'",
    }
}

/// An error located at the line that set config `key` to `value`: in the model file when its
/// config() call set it, else in its schema YAML, else in project.yml.
fn config_error(
    node: &Node,
    from_file: &Map<String, Value>,
    project: &Project,
    patches: &HashMap<&str, Patch>,
    key: &str,
    value: &str,
    message: String,
) -> Error {
    let in_patch = patches.get(node.name.as_str()).filter(|p| {
        p.patch
            .config
            .keys()
            .any(|k| crate::project::config::normalize_key(k) == key)
    });
    let (file, text, start) = if from_file.contains_key(key) {
        (node.original_file_path.clone(), &*node.raw_code, 0)
    } else if let Some(doc) = in_patch.and_then(|p| project.schema_files.iter().find(|d| d.path == p.file)) {
        let start = doc.line_of_name(&node.name).unwrap_or(1).saturating_sub(1);
        (doc.path.clone(), doc.text.as_str(), start)
    } else {
        (
            PathBuf::from(crate::project::config::PROJECT_FILE),
            project.file_text.as_str(),
            0,
        )
    };
    let line = text
        .lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains(key) && l.contains(value))
        .or_else(|| text.lines().enumerate().skip(start).find(|(_, l)| l.contains(key)))
        .map(|(i, _)| i + 1)
        .unwrap_or(1);
    Error::project(message)
        .at(Location::at(file, line))
        .with_source_line(text)
}
