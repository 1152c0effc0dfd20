//! `mozt show`: preview the first rows of a model, or of an inline query, as a table, CSV or JSON.

use crate::adapter::{self, Rows};
use crate::error::{Error, Result};
use crate::jinja::{Mode, Scope};
use crate::manifest::ResourceType;

use crate::engine::{LoadOptions, Selection, Session};

/// How `mozt show` prints rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Csv,
    Json,
}

pub(crate) fn run(
    load: &LoadOptions,
    selection: &Selection,
    inline: Option<&str>,
    limit: usize,
    output: OutputFormat,
) -> Result<i32> {
    let mut session = Session::load(load)?;
    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    // What the query's Jinja runs on the warehouse (run_query, get_columns_in_relation, ...).
    let live: crate::jinja::warehouse::Live = std::sync::Arc::new(std::sync::Mutex::new(adapter.connect()?));
    let sql = match inline {
        Some(query) => {
            session.jinja.add_template("<inline>", query.to_string())?;
            let mut scope = Scope::new(Mode::Compile);
            scope.resolver = Some(session.manifest.clone());
            scope.live = Some(live);
            let (sql, _) = session.jinja.render("<inline>", minijinja::Value::from(()), scope);
            session.translate_text("the --inline query", &sql?)?
        }
        None => {
            let plan = session.select(
                selection,
                &[ResourceType::Model, ResourceType::Seed, ResourceType::Snapshot],
            )?;
            let idx = match plan.len() {
                1 => plan.into_iter().next().unwrap_or_default(),
                0 => {
                    return Err(Error::project(
                        "mozt show needs one model: -s NAME, or --inline 'select ...'",
                    ));
                }
                n => {
                    return Err(
                        Error::project(format!("the selection matched {n} nodes; mozt show previews one"))
                            .help("select a single model by name"),
                    );
                }
            };
            let node = &session.manifest.nodes[idx];
            match node.resource_type {
                ResourceType::Seed => format!(
                    "select * from {}",
                    node.relation.as_ref().map(|r| r.to_string()).unwrap_or_default()
                ),
                _ => {
                    let sql = match node.introspects {
                        true => crate::compile::render_live(&session.jinja, &session.manifest, node, false, live)?,
                        false => crate::compile::render(&session.jinja, &session.manifest, node)?,
                    };
                    match session.translates() {
                        true => {
                            session.translate_sql(node, &sql, std::path::Path::new(&node.original_file_path), false)?
                        }
                        false => sql,
                    }
                }
            }
        }
    };
    let mut conn = adapter.connect()?;
    let query = format!(
        "select * from (\n{}\n) as mozt_show limit {limit}",
        sql.trim().trim_end_matches(';')
    );
    let rows = conn.query(&query)?;
    print!("{}", format_rows(&rows, output));
    Ok(0)
}

pub(crate) fn format_rows(rows: &Rows, output: OutputFormat) -> String {
    match output {
        OutputFormat::Json => {
            let objs: Vec<serde_json::Value> = rows
                .rows
                .iter()
                .map(|r| serde_json::Value::Object(rows.columns.iter().cloned().zip(r.iter().cloned()).collect()))
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&objs).unwrap_or_default())
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(vec![]);
            let _ = w.write_record(&rows.columns);
            for r in &rows.rows {
                let _ = w.write_record(r.iter().map(cell));
            }
            String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
        }
        OutputFormat::Table => table(rows),
    }
}

fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A plain text table: header, rule, rows; numbers right-aligned.
pub(crate) fn table(rows: &Rows) -> String {
    let cells: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| if v.is_null() { "null".into() } else { cell(v) })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = rows.columns.iter().map(|c| c.chars().count()).collect();
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count().min(60));
            }
        }
    }
    let numeric: Vec<bool> = (0..rows.columns.len())
        .map(|i| {
            rows.rows
                .iter()
                .all(|r| r.get(i).is_some_and(|v| v.is_number() || v.is_null()))
        })
        .collect();
    let fmt_row = |vals: &[String]| -> String {
        let parts: Vec<String> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let w = widths[i];
                let v: String = if v.chars().count() > 60 {
                    format!("{}…", v.chars().take(59).collect::<String>())
                } else {
                    v.clone()
                };
                if numeric[i] {
                    format!("{v:>w$}")
                } else {
                    format!("{v:<w$}")
                }
            })
            .collect();
        format!("| {} |", parts.join(" | "))
    };
    let mut out = String::new();
    out.push_str(&fmt_row(&rows.columns));
    out.push('\n');
    out.push_str(&format!(
        "|{}|\n",
        widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|")
    ));
    for r in &cells {
        out.push_str(&fmt_row(r));
        out.push('\n');
    }
    out.push_str(&format!("({} rows)\n", rows.rows.len()));
    out
}
