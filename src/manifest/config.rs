//! The configs mozt acts on, typed: read once from a node's resolved config map when the parse
//! phase finishes the node (`Node::resolve_settings`). The map itself stays on the node for
//! manifest.json, Jinja's `config.get` and `config.<key>` selectors.
//!
//! Reading never fails: a value of the wrong type reads as if it were not set, and a value
//! outside a closed set is kept as written (`Other`) where the materialization reports it when
//! it runs, exactly as when these were looked up by name.

use serde_json::{Map, Value};
use std::fmt;

use super::materialization::Materialization;
use super::publish::PublishConfig;
use super::threshold::Threshold;

/// A node's configs, typed. See the module comment for how values are read. The configs every
/// node has are fields; those of one kind of node are in groups (`build`, `test`, `warehouse`),
/// kept only for a node that sets one of them, so a node stays small.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeConfig {
    /// A model's `materialized`, when it names one mozt has (the parse phase rejects others).
    pub materialized: Option<Materialization>,
    /// `enabled` set to false (or "no").
    pub disabled: bool,
    /// `full_refresh`: Some(true) rebuilds an incremental model in full on every run.
    pub full_refresh: Option<bool>,
    pub tags: Vec<String>,
    pub alias: Option<Box<str>>,
    pub schema: Option<Box<str>>,
    pub database: Option<Box<str>>,
    build: Option<Box<BuildConfig>>,
    test: Option<Box<TestConfig>>,
    warehouse: Option<Box<WarehouseConfig>>,
    publish: Option<Box<PublishConfig>>,
}

/// How a model, seed or snapshot is built.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildConfig {
    pub pre_hook: Vec<String>,
    pub post_hook: Vec<String>,
    /// `unique_key`: one column, a comma-separated list, or a list (incremental models,
    /// snapshots, Braze syncs).
    pub unique_key: Vec<String>,
    pub incremental_strategy: Option<IncrementalStrategy>,
    pub on_schema_change: OnSchemaChange,
    pub merge_update_columns: Option<Vec<String>>,
    pub merge_exclude_columns: Option<Vec<String>>,
    /// A snapshot's `strategy`, when it is one mozt knows (the parse phase rejects others).
    pub strategy: Option<SnapshotStrategy>,
    pub updated_at: Option<Box<str>>,
    /// `check_cols` as a list of columns; None for `'all'` (or unset).
    pub check_cols: Option<Vec<String>>,
    /// `hard_deletes`, or `invalidate_hard_deletes: true` (which means `invalidate`).
    pub hard_deletes: HardDeletes,
    /// `snapshot_meta_column_names`: the names a snapshot gives its own columns, where set.
    pub snapshot_columns: SnapshotMetaNames,
    /// `dbt_valid_to_current`: the SQL value of the valid-to column in current versions
    /// (null when unset).
    pub valid_to_current: Option<Box<str>>,
    pub target_schema: Option<Box<str>>,
    pub target_database: Option<Box<str>>,
    /// A seed's CSV `delimiter` (its first byte; a comma by default).
    pub delimiter: u8,
    /// A seed's `quote_columns`: Some(true) quotes every column name as the CSV header writes
    /// it (case kept on Snowflake); otherwise a name is quoted only where it must be.
    pub quote_columns: Option<bool>,
    /// A Braze sync's `braze_identifier`.
    pub braze_identifier: BrazeIdentifier,
}

impl BuildConfig {
    const DEFAULT: BuildConfig = BuildConfig {
        pre_hook: Vec::new(),
        post_hook: Vec::new(),
        unique_key: Vec::new(),
        incremental_strategy: None,
        on_schema_change: OnSchemaChange::Ignore,
        merge_update_columns: None,
        merge_exclude_columns: None,
        strategy: None,
        updated_at: None,
        check_cols: None,
        hard_deletes: HardDeletes::Ignore,
        snapshot_columns: SnapshotMetaNames::DEFAULT,
        valid_to_current: None,
        target_schema: None,
        target_database: None,
        delimiter: b',',
        quote_columns: None,
        braze_identifier: BrazeIdentifier::ExternalId,
    };
}

