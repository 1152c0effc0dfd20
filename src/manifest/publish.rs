//! The configs that say how a built relation is published to its readers, as dbt has them:
//! `grants` (who may read it), `persist_docs` (its descriptions as warehouse comments) and
//! `contract` (the columns and types it promises), and a column's `constraints`.

use serde::Serialize;
use serde_json::Value;

/// `grants`, `persist_docs` and `contract`, read from a node's config.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PublishConfig {
    /// `grants: {select: [role_a, role_b]}`: one entry per privilege and grantee, in the order
    /// written; privileges in lower case. None when the config is absent or an empty map
    /// (grants are then left as they are); an empty list for `{select: []}` (what was granted
    /// is revoked).
    pub grants: Option<Vec<Grant>>,
    /// `persist_docs: {relation: true}`: the model's description as the table or view comment.
    pub persist_relation: bool,
    /// `persist_docs: {columns: true}`: the columns' descriptions as column comments.
    pub persist_columns: bool,
    /// `contract: {enforced: true}`.
    pub contract_enforced: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub privilege: String,
    pub grantee: String,
}

impl PublishConfig {
    /// Reads `key` into `into` (made when first needed) when it is one of these configs.
    pub fn read(into: &mut Option<Box<PublishConfig>>, key: &str, v: &Value) -> bool {
        let set: fn(&mut PublishConfig, &Value) = match key {
            // dbt leaves grants alone when the map is empty.
            "grants" => |p, v| p.grants = v.as_object().filter(|m| !m.is_empty()).map(|_| grants(v)),
            "persist_docs" => |p, v| {
                let on = |k: &str| v.get(k).and_then(super::config::flag).unwrap_or(false);
                p.persist_relation = on("relation");
                p.persist_columns = on("columns");
            },
            "contract" => |p, v| p.contract_enforced = v.get("enforced").and_then(super::config::flag).unwrap_or(false),
            _ => return false,
        };
        set(into.get_or_insert_with(Box::default), v);
        true
    }
}

/// `{select: role}` or `{select: [a, b]}`; grantees as written.
fn grants(v: &Value) -> Vec<Grant> {
    let mut out = vec![];
    for (privilege, who) in v.as_object().into_iter().flatten() {
        let who: Vec<&str> = match who {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        for grantee in who.into_iter().map(str::trim).filter(|g| !g.is_empty()) {
            out.push(Grant {
                privilege: privilege.trim().to_ascii_lowercase(),
                grantee: grantee.to_string(),
            });
        }
    }
    out
}

/// A column constraint from schema YAML (`constraints: [{type: not_null}]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    #[serde(rename = "type")]
    pub kind: ConstraintKind,
    /// A `check`'s expression, or a `foreign_key`'s `other_table (column)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// The columns of a model-level constraint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    NotNull,
    PrimaryKey,
    Unique,
    Check,
    ForeignKey,
    /// A type mozt does not know, as written (warned about, not created).
    Other(String),
}

impl ConstraintKind {
    pub fn as_str(&self) -> &str {
        match self {
            ConstraintKind::NotNull => "not_null",
            ConstraintKind::PrimaryKey => "primary_key",
            ConstraintKind::Unique => "unique",
            ConstraintKind::Check => "check",
            ConstraintKind::ForeignKey => "foreign_key",
            ConstraintKind::Other(s) => s,
        }
    }
}

impl Constraint {
    /// The constraints of a column's YAML entry (`constraints:` list; entries without a `type`
    /// are skipped).
    pub fn read_list(v: Option<&Value>) -> Vec<Constraint> {
        let Some(list) = v.and_then(Value::as_array) else {
            return vec![];
        };
        list.iter()
            .filter_map(|c| {
                let kind = match c.get("type")?.as_str()? {
                    "not_null" => ConstraintKind::NotNull,
                    "primary_key" => ConstraintKind::PrimaryKey,
                    "unique" => ConstraintKind::Unique,
                    "check" => ConstraintKind::Check,
                    "foreign_key" => ConstraintKind::ForeignKey,
                    other => ConstraintKind::Other(other.to_string()),
                };
                let expression = c.get("expression").and_then(Value::as_str).map(str::to_string);
                let columns = c
                    .get("columns")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default();
                Some(Constraint {
                    kind,
                    expression,
                    columns,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grants_persist_docs_and_contract_are_read_as_dbt_writes_them() {
        let mut p = None;
        assert!(PublishConfig::read(
            &mut p,
            "grants",
            &json!({"select": ["bi", "braze"], "Insert": "etl"})
        ));
        assert!(PublishConfig::read(
            &mut p,
            "persist_docs",
            &json!({"relation": true, "columns": "yes"})
        ));
        assert!(PublishConfig::read(&mut p, "contract", &json!({"enforced": true})));
        assert!(!PublishConfig::read(&mut p, "tags", &json!(["x"])));
        let p = p.expect("read");
        let pairs: Vec<(&str, &str)> = p
            .grants
            .iter()
            .flatten()
            .map(|g| (g.privilege.as_str(), g.grantee.as_str()))
            .collect();
        assert_eq!(pairs, [("select", "bi"), ("select", "braze"), ("insert", "etl")]);
        assert!(p.persist_relation && p.persist_columns && p.contract_enforced);
    }
}
