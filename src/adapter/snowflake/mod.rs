//! Snowflake over its HTTP protocol: our own small client (`client.rs`), password and key-pair
//! auth (`auth.rs`), JSON and Arrow result decoding (`decode.rs`).
//!
//! Target settings (project.yml):
//!
//! | key | meaning |
//! |---|---|
//! | `account` | account identifier (`xy12345.us-east-1`, `myorg-myaccount`); required |
//! | `user` | login name; required |
//! | `password` | password auth |
//! | `private_key_path` / `private_key` | key-pair auth: a PKCS#8 PEM file, or the PEM text (or base64 DER) |
//! | `private_key_passphrase` | for an encrypted PKCS#8 key |
//! | `role`, `warehouse`, `database`, `schema` | the session's; `database` is required |
//! | `base_url` | default `https://<account>.snowflakecomputing.com`; or `host` (+ `port`, `protocol`) |
//! | `query_tag` | QUERY_TAG for every statement; a model's `query_tag` config overrides it |
//! | `session_parameters` | a map of session parameters set at login |
//! | `connect_timeout`, `query_timeout` | seconds |
//!
//! Model configs: `transient` (default true), `copy_grants`, `snowflake_warehouse`, `query_tag`;
//! `grants` are applied by `materialize::publish` where `has_grants` is true.

pub mod auth;
pub mod client;
pub mod decode;
pub mod split;
mod sql;
#[cfg(test)]
pub(crate) mod stub;
#[cfg(test)]
mod tests;

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::{Adapter, Connection, RelationKind, Rows, SeedType, SqlDialect, literal};
use crate::error::{Error, Result};
use crate::manifest::{Materialization, Node, NodeConfig};
use crate::project::{AdapterKind, Target};
use crate::relation::Relation;
use auth::{Credentials, KeyPair};
use client::{Session, Settings};

pub struct SnowflakeAdapter {
    settings: Arc<Settings>,
    credentials: Arc<Credentials>,
    target_name: String,
    /// The target's query tag and warehouse, restored after a model that set its own.
    query_tag: Option<String>,
    warehouse: Option<String>,
}

fn setting_text(target: &Target, key: &str) -> Option<String> {
    match target.settings.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn required(target: &Target, key: &str) -> Result<String> {
    setting_text(target, key).ok_or_else(|| {
        Error::project(format!("target '{}' (snowflake) needs `{key}`", target.name)).help(format!(
            "set {key} in the target in project.yml, e.g. {key}: \"{{{{ env_var('SNOWFLAKE_{}') }}}}\"",
            key.to_ascii_uppercase()
        ))
    })
}

/// `https://<account>.snowflakecomputing.com`, or what `base_url` / `host` + `port` + `protocol` say.
pub fn base_url(target: &Target, account: &str) -> String {
    if let Some(url) = setting_text(target, "base_url") {
        return url.trim_end_matches('/').to_string();
    }
    if let Some(host) = setting_text(target, "host") {
        let protocol = setting_text(target, "protocol").unwrap_or_else(|| "https".into());
        return match setting_text(target, "port") {
            Some(port) => format!("{protocol}://{host}:{port}"),
            None => format!("{protocol}://{host}"),
        };
    }
    let account = account.trim().trim_end_matches(".snowflakecomputing.com");
    format!("https://{account}.snowflakecomputing.com")
}

fn seconds(target: &Target, key: &str) -> Result<Option<Duration>> {
    match setting_text(target, key) {
        None => Ok(None),
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|n| *n > 0.0)
            .map(|n| Some(Duration::from_secs_f64(n)))
            .ok_or_else(|| Error::project(format!("target '{}': {key} must be a number of seconds", target.name))),
    }
}

