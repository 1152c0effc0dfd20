//! Unit tests declared in schema YAML (`unit_tests:`, dbt 1.8's format): a model, rows given for
//! its inputs (`ref`, `source` or `this`), and the rows it must return. Each becomes a
//! `UnitTest` node attached to its model; the spec, fixtures read, is kept in its `TestInfo`.
//! What they run is built in `crate::test::unit`.

use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::error::{Error, Location, Result, combine};
use crate::hash::FastMap;
use crate::manifest::NodeConfig;
use crate::manifest::node::{Node, ResourceType, SourceNode, TestInfo};
use crate::manifest::unit_test::{Fixture, Given, Input, UnitSpec};
use crate::project::config::merge_config;
use crate::project::{Project, SchemaDoc};
use crate::suggest::closest;

/// Read every `unit_tests:` entry of the project's schema files into nodes.
pub(crate) fn generate(project: &Project, nodes: &[Node], sources: &[SourceNode]) -> Result<Vec<Node>> {
    if project
        .schema_files
        .iter()
        .all(|doc| doc.content.unit_test_entries() == 0)
    {
        return Ok(vec![]);
    }
    let models: HashMap<&str, &Node> = nodes
        .iter()
        .filter(|n| n.resource_type == ResourceType::Model)
        .map(|n| (n.name.as_str(), n))
        .collect();
    let refable = crate::manifest::node::refable_by_name(nodes);
    let mut out = vec![];
    let mut errors = vec![];
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for doc in &project.schema_files {
        let mut entries: Vec<(Option<&str>, &Value)> = doc.content.unit_tests.iter().map(|v| (None, v)).collect();
        for p in &doc.content.models {
            entries.extend(p.unit_tests.iter().map(|v| (Some(p.name.as_str()), v)));
        }
        for (model_of_patch, entry) in entries {
            let loc = Location::at(&doc.path, entry_line(doc, entry));
            match read(project, doc, entry, model_of_patch, &models, &refable, sources) {
                Ok(None) => {}
                Ok(Some(node)) => {
                    let model = node
                        .test
                        .as_ref()
                        .and_then(|t| t.attached_to.clone())
                        .unwrap_or_default();
                    if !seen.insert((model, node.name.clone())) {
                        errors.push(
                            Error::project(format!("two unit tests of the same model are named '{}'", node.name))
                                .at(loc)
                                .with_source_line(&doc.text)
                                .help("give each unit test of a model its own name"),
                        );
                        continue;
                    }
                    out.push(node);
                }
                Err(msg) => errors.push(Error::project(msg.0).at(loc).with_source_line(&doc.text).help(msg.1)),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(combine(errors))
    }
}

/// (message, help) of a unit test that cannot be read.
type Problem = (String, String);

fn problem(msg: impl Into<String>, help: impl Into<String>) -> Problem {
    (msg.into(), help.into())
}

const SHAPE: &str = "a unit test is {name, model, given: [{input: ref('x'), rows: [...]}], expect: {rows: [...]}}";

/// Where a unit test's inputs are checked: the project's refable nodes and declared sources.
struct Inputs<'a> {
    refable: &'a FastMap<&'a str, &'a Node>,
    sources: &'a [SourceNode],
}

fn read(
    project: &Project,
    doc: &SchemaDoc,
    entry: &Value,
    model_of_patch: Option<&str>,
    models: &HashMap<&str, &Node>,
    refable: &FastMap<&str, &Node>,
    sources: &[SourceNode],
) -> std::result::Result<Option<Node>, Problem> {
    let m = entry
        .as_object()
        .ok_or_else(|| problem("a unit test must be a mapping", SHAPE))?;
    let name = m
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| problem("a unit test has no `name`", SHAPE))?
        .to_string();
    let model_name = m
        .get("model")
        .and_then(Value::as_str)
        .or(model_of_patch)
        .ok_or_else(|| problem(format!("unit test {name} has no `model`"), SHAPE))?;
    let Some(model) = models.get(model_name) else {
        let hints = closest(model_name, models.keys().copied());
        return Err(problem(
            format!("unit test {name} tests model '{model_name}', which does not exist"),
            hint(&hints, "`model:` is the name of a model file without .sql"),
        ));
    };

    let mut config = Map::new();
    config.insert("enabled".into(), Value::Bool(true));
    if let Some(c) = m.get("config").and_then(Value::as_object) {
        merge_config(&mut config, c);
    }
    if config.get("enabled") == Some(&Value::Bool(false)) {
        return Ok(None);
    }

    let inputs = Inputs { refable, sources };
    let given = read_given(project, m, &name, model, &inputs)?;
    require_every_input(&name, model, &given, refable)?;
    let expect = m.get("expect").and_then(Value::as_object).ok_or_else(|| {
        problem(
            format!("unit test {name} has no `expect`"),
            "expect: {rows: [{column: value}]}",
        )
    })?;
    let expect = fixture(project, expect, &format!("unit test {name}, expect"))?;
    let (vars, is_incremental) = overrides(m);
    let spec = UnitSpec {
        model: model.name.clone(),
        given,
        expect,
        vars,
        is_incremental,
    };
    Ok(Some(unit_node(project, doc, m, name, model, config, spec)))
}