/// How a data test is judged and where its failing rows go.
#[derive(Debug, Clone, PartialEq)]
pub struct TestConfig {
    /// `severity` (anything but `error` warns).
    pub severity: Severity,
    pub error_if: Condition,
    pub warn_if: Condition,
    pub store_failures: Option<bool>,
    pub store_failures_as: StoreFailuresAs,
    pub limit: Option<u64>,
    pub fail_calc: Option<Box<str>>,
}

impl TestConfig {
    const DEFAULT: TestConfig = TestConfig {
        severity: Severity::Error,
        error_if: Condition::NOT_ZERO,
        warn_if: Condition::NOT_ZERO,
        store_failures: None,
        store_failures_as: StoreFailuresAs::Table,
        limit: None,
        fail_calc: None,
    };
}

/// Warehouse settings of a node (Snowflake's).
#[derive(Debug, Clone, PartialEq)]
pub struct WarehouseConfig {
    /// Tables are transient unless `transient: false`.
    pub transient: bool,
    pub copy_grants: bool,
    pub query_tag: Option<Box<str>>,
    pub snowflake_warehouse: Option<Box<str>>,
}

impl WarehouseConfig {
    const DEFAULT: WarehouseConfig = WarehouseConfig {
        transient: true,
        copy_grants: false,
        query_tag: None,
        snowflake_warehouse: None,
    };
}

static BUILD: BuildConfig = BuildConfig::DEFAULT;
static TEST: TestConfig = TestConfig::DEFAULT;
static WAREHOUSE: WarehouseConfig = WarehouseConfig::DEFAULT;

impl NodeConfig {
    /// Read the keys mozt acts on from a resolved config map, in one pass over its entries.
    pub fn read(config: &Map<String, Value>) -> NodeConfig {
        let mut c = NodeConfig::default();
        let mut invalidate_hard_deletes = false;
        for (key, v) in config {
            match key.as_str() {
                "materialized" => c.materialized = v.as_str().and_then(Materialization::of_model),
                "enabled" => c.disabled = flag(v) == Some(false),
                "full_refresh" => c.full_refresh = flag(v),
                "tags" => c.tags = text_list(v).unwrap_or_default(),
                "alias" => c.alias = text(v),
                "schema" => c.schema = text(v),
                "database" => c.database = text(v),
                "invalidate_hard_deletes" => invalidate_hard_deletes = flag(v) == Some(true),
                // Each group reads its own keys; the others are not mozt's to act on.
                _ => {
                    let _ = c.read_build(key, v)
                        || c.read_test(key, v)
                        || c.read_warehouse(key, v)
                        || PublishConfig::read(&mut c.publish, key, v);
                }
            }
        }
        if invalidate_hard_deletes {
            c.build_mut().hard_deletes = HardDeletes::Invalidate;
        }
        c
    }

    /// `enabled` (true unless set to false or "no").
    pub fn enabled(&self) -> bool {
        !self.disabled
    }

    pub fn build(&self) -> &BuildConfig {
        self.build.as_deref().unwrap_or(&BUILD)
    }

    pub fn test(&self) -> &TestConfig {
        self.test.as_deref().unwrap_or(&TEST)
    }

    /// `grants`, `persist_docs` and `contract`.
    pub fn publish(&self) -> &PublishConfig {
        static PUBLISH: PublishConfig = PublishConfig {
            grants: None,
            persist_relation: false,
            persist_columns: false,
            contract_enforced: false,
        };
        self.publish.as_deref().unwrap_or(&PUBLISH)
    }

    pub fn warehouse(&self) -> &WarehouseConfig {
        self.warehouse.as_deref().unwrap_or(&WAREHOUSE)
    }

    fn build_mut(&mut self) -> &mut BuildConfig {
        self.build.get_or_insert_with(|| Box::new(BuildConfig::DEFAULT))
    }