fn read_credentials(target: &Target, project_root: &Path) -> Result<Credentials> {
    let passphrase = setting_text(target, "private_key_passphrase");
    if let Some(pem) = setting_text(target, "private_key") {
        return Ok(Credentials::KeyPair(Box::new(KeyPair::from_pem(
            &pem,
            passphrase.as_deref(),
            "the target's private_key",
        )?)));
    }
    if let Some(path) = setting_text(target, "private_key_path") {
        let expanded = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => Path::new(&home).join(rest),
            _ => project_root.join(&path),
        };
        let text = std::fs::read_to_string(&expanded).map_err(|e| {
            Error::project(format!("cannot read private_key_path {}: {e}", expanded.display()))
                .help("private_key_path is relative to the project directory; ~/ means your home")
        })?;
        return Ok(Credentials::KeyPair(Box::new(KeyPair::from_pem(
            &text,
            passphrase.as_deref(),
            &expanded.display().to_string(),
        )?)));
    }
    if let Some(password) = setting_text(target, "password") {
        return Ok(Credentials::Password(password));
    }
    Err(
        Error::project(format!("target '{}' (snowflake) has no credentials", target.name))
            .help("set private_key_path (key-pair auth, recommended) or password, from env_var()"),
    )
}

impl SnowflakeAdapter {
    pub fn open(target: &Target, project_root: &Path) -> Result<SnowflakeAdapter> {
        let account = required(target, "account")?;
        let user = required(target, "user")?;
        let database = target.database.clone().filter(|d| !d.is_empty()).ok_or_else(|| {
            Error::project(format!("target '{}' (snowflake) needs `database`", target.name))
                .help("set database in the target, e.g. database: ANALYTICS")
        })?;
        let credentials = read_credentials(target, project_root)?;
        let mut settings = Settings::new(base_url(target, &account), account, user);
        settings.role = setting_text(target, "role");
        settings.warehouse = setting_text(target, "warehouse");
        settings.database = Some(database);
        settings.schema = Some(target.schema.clone());
        if let Some(params) = target.settings.get("session_parameters").and_then(Value::as_object) {
            for (k, v) in params {
                settings.session_parameters.insert(k.to_ascii_uppercase(), v.clone());
            }
        }
        let query_tag = setting_text(target, "query_tag");
        if let Some(tag) = &query_tag {
            settings
                .session_parameters
                .insert("QUERY_TAG".into(), Value::String(tag.clone()));
        }
        if let Some(t) = seconds(target, "connect_timeout")? {
            settings.connect_timeout = t;
        }
        settings.query_timeout = seconds(target, "query_timeout")?;
        let warehouse = settings.warehouse.clone();
        client::register_abort_on_cancel();
        Ok(SnowflakeAdapter {
            settings: Arc::new(settings),
            credentials: Arc::new(credentials),
            target_name: target.name.clone(),
            query_tag,
            warehouse,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

impl Adapter for SnowflakeAdapter {
    fn kind(&self) -> AdapterKind {
        AdapterKind::Snowflake
    }

    /// DDL commits the open transaction on Snowflake.
    fn transactional_ddl(&self) -> bool {
        false
    }

    /// Snowflake users expect MERGE (dbt-snowflake's default) whenever a unique key is set.
    fn default_incremental_strategy(&self, has_unique_key: bool) -> &'static str {
        if has_unique_key { "merge" } else { "append" }
    }

    fn connect(&self) -> Result<Box<dyn Connection>> {
        let session = Session::login(self.settings.clone(), self.credentials.clone())?;
        Ok(Box::new(SnowflakeConnection {
            session,
            database: self.settings.database.clone().unwrap_or_default(),
            target_name: self.target_name.clone(),
            default_tag: self.query_tag.clone(),
            default_warehouse: self.warehouse.clone(),
            tag: self.query_tag.clone(),
            warehouse: self.warehouse.clone(),
            comment: None,
        }))
    }

    fn sql(&self) -> &dyn SqlDialect {
        &sql::SnowflakeSql
    }

    fn seed_type(&self, t: SeedType) -> &'static str {
        match t {
            SeedType::Boolean => "BOOLEAN",
            SeedType::Integer | SeedType::BigInt => "BIGINT",
            SeedType::Float => "FLOAT",
            SeedType::Date => "DATE",
            SeedType::Timestamp => "TIMESTAMP_NTZ",
            SeedType::Text => "VARCHAR",
        }
    }

    fn version_query(&self) -> &'static str {
        "select current_version()"
    }

    fn replace_table_sql(&self, node: &Node, relation: &Relation, select: &str) -> Option<String> {
        Some(table_ddl(&node.settings, relation, select))
    }

    fn replace_view_sql(&self, node: &Node, relation: &Relation, select: &str) -> String {
        view_ddl(&node.settings, relation, select)
    }

    fn rename_target(&self, relation: &Relation) -> String {
        relation.to_string()
    }

    fn has_grants(&self) -> bool {
        true
    }

    /// `alter table ... alter column ... comment`, which tables and views both take.
    fn column_comment_sql(&self, kind: RelationKind, relation: &Relation, column: &str, comment: &str) -> String {
        let kw = match kind {
            RelationKind::Table => "table",
            RelationKind::View => "view",
        };
        format!("alter {kw} {relation} alter column {column} comment {comment}")
    }

    fn replace_table_with_columns_sql(
        &self,
        node: &Node,
        relation: &Relation,
        columns: &str,
        select: &str,
    ) -> Option<String> {
        Some(table_ddl(&node.settings, &format!("{relation} ({columns})"), select))
    }

    fn copy_table_sql(&self, node: &Node, from: &Relation, to: &Relation) -> String {
        clone_ddl(node, from, to)
    }

    fn copy_keeps_constraints(&self) -> bool {
        true
    }
}

/// `create or replace [transient] table <to> clone <from>`: zero-copy. A transient table can
/// only be cloned into a transient one, so the clone is transient exactly where mozt builds the
/// table transient (`table` models and seeds, unless `transient: false`).
pub fn clone_ddl(node: &Node, from: &Relation, to: &Relation) -> String {
    let transient = matches!(node.materialized(), Materialization::Table | Materialization::Seed)
        && node.settings.warehouse().transient;
    let transient = if transient { "transient " } else { "" };
    format!("create or replace {transient}table {to} clone {from}")
}

/// `create or replace [transient] table ... [copy grants] as`: atomic on Snowflake, so a failed
/// build leaves the previous table. Tables are transient unless `transient: false`.
pub fn table_ddl(config: &NodeConfig, relation: &dyn std::fmt::Display, select: &str) -> String {
    let transient = if config.warehouse().transient { "transient " } else { "" };
    let grants = if config.warehouse().copy_grants {
        " copy grants"
    } else {
        ""
    };
    format!("create or replace {transient}table {relation}{grants} as\n{select}")
}

pub fn view_ddl(config: &NodeConfig, relation: &Relation, select: &str) -> String {
    let grants = if config.warehouse().copy_grants {
        " copy grants"
    } else {
        ""
    };
    format!("create or replace view {relation}{grants} as\n{select}")
}

pub struct SnowflakeConnection {
    session: Session,
    database: String,
    target_name: String,
    default_tag: Option<String>,
    default_warehouse: Option<String>,
    /// What the session has now.
    tag: Option<String>,
    warehouse: Option<String>,
    /// Appended to each statement: names the node that runs it.
    comment: Option<String>,
}

impl SnowflakeConnection {
    fn run(&mut self, sql: &str) -> Result<Rows> {
        let mut last = Rows::default();
        for stmt in split::statements(sql) {
            let text = match &self.comment {
                Some(c) => format!("{stmt}\n{c}"),
                None => stmt,
            };
            tracing::debug!(target: "mozt::sql", "{text}");
            let result = self.session.query(&text)?;
            if self.session.renewed {
                // A new session after token expiry: its tag and warehouse are the target's.
                self.session.renewed = false;
                self.tag = self.default_tag.clone();
                self.warehouse = self.default_warehouse.clone();
            }
            last = Rows {
                columns: result.columns.into_iter().map(|c| c.name).collect(),
                rows: result.rows,
            };
        }
        Ok(last)
    }