/// The `given` entries: each input read, checked against what the model reads, given once,
/// with its rows.
fn read_given(
    project: &Project,
    m: &Map<String, Value>,
    name: &str,
    model: &Node,
    inputs: &Inputs<'_>,
) -> std::result::Result<Vec<Given>, Problem> {
    let given_list = match m.get("given") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(problem(format!("unit test {name}: `given` must be a list"), SHAPE)),
    };
    let mut given: Vec<Given> = vec![];
    for g in given_list {
        let g = g
            .as_object()
            .ok_or_else(|| problem(format!("unit test {name}: each `given` entry is a mapping"), SHAPE))?;
        let input_text = g.get("input").and_then(Value::as_str).ok_or_else(|| {
            problem(
                format!("unit test {name}: a `given` entry has no `input`"),
                "input: ref('model'), source('source', 'table') or this",
            )
        })?;
        let input = parse_input(input_text).ok_or_else(|| {
            problem(
                format!("unit test {name}: cannot read the input `{input_text}`"),
                "input: ref('model'), source('source', 'table') or this",
            )
        })?;
        check_input(name, model, &input, inputs)?;
        let fixture = fixture(project, g, &format!("unit test {name}, input {input_text}"))?;
        if given.iter().any(|x| x.input == input) {
            return Err(problem(
                format!("unit test {name}: input {input_text} is given twice"),
                "give each input once",
            ));
        }
        given.push(Given { input, fixture });
    }
    Ok(given)
}

/// A given input must name something that exists, and that the model reads.
fn check_input(name: &str, model: &Node, input: &Input, inputs: &Inputs<'_>) -> std::result::Result<(), Problem> {
    let model_name = &model.name;
    match input {
        Input::Ref { name: r } => {
            if !inputs.refable.contains_key(r.as_str()) {
                let hints = closest(r, inputs.refable.keys().copied());
                return Err(problem(
                    format!("unit test {name}: input ref('{r}') names no model, seed or snapshot"),
                    hint(&hints, "check the name"),
                ));
            }
            if !model.refs.iter().any(|x| &x.name == r) {
                return Err(problem(
                    format!("unit test {name}: model {model_name} does not read ref('{r}')"),
                    format!("{model_name} reads: {}", inputs_of(model)),
                ));
            }
        }
        Input::Source { source, table } => {
            if !inputs
                .sources
                .iter()
                .any(|s| &s.source_name == source && &s.name == table)
            {
                return Err(problem(
                    format!("unit test {name}: input source('{source}', '{table}') is not declared"),
                    "declare it under `sources:`",
                ));
            }
            if !model.sources.iter().any(|(s, t)| s == source && t == table) {
                return Err(problem(
                    format!("unit test {name}: model {model_name} does not read source('{source}', '{table}')"),
                    format!("{model_name} reads: {}", inputs_of(model)),
                ));
            }
        }
        Input::This => {}
    }
    Ok(())
}

/// Every input the model reads must be given, except seeds (used as they are).
fn require_every_input(
    name: &str,
    model: &Node,
    given: &[Given],
    refable: &FastMap<&str, &Node>,
) -> std::result::Result<(), Problem> {
    let model_name = &model.name;
    let given_keys: HashSet<&Input> = given.iter().map(|g| &g.input).collect();
    for r in &model.refs {
        let key = Input::Ref { name: r.name.clone() };
        let is_seed = refable
            .get(r.name.as_str())
            .is_some_and(|n| n.resource_type == ResourceType::Seed);
        if !given_keys.contains(&key) && !is_seed {
            return Err(problem(
                format!(
                    "unit test {name}: model {model_name} reads ref('{}'), which is not given",
                    r.name
                ),
                format!(
                    "add `- input: ref('{}')` with its rows (`rows: []` for none) under given",
                    r.name
                ),
            ));
        }
    }
    for (s, t) in &model.sources {
        let key = Input::Source {
            source: s.clone(),
            table: t.clone(),
        };
        if !given_keys.contains(&key) {
            return Err(problem(
                format!("unit test {name}: model {model_name} reads source('{s}', '{t}'), which is not given"),
                format!("add `- input: source('{s}', '{t}')` with its rows (`rows: []` for none) under given"),
            ));
        }
    }
    Ok(())
}

