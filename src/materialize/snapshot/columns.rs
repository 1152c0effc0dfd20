//! The columns a snapshot adds to its query's: their names (dbt's `dbt_` names in a project in
//! dbt's layout, `mozt_` otherwise, either renamed by `snapshot_meta_column_names`) and the SQL
//! that reads and writes them.

use crate::manifest::config::{BuildConfig, SnapshotMetaNames};

/// The names of a snapshot's own columns and the value of the valid-to column in a current
/// version.
pub(super) struct MetaColumns {
    pub scd_id: String,
    pub updated_at: String,
    pub valid_from: String,
    pub valid_to: String,
    pub is_deleted: String,
    /// `dbt_valid_to_current`: the valid-to value of current versions, when not null.
    pub current_value: Option<String>,
}

impl MetaColumns {
    /// The names for a snapshot configured with `config`; `dbt_names` for a project in dbt's
    /// layout, whose snapshot tables dbt may have built; `upper` where unquoted names are
    /// written in upper case, as Snowflake folds them (DuckDB under `dialect: snowflake`).
    pub(super) fn new(config: &BuildConfig, dbt_names: bool, upper: bool) -> MetaColumns {
        let prefix = if dbt_names { "dbt_" } else { "mozt_" };
        let SnapshotMetaNames {
            scd_id,
            updated_at,
            valid_from,
            valid_to,
            is_deleted,
        } = &config.snapshot_columns;
        let name = |set: &Option<Box<str>>, base: &str| {
            let name = set.as_deref().map_or(format!("{prefix}{base}"), str::to_string);
            if upper { name.to_ascii_uppercase() } else { name }
        };
        MetaColumns {
            scd_id: name(scd_id, "scd_id"),
            updated_at: name(updated_at, "updated_at"),
            valid_from: name(valid_from, "valid_from"),
            valid_to: name(valid_to, "valid_to"),
            is_deleted: name(is_deleted, "is_deleted"),
            current_value: config.valid_to_current.as_deref().map(str::to_string),
        }
    }

    /// Whether the version `alias` is a current one.
    pub(super) fn is_current(&self, alias: &str) -> String {
        let valid_to = &self.valid_to;
        match &self.current_value {
            Some(v) => format!("({alias}.{valid_to} = {v} or {alias}.{valid_to} is null)"),
            None => format!("{alias}.{valid_to} is null"),
        }
    }

    /// The valid-to value of a new current version, typed like `updated` (dbt's form).
    pub(super) fn open_valid_to(&self, updated: &str) -> String {
        let value = self.current_value.as_deref().unwrap_or("null");
        format!("coalesce(nullif({updated}, {updated}), {value})")
    }

    /// Whether the version `alias` marks its row deleted (`hard_deletes: new_record`).
    pub(super) fn is_deleted(&self, alias: &str) -> String {
        format!("{alias}.{} = 'True'", self.is_deleted)
    }

    /// The four columns every snapshot has, in order (the is-deleted flag comes after them).
    pub(super) fn list(&self) -> String {
        format!(
            "{}, {}, {}, {}",
            self.scd_id, self.updated_at, self.valid_from, self.valid_to
        )
    }
}

/// dbt's version id: the md5 of the parts as text, `|`-separated, a null part as ''.
pub(super) fn hash(parts: &[String]) -> String {
    let texts: Vec<String> = parts
        .iter()
        .map(|p| format!("coalesce(cast({p} as varchar), '')"))
        .collect();
    format!("md5({})", texts.join(" || '|' || "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::config::NodeConfig;
    use serde_json::json;

    fn read(v: serde_json::Value) -> BuildConfig {
        let serde_json::Value::Object(map) = v else {
            unreachable!()
        };
        NodeConfig::read(&map).build().clone()
    }

    #[test]
    fn names_follow_the_layout_and_the_renames() {
        let plain = read(json!({"unique_key": "id"}));
        assert_eq!(
            MetaColumns::new(&plain, true, false).list(),
            "dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to"
        );
        assert_eq!(MetaColumns::new(&plain, false, false).valid_to, "mozt_valid_to");
        let renamed =
            read(json!({"snapshot_meta_column_names": {"dbt_valid_to": "valid_until", "dbt_is_deleted": "gone"}}));
        let cols = MetaColumns::new(&renamed, true, false);
        assert_eq!(
            (cols.valid_to.as_str(), cols.is_deleted.as_str(), cols.scd_id.as_str()),
            ("valid_until", "gone", "dbt_scd_id")
        );
        assert_eq!(cols.is_current("t"), "t.valid_until is null");
        let far = read(json!({"dbt_valid_to_current": "'9999-12-31'::date"}));
        assert_eq!(
            MetaColumns::new(&far, true, false).is_current("t"),
            "(t.dbt_valid_to = '9999-12-31'::date or t.dbt_valid_to is null)"
        );
    }

    #[test]
    fn hash_is_dbts() {
        assert_eq!(
            hash(&["s.id".into(), "s.updated_at".into()]),
            "md5(coalesce(cast(s.id as varchar), '') || '|' || coalesce(cast(s.updated_at as varchar), ''))"
        );
    }
}