    /// Reads `key` when it is one of `BuildConfig`'s; false when it is not.
    fn read_build(&mut self, key: &str, v: &Value) -> bool {
        let set: fn(&mut BuildConfig, &Value) = match key {
            "pre_hook" => |b, v| b.pre_hook = text_list(v).unwrap_or_default(),
            "post_hook" => |b, v| b.post_hook = text_list(v).unwrap_or_default(),
            "unique_key" => |b, v| b.unique_key = unique_key(v),
            "incremental_strategy" => |b, v| b.incremental_strategy = v.as_str().map(IncrementalStrategy::from_name),
            "on_schema_change" => {
                |b, v| b.on_schema_change = v.as_str().map_or(OnSchemaChange::Ignore, OnSchemaChange::from_name)
            }
            "merge_update_columns" => |b, v| b.merge_update_columns = text_list(v),
            "merge_exclude_columns" => |b, v| b.merge_exclude_columns = text_list(v),
            "strategy" => |b, v| b.strategy = v.as_str().and_then(SnapshotStrategy::from_name),
            "updated_at" => |b, v| b.updated_at = text(v),
            "check_cols" => |b, v| {
                b.check_cols = v
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            },
            "hard_deletes" => |b, v| b.hard_deletes = v.as_str().map_or(HardDeletes::Ignore, HardDeletes::from_name),
            "snapshot_meta_column_names" => |b, v| b.snapshot_columns = SnapshotMetaNames::read(v),
            "dbt_valid_to_current" => |b, v| b.valid_to_current = text(v),
            "target_schema" => |b, v| b.target_schema = text(v),
            "target_database" => |b, v| b.target_database = text(v),
            "delimiter" => |b, v| b.delimiter = v.as_str().and_then(|d| d.bytes().next()).unwrap_or(b','),
            "quote_columns" => |b, v| b.quote_columns = flag(v),
            "braze_identifier" => |b, v| {
                b.braze_identifier = v
                    .as_str()
                    .map_or(BrazeIdentifier::ExternalId, BrazeIdentifier::from_name)
            },
            _ => return false,
        };
        set(self.build_mut(), v);
        true
    }

    /// Reads `key` when it is one of `TestConfig`'s; false when it is not.
    fn read_test(&mut self, key: &str, v: &Value) -> bool {
        let set: fn(&mut TestConfig, &Value) = match key {
            "severity" => |t, v| t.severity = v.as_str().map_or(Severity::Error, Severity::from_name),
            "error_if" => |t, v| t.error_if = Condition::read(v),
            "warn_if" => |t, v| t.warn_if = Condition::read(v),
            "store_failures" => |t, v| t.store_failures = flag(v),
            "store_failures_as" => |t, v| {
                t.store_failures_as = match v.as_str() {
                    Some("view") => StoreFailuresAs::View,
                    _ => StoreFailuresAs::Table,
                }
            },
            "limit" => |t, v| t.limit = count(v),
            "fail_calc" => |t, v| t.fail_calc = text(v),
            _ => return false,
        };
        set(self.test.get_or_insert_with(|| Box::new(TestConfig::DEFAULT)), v);
        true
    }

    /// Reads `key` when it is one of `WarehouseConfig`'s; false when it is not.
    fn read_warehouse(&mut self, key: &str, v: &Value) -> bool {
        let set: fn(&mut WarehouseConfig, &Value) = match key {
            "transient" => |w, v| w.transient = flag(v).unwrap_or(true),
            "copy_grants" => |w, v| w.copy_grants = flag(v).unwrap_or(false),
            "query_tag" => |w, v| w.query_tag = text(v),
            "snowflake_warehouse" => |w, v| w.snowflake_warehouse = text(v),
            _ => return false,
        };
        set(
            self.warehouse.get_or_insert_with(|| Box::new(WarehouseConfig::DEFAULT)),
            v,
        );
        true
    }
}

/// A true/false config: a boolean, or the text true/yes/false/no (any case).
pub(crate) fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn text(v: &Value) -> Option<Box<str>> {
    v.as_str().map(Box::from)
}