/// `overrides:`: the vars, and whether `is_incremental()` is true.
fn overrides(m: &Map<String, Value>) -> (Map<String, Value>, bool) {
    let overrides = m.get("overrides").and_then(Value::as_object);
    let vars = overrides
        .and_then(|o| o.get("vars"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let is_incremental = overrides
        .and_then(|o| o.get("macros"))
        .and_then(|m| m.get("is_incremental"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    (vars, is_incremental)
}

/// The unit test's node, attached to its model; its kwargs are the spec as manifest.json shows it.
fn unit_node(
    project: &Project,
    doc: &SchemaDoc,
    m: &Map<String, Value>,
    name: String,
    model: &Node,
    config: Map<String, Value>,
    spec: UnitSpec,
) -> Node {
    let kwargs = match serde_json::to_value(&spec) {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    };
    let mut fqn = model.fqn.clone();
    fqn.push(name.clone());
    Node {
        unique_id: format!("unit_test.{}.{}.{name}", project.name(), model.name),
        name,
        resource_type: ResourceType::UnitTest,
        package_name: project.name().to_string(),
        original_file_path: doc.path.clone(),
        fqn,
        raw_code: "".into(),
        template: model.template.clone(),
        settings: NodeConfig::read(&config),
        config,
        refs: vec![],
        sources: vec![],
        depends_on: vec![model.unique_id.clone()],
        relation: None,
        description: m
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        columns: Default::default(),
        test: Some(TestInfo {
            test_name: "unit".into(),
            attached_to: Some(model.unique_id.clone()),
            column_name: None,
            kwargs,
        }),
        unit: Some(std::sync::Arc::new(spec)),
        vars_used: vec![],
        yaml_checksum: None,
        prerender: None,
        constraints: vec![],
    }
}

fn hint(hints: &[String], otherwise: &str) -> String {
    if hints.is_empty() {
        otherwise.to_string()
    } else {
        format!(
            "did you mean {}?",
            hints.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", ")
        )
    }
}

fn inputs_of(model: &Node) -> String {
    let mut all: Vec<String> = model.refs.iter().map(|r| format!("ref('{}')", r.name)).collect();
    all.extend(model.sources.iter().map(|(s, t)| format!("source('{s}', '{t}')")));
    if all.is_empty() {
        "nothing".into()
    } else {
        all.join(", ")
    }
}

/// `ref('x')`, `ref("p", "x")`, `source('s', 't')`, `this`.
pub(crate) fn parse_input(text: &str) -> Option<Input> {
    let t = text.trim();
    if t == "this" {
        return Some(Input::This);
    }
    let (func, rest) = if let Some(r) = t.strip_prefix("ref") {
        ("ref", r)
    } else {
        ("source", t.strip_prefix("source")?)
    };
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let args: Vec<String> = inner
        .split(',')
        .map(str::trim)
        .filter(|a| !a.contains('='))
        .map(|a| {
            let q = a.chars().next()?;
            (matches!(q, '\'' | '"') && a.len() >= 2 && a.ends_with(q)).then(|| a[1..a.len() - 1].to_string())
        })
        .collect::<Option<Vec<_>>>()?;
    match (func, args.as_slice()) {
        ("ref", [name]) | ("ref", [_, name]) => Some(Input::Ref { name: name.clone() }),
        ("source", [s, tbl]) => Some(Input::Source {
            source: s.clone(),
            table: tbl.clone(),
        }),
        _ => None,
    }
}

/// Rows of a `given` entry or of `expect`: `rows:` as a list of mappings (format dict), CSV
/// text (format csv) or a query (format sql), inline or from a `fixture:` file.
fn fixture(project: &Project, m: &Map<String, Value>, what: &str) -> std::result::Result<Fixture, Problem> {
    let format = m.get("format").and_then(Value::as_str).unwrap_or("dict");
    let file = fixture_file(project, m, format, what)?;
    match format {
        "dict" => {
            if file.is_some() {
                return Err(problem(
                    format!("{what}: a fixture file needs `format: csv` or `format: sql`"),
                    "add format: csv",
                ));
            }
            Ok(Fixture::Rows {
                rows: dict_rows(m, what)?,
                from_csv: false,
            })
        }
        "csv" => {
            let text = file_or_rows(file, m).ok_or_else(|| {
                problem(
                    format!("{what}: with format: csv, `rows` is CSV text"),
                    "rows: |\n  id,name\n  1,a",
                )
            })?;
            let rows = parse_csv(&text)
                .map_err(|e| problem(format!("{what}: {e}"), "a header line, then one line per row"))?;
            Ok(Fixture::Rows { rows, from_csv: true })
        }
        "sql" => {
            let sql = file_or_rows(file, m).ok_or_else(|| {
                problem(
                    format!("{what}: with format: sql, `rows` is a query"),
                    "rows: select 1 as id",
                )
            })?;
            Ok(Fixture::Sql { sql })
        }
        other => Err(problem(
            format!("{what}: unknown format '{other}'"),
            "format is dict (the default), csv or sql",
        )),
    }
}

/// The text of the `fixture:` file, when the entry names one instead of giving `rows`.
fn fixture_file(
    project: &Project,
    m: &Map<String, Value>,
    format: &str,
    what: &str,
) -> std::result::Result<Option<String>, Problem> {
    match (m.get("rows"), m.get("fixture").and_then(Value::as_str)) {
        (Some(_), Some(_)) => Err(problem(
            format!("{what}: give `rows` or `fixture`, not both"),
            "keep one",
        )),
        (None, Some(f)) => Ok(Some(
            read_fixture(project, f, format).map_err(|e| problem(format!("{what}: {}", e.0), e.1))?,
        )),
        _ => Ok(None),
    }
}

/// `rows:` as a list of mappings (format dict).
fn dict_rows(m: &Map<String, Value>, what: &str) -> std::result::Result<Vec<Map<String, Value>>, Problem> {
    match m.get("rows") {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|r| r.as_object().cloned())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                problem(
                    format!("{what}: each row is a mapping of column to value"),
                    "rows: [{id: 1, name: a}]",
                )
            }),
        Some(_) => Err(problem(
            format!("{what}: `rows` must be a list of rows"),
            "rows: [{id: 1, name: a}], or format: csv with rows as CSV text",
        )),
    }
}

