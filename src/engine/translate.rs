//! A DuckDB target with `dialect: snowflake`: every compiled node, hook and live render is
//! translated from Snowflake SQL into DuckDB SQL (`crate::sql::translate`) before the SQL check
//! and before anything runs, and the translation is written beside the compiled SQL, under
//! `target/translated/` (docs/snowflake-on-duckdb.md). Without the setting nothing here runs.

use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::compile::Compiled;
use crate::error::{Error, Location, Result, combine};
use crate::manifest::Node;
use crate::project::AdapterKind;
use crate::sql::translate::{Refusal, snowflake_to_duckdb};

use super::Session;

impl Session {
    /// Whether compiled SQL is translated (the target's `dialect: snowflake`).
    pub fn translates(&self) -> bool {
        self.target.dialect == Some(AdapterKind::Snowflake) && self.target.kind == AdapterKind::DuckDb
    }

    /// Translate every compiled node and its hooks, write the translations under
    /// target/translated/, and fail with every refusal before anything runs.
    pub(crate) fn translate(&self, compiled: &mut HashMap<usize, Compiled>) -> Result<()> {
        if !self.translates() {
            return Ok(());
        }
        let errors: Vec<Error> = compiled
            .par_iter_mut()
            .filter_map(|(&i, c)| self.translate_node(&self.manifest.nodes[i], c).err())
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(combine(errors))
        }
    }

    fn translate_node(&self, node: &Node, c: &mut Compiled) -> Result<()> {
        for hook in c.pre_hooks.iter_mut().chain(c.post_hooks.iter_mut()) {
            *hook = translate_hook(node, hook)?;
        }
        self.translate_compiled(node, c)
    }

    /// Translate a node's compiled SQL (not its hooks) and write the translation.
    pub(crate) fn translate_compiled(&self, node: &Node, c: &mut Compiled) -> Result<()> {
        if c.sql.trim().is_empty() {
            return Ok(());
        }
        c.sql = self.translate_sql(node, &c.sql, &c.path, c.incremental)?;
        let file = self.project.root.join(translated_path(&c.path));
        if let Some(folder) = file.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| Error::runtime(format!("cannot create {}: {e}", folder.display())))?;
        }
        crate::files::write_if_changed(&file, c.sql.as_bytes())
            .map_err(|e| Error::runtime(format!("cannot write {}: {e}", file.display())))
    }

    /// One node's SQL (compiled into `compiled_path`) in DuckDB SQL; a refusal located in the
    /// model file where the construct was written there.
    pub(crate) fn translate_sql(
        &self,
        node: &Node,
        sql: &str,
        compiled_path: &Path,
        incremental: bool,
    ) -> Result<String> {
        snowflake_to_duckdb(sql).map_err(|r| self.refusal_error(node, &r, sql, compiled_path, incremental))
    }

    /// SQL that belongs to no node (`what`: a run hook, `show --inline`) in DuckDB SQL; as it
    /// is when the target does not translate.
    pub fn translate_text(&self, what: &str, sql: &str) -> Result<String> {
        if !self.translates() {
            return Ok(sql.to_string());
        }
        snowflake_to_duckdb(sql).map_err(|r| {
            let e = Error::project(format!("{r} ({what})"));
            let e = match r.line {
                0 => e,
                line => e
                    .at(Location::at(what, line).with_column(r.column))
                    .with_source_line(sql),
            };
            e.help(format!(
                "{}; the target's `dialect: snowflake` translates this SQL too",
                r.alternative
            ))
        })
    }

    fn refusal_error(&self, node: &Node, r: &Refusal, sql: &str, compiled_path: &Path, incremental: bool) -> Error {
        let shown = crate::compile::display_path(compiled_path);
        let subject = format!("{} {}", node.resource_type.as_str(), node.name);
        let model_position = (r.line > 0)
            .then(|| {
                let offset = crate::sql::parse::byte_offset(sql, r.line, r.column);
                let (raw, spans) = crate::compile::render_spans(&self.jinja, &self.manifest, node, incremental)?;
                let map = crate::check::messages::FileMap {
                    raw: &raw,
                    spans: &spans,
                    template: &node.template,
                    source: &node.raw_code,
                };
                map.position(sql, offset)
            })
            .flatten();
        let e = Error::project(format!("{r} ({subject})"));
        match model_position {
            Some((line, column)) => e
                .at(Location::at(&node.original_file_path, line).with_column(column))
                .with_source_line(&node.raw_code)
                .help(format!(
                    "{}\n  note: in the compiled SQL: {shown}:{}:{}",
                    r.alternative, r.line, r.column
                )),
            None if r.line > 0 => e
                .at(Location::at(&shown, r.line).with_column(r.column))
                .with_source_line(sql)
                .help(format!(
                    "{}\n  note: the model file is {}",
                    r.alternative,
                    crate::jinja::path_name(&node.original_file_path)
                )),
            None => e
                .at(Location::file(&node.original_file_path))
                .help(r.alternative.clone()),
        }
    }
}

fn hook_error(node: &Node, r: &Refusal, hook: &str) -> Error {
    Error::project(format!("{r} (a hook of {} {})", node.resource_type.as_str(), node.name))
        .at(Location::file(&node.original_file_path))
        .help(format!("{}\n  in the hook: {}", r.alternative, hook.trim()))
}

/// Where a node's translation is written: its compiled path with `translated` for `compiled`
/// (`target/translated/<project>/models/x.sql`).
pub(crate) fn translated_path(compiled: &Path) -> PathBuf {
    let mut replaced = false;
    compiled
        .components()
        .map(|c| match c.as_os_str().to_str() {
            Some("compiled") if !replaced => {
                replaced = true;
                std::ffi::OsStr::new("translated")
            }
            _ => c.as_os_str(),
        })
        .collect()
}

/// A node's hook (rendered at run time when it looks at the warehouse) in DuckDB SQL.
pub(crate) fn translate_hook(node: &Node, hook: &str) -> Result<String> {
    snowflake_to_duckdb(hook).map_err(|r| hook_error(node, &r, hook))
}