/// One text or a list of texts (other items skipped); None for any other value.
fn text_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => Some(a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()),
        Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

/// `unique_key`: `'id'`, `'a, b'` or `['a', 'b']`.
fn unique_key(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => s
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => vec![],
    }
}

/// A count: a non-negative integer, or text holding one.
fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// How a later run of an incremental model applies the new rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncrementalStrategy {
    Append,
    DeleteInsert,
    Merge,
    /// A strategy mozt does not have, as written (an error when the model runs).
    Other(Box<str>),
}

impl IncrementalStrategy {
    pub fn from_name(name: &str) -> IncrementalStrategy {
        match name {
            "append" => IncrementalStrategy::Append,
            "delete+insert" => IncrementalStrategy::DeleteInsert,
            "merge" => IncrementalStrategy::Merge,
            other => IncrementalStrategy::Other(other.into()),
        }
    }

    /// The name as written in config.
    pub fn as_str(&self) -> &str {
        match self {
            IncrementalStrategy::Append => "append",
            IncrementalStrategy::DeleteInsert => "delete+insert",
            IncrementalStrategy::Merge => "merge",
            IncrementalStrategy::Other(s) => s,
        }
    }
}

impl fmt::Display for IncrementalStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an incremental model does when its columns changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnSchemaChange {
    Ignore,
    Fail,
    AppendNewColumns,
    SyncAllColumns,
    /// A value mozt does not know, as written (an error when the model runs).
    Other(Box<str>),
}

impl OnSchemaChange {
    pub fn from_name(name: &str) -> OnSchemaChange {
        match name {
            "ignore" => OnSchemaChange::Ignore,
            "fail" => OnSchemaChange::Fail,
            "append_new_columns" => OnSchemaChange::AppendNewColumns,
            "sync_all_columns" => OnSchemaChange::SyncAllColumns,
            other => OnSchemaChange::Other(other.into()),
        }
    }

    /// The name as written in config.
    pub fn as_str(&self) -> &str {
        match self {
            OnSchemaChange::Ignore => "ignore",
            OnSchemaChange::Fail => "fail",
            OnSchemaChange::AppendNewColumns => "append_new_columns",
            OnSchemaChange::SyncAllColumns => "sync_all_columns",
            OnSchemaChange::Other(s) => s,
        }
    }
}

impl fmt::Display for OnSchemaChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a snapshot finds changed rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotStrategy {
    /// By the `updated_at` column.
    Timestamp,
    /// By comparing `check_cols`.
    Check,
}

impl SnapshotStrategy {
    pub fn from_name(name: &str) -> Option<SnapshotStrategy> {
        match name {
            "timestamp" => Some(SnapshotStrategy::Timestamp),
            "check" => Some(SnapshotStrategy::Check),
            _ => None,
        }
    }
}

/// `snapshot_meta_column_names`: a snapshot's own columns renamed (dbt's keys, each optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMetaNames {
    pub scd_id: Option<Box<str>>,
    pub updated_at: Option<Box<str>>,
    pub valid_from: Option<Box<str>>,
    pub valid_to: Option<Box<str>>,
    pub is_deleted: Option<Box<str>>,
}

impl SnapshotMetaNames {
    const DEFAULT: SnapshotMetaNames = SnapshotMetaNames {
        scd_id: None,
        updated_at: None,
        valid_from: None,
        valid_to: None,
        is_deleted: None,
    };

    /// Reads `{dbt_scd_id: ..., dbt_valid_to: ...}`; other keys and non-text values are skipped.
    fn read(v: &Value) -> SnapshotMetaNames {
        let name = |key: &str| v.get(key).and_then(Value::as_str).map(Box::from);
        SnapshotMetaNames {
            scd_id: name("dbt_scd_id"),
            updated_at: name("dbt_updated_at"),
            valid_from: name("dbt_valid_from"),
            valid_to: name("dbt_valid_to"),
            is_deleted: name("dbt_is_deleted"),
        }
    }
}