    fn run_plain(&mut self, sql: &str) -> Result<()> {
        let saved = self.comment.take();
        let r = self.run(sql);
        self.comment = saved;
        r.map(|_| ())
    }
}

impl Connection for SnowflakeConnection {
    fn set_node(&mut self, node_id: &str, config: &NodeConfig) -> Result<()> {
        let text = |value: &Option<Box<str>>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let tag = text(&config.warehouse().query_tag).or_else(|| self.default_tag.clone());
        if tag != self.tag {
            match &tag {
                Some(t) => self.run_plain(&format!("alter session set query_tag = {}", sf_literal(t)))?,
                None => self.run_plain("alter session unset query_tag")?,
            }
            self.tag = tag;
        }
        let warehouse = text(&config.warehouse().snowflake_warehouse).or_else(|| self.default_warehouse.clone());
        if warehouse != self.warehouse
            && let Some(w) = &warehouse
        {
            self.run_plain(&format!(
                "use warehouse {}",
                crate::relation::quote_with(w, crate::relation::Quoting::UpperCase)
            ))?;
            self.warehouse = warehouse;
        }
        let comment = serde_json::json!({"app": "mozt", "node_id": node_id, "target": self.target_name});
        self.comment = Some(format!("/* {} */", comment.to_string().replace("*/", "* /")));
        Ok(())
    }