/// The fixture file's text, else `rows:` as text (formats csv and sql).
fn file_or_rows(file: Option<String>, m: &Map<String, Value>) -> Option<String> {
    file.or_else(|| m.get("rows").and_then(Value::as_str).map(str::to_string))
}

/// A fixture file `<test-path>/fixtures/**/<name>.csv` (or .sql).
fn read_fixture(project: &Project, name: &str, format: &str) -> std::result::Result<String, Problem> {
    let ext = if format == "sql" { "sql" } else { "csv" };
    let file = format!("{name}.{ext}");
    for dir in &project.file.test_paths {
        let base = project.root.join(dir).join("fixtures");
        for entry in walkdir::WalkDir::new(&base).into_iter().flatten() {
            if entry.file_type().is_file() && entry.file_name().to_string_lossy() == file {
                return std::fs::read_to_string(entry.path())
                    .map_err(|e| problem(format!("cannot read {}: {e}", entry.path().display()), ""));
            }
        }
    }
    let dirs: Vec<PathBuf> = project
        .file
        .test_paths
        .iter()
        .map(|d| PathBuf::from(d).join("fixtures"))
        .collect();
    Err(problem(
        format!("no fixture file {file}"),
        format!(
            "put it in {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    ))
}

fn parse_csv(text: &str) -> std::result::Result<Vec<Map<String, Value>>, String> {
    let trimmed: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(trimmed.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("bad CSV: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = vec![];
    for rec in reader.records() {
        let rec = rec.map_err(|e| format!("bad CSV: {e}"))?;
        let mut row = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            let v = v.trim();
            row.insert(
                h.clone(),
                if v.is_empty() || v.eq_ignore_ascii_case("null") {
                    Value::Null
                } else {
                    Value::String(v.to_string())
                },
            );
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The line of a unit test entry (its `name:`).
fn entry_line(doc: &SchemaDoc, entry: &Value) -> usize {
    entry
        .get("name")
        .and_then(Value::as_str)
        .and_then(|n| doc.line_of_name(n))
        .or_else(|| crate::error::line_of(&doc.text, "unit_tests"))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inputs() {
        assert_eq!(parse_input("ref('a')"), Some(Input::Ref { name: "a".into() }));
        assert_eq!(
            parse_input(" ref(\"p\", \"a\") "),
            Some(Input::Ref { name: "a".into() })
        );
        assert_eq!(
            parse_input("source('s','t')"),
            Some(Input::Source {
                source: "s".into(),
                table: "t".into()
            })
        );
        assert_eq!(parse_input("this"), Some(Input::This));
        assert_eq!(parse_input("ref(a)"), None);
        assert_eq!(parse_input("refx('a')"), None);
        assert_eq!(Input::Ref { name: "a-b".into() }.cte(), "__mozt_given__a_b");
    }

    #[test]
    fn reads_csv() {
        let rows = parse_csv("  id,name\n  1,a\n  2,\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["id"], Value::String("1".into()));
        assert_eq!(rows[1]["name"], Value::Null);
    }
}