/// What a snapshot does with rows gone from its query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HardDeletes {
    /// Keep their current version open (also for values mozt does not know).
    Ignore,
    /// Close their current version.
    Invalidate,
    /// Close their current version and insert a version marked deleted (`dbt_is_deleted`
    /// 'True'); a row that comes back gets a new version again.
    NewRecord,
}

impl HardDeletes {
    pub fn from_name(name: &str) -> HardDeletes {
        match name {
            "invalidate" => HardDeletes::Invalidate,
            "new_record" => HardDeletes::NewRecord,
            _ => HardDeletes::Ignore,
        }
    }
}

/// A data test's `severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Fails when `error_if` holds (else warns when `warn_if` holds).
    Error,
    /// Only warns.
    Warn,
}

impl Severity {
    /// `error` in any case is Error; any other text warns.
    pub fn from_name(name: &str) -> Severity {
        if name.eq_ignore_ascii_case("error") {
            Severity::Error
        } else {
            Severity::Warn
        }
    }
}

/// Where `store_failures` keeps a test's failing rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFailuresAs {
    Table,
    View,
}

impl StoreFailuresAs {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreFailuresAs::Table => "table",
            StoreFailuresAs::View => "view",
        }
    }
}

/// A test's `warn_if` / `error_if`: the condition as written (shown in messages) and as read.
/// A condition mozt cannot read (the parse phase rejects those in YAML) counts as `!=0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    written: Option<Box<str>>,
    threshold: Option<Threshold>,
}

impl Condition {
    /// Unset: `!=0`.
    const NOT_ZERO: Condition = Condition {
        written: None,
        threshold: None,
    };

    fn read(v: &Value) -> Condition {
        match v.as_str() {
            Some(s) => Condition {
                written: Some(s.into()),
                threshold: Threshold::parse(s),
            },
            None => Condition::NOT_ZERO,
        }
    }

    /// Whether `n` failing rows meet the condition.
    pub fn holds(&self, n: u64) -> bool {
        self.threshold.map_or(n != 0, |t| t.holds(n))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.written.as_deref().unwrap_or("!=0"))
    }
}

/// Which identifier a Braze sync's rows carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrazeIdentifier {
    ExternalId,
    BrazeId,
    Email,
    Phone,
    /// `alias` or `user_alias`: an alias name and label.
    Alias,
    /// A value mozt does not know, as written (an error when the model runs).
    Other(Box<str>),
}

impl BrazeIdentifier {
    pub fn from_name(name: &str) -> BrazeIdentifier {
        match name {
            "external_id" => BrazeIdentifier::ExternalId,
            "braze_id" => BrazeIdentifier::BrazeId,
            "email" => BrazeIdentifier::Email,
            "phone" => BrazeIdentifier::Phone,
            "alias" | "user_alias" => BrazeIdentifier::Alias,
            other => BrazeIdentifier::Other(other.into()),
        }
    }

    /// The columns that carry it (none for an unknown one).
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            BrazeIdentifier::ExternalId => &["external_id"],
            BrazeIdentifier::BrazeId => &["braze_id"],
            BrazeIdentifier::Email => &["email"],
            BrazeIdentifier::Phone => &["phone"],
            BrazeIdentifier::Alias => &["alias_name", "alias_label"],
            BrazeIdentifier::Other(_) => &[],
        }
    }

    /// The name as written in config (`alias` for `user_alias` too).
    pub fn as_str(&self) -> &str {
        match self {
            BrazeIdentifier::ExternalId => "external_id",
            BrazeIdentifier::BrazeId => "braze_id",
            BrazeIdentifier::Email => "email",
            BrazeIdentifier::Phone => "phone",
            BrazeIdentifier::Alias => "alias",
            BrazeIdentifier::Other(s) => s,
        }
    }
}