    fn execute(&mut self, sql: &str) -> Result<()> {
        self.run(sql).map(|_| ())
    }

    fn query(&mut self, sql: &str) -> Result<Rows> {
        self.run(sql)
    }

    /// The query with `limit 0`: its columns' types come back, no rows.
    fn query_columns(&mut self, sql: &str) -> Result<Vec<(String, String)>> {
        let sql = sql.trim_end().trim_end_matches(';');
        let text = format!("select * from (\n{sql}\n) as mozt_query limit 0");
        let text = match &self.comment {
            Some(c) => format!("{text}\n{c}"),
            None => text,
        };
        let result = self.session.query(&text)?;
        Ok(result
            .columns
            .into_iter()
            .map(|c| {
                let ty = decode::type_name(&c);
                (c.name, ty)
            })
            .collect())
    }

    fn list_relations(&mut self, schemas: &[String]) -> Result<HashMap<Relation, RelationKind>> {
        if schemas.is_empty() {
            return Ok(HashMap::new());
        }
        // One query for every schema of the run, in the target database.
        let list: Vec<String> = schemas.iter().map(|s| literal(&s.to_ascii_uppercase())).collect();
        // Views are in information_schema.tables on Snowflake; the emulator lists them only in
        // information_schema.views, so both are read (a view found twice is still a view).
        let sql = format!(
            "select table_schema, table_name, table_type from information_schema.tables \
             where upper(table_schema) in ({list})\n\
             union all\n\
             select table_schema, table_name, 'VIEW' from information_schema.views \
             where upper(table_schema) in ({list})",
            list = list.join(", ")
        );
        let rows = self.run(&sql)?;
        let database = self.database.to_ascii_lowercase();
        let mut out = HashMap::new();
        for r in rows.rows {
            let (Some(schema), Some(name), Some(kind)) = (
                r.first().and_then(Value::as_str),
                r.get(1).and_then(Value::as_str),
                r.get(2).and_then(Value::as_str),
            ) else {
                continue;
            };
            let kind = if kind.to_ascii_uppercase().contains("VIEW") {
                RelationKind::View
            } else {
                RelationKind::Table
            };
            let rel = Relation::new(
                Some(database.clone()),
                schema.to_ascii_lowercase(),
                name.to_ascii_lowercase(),
            );
            if out.get(&rel) != Some(&RelationKind::View) {
                out.insert(rel, kind);
            }
        }
        Ok(out)
    }

    fn insert_rows(&mut self, relation: &Relation, columns: &[String], rows: &[Vec<Option<String>>]) -> Result<()> {
        // Multi-row INSERT ... VALUES with text literals, which Snowflake casts to each column's
        // type; batches stay well under the statement size limit.
        const MAX_ROWS: usize = 1000;
        const MAX_BYTES: usize = 512 * 1024;
        let head = format!("insert into {relation} ({}) values\n", columns.join(", "));
        let mut sql = head.clone();
        let mut n = 0;
        for row in rows {
            let values: Vec<String> = row
                .iter()
                .map(|v| v.as_deref().map(sf_literal).unwrap_or_else(|| "null".into()))
                .collect();
            if n > 0 {
                sql.push_str(",\n");
            }
            sql.push_str(&format!("({})", values.join(", ")));
            n += 1;
            if n >= MAX_ROWS || sql.len() >= MAX_BYTES {
                self.run(&sql)?;
                sql = head.clone();
                n = 0;
            }
        }
        if n > 0 {
            self.run(&sql)?;
        }
        Ok(())
    }
}

/// A Snowflake string literal: a backslash is an escape character there, so it is doubled too.
pub fn sf_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}