impl fmt::Display for BrazeIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> NodeConfig {
        match v {
            Value::Object(m) => NodeConfig::read(&m),
            _ => NodeConfig::default(),
        }
    }

    #[test]
    fn an_empty_map_reads_as_the_defaults() {
        assert_eq!(NodeConfig::read(&Map::new()), NodeConfig::default());
    }

    #[test]
    fn reads_typed_values() {
        let c = read(json!({
            "materialized": "incremental", "enabled": "No", "full_refresh": true, "tags": "nightly",
            "unique_key": "a, b,", "incremental_strategy": "delete+insert", "on_schema_change": "fail",
            "merge_update_columns": "x", "strategy": "check", "check_cols": ["x", 1],
            "hard_deletes": "new_record", "severity": "WARN", "error_if": "> 10", "limit": " 5 ",
            "store_failures_as": "view", "delimiter": "|x", "braze_identifier": "user_alias",
            "transient": "false", "copy_grants": "yes",
        }));
        assert_eq!(c.materialized, Some(Materialization::Incremental));
        assert!(!c.enabled());
        assert_eq!(c.full_refresh, Some(true));
        assert_eq!(c.tags, ["nightly"]);
        assert_eq!(c.build().unique_key, ["a", "b"]);
        assert_eq!(c.build().incremental_strategy, Some(IncrementalStrategy::DeleteInsert));
        assert_eq!(c.build().on_schema_change, OnSchemaChange::Fail);
        assert_eq!(c.build().merge_update_columns, Some(vec!["x".to_string()]));
        assert_eq!(c.build().strategy, Some(SnapshotStrategy::Check));
        assert_eq!(c.build().check_cols, Some(vec!["x".to_string()]));
        assert_eq!(c.build().hard_deletes, HardDeletes::NewRecord);
        assert_eq!(c.test().severity, Severity::Warn);
        assert_eq!(c.test().error_if.to_string(), "> 10");
        assert!(c.test().error_if.holds(11) && !c.test().error_if.holds(10));
        assert_eq!(c.test().limit, Some(5));
        assert_eq!(c.test().store_failures_as, StoreFailuresAs::View);
        assert_eq!(c.build().delimiter, b'|');
        assert_eq!(c.build().braze_identifier, BrazeIdentifier::Alias);
        assert_eq!(c.build().braze_identifier.as_str(), "alias");
        assert!(!c.warehouse().transient && c.warehouse().copy_grants);
    }

    #[test]
    fn values_it_cannot_use_fall_back_as_before() {
        let c = read(json!({
            "materialized": "materialised_view", "enabled": "maybe", "tags": 3, "unique_key": 5,
            "incremental_strategy": "insert_overwrite", "on_schema_change": 1, "strategy": "sometimes",
            "check_cols": "all", "hard_deletes": "invalidate", "invalidate_hard_deletes": false,
            "severity": 2, "warn_if": "lots", "limit": -1, "delimiter": "", "braze_identifier": "fax",
            "transient": "perhaps",
        }));
        assert_eq!(c.materialized, None);
        assert!(c.enabled());
        assert!(c.tags.is_empty() && c.build().unique_key.is_empty());
        assert_eq!(
            c.build().incremental_strategy.as_ref().map(|s| s.as_str()),
            Some("insert_overwrite")
        );
        assert_eq!(c.build().on_schema_change, OnSchemaChange::Ignore);
        assert_eq!(c.build().strategy, None);
        assert_eq!(c.build().check_cols, None);
        assert_eq!(c.build().hard_deletes, HardDeletes::Invalidate);
        assert_eq!(c.test().severity, Severity::Error);
        assert_eq!(c.test().warn_if.to_string(), "lots");
        assert!(c.test().warn_if.holds(1) && !c.test().warn_if.holds(0));
        assert_eq!(c.test().limit, None);
        assert_eq!(c.build().delimiter, b',');
        assert_eq!(c.build().braze_identifier.to_string(), "fax");
        assert!(c.build().braze_identifier.columns().is_empty());
        assert!(c.warehouse().transient);
        assert_eq!(
            read(json!({"invalidate_hard_deletes": "true"})).build().hard_deletes,
            HardDeletes::Invalidate
        );
    }
}
