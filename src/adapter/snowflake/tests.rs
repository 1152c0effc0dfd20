//! What the adapter sends around a node's statements (query tag, warehouse, the comment naming
//! the node), seed inserts and the catalog query, seen by a local stub (the emulator accepts
//! and ignores these session statements, so it cannot show them).

use super::stub::{Seen, Stub};
use super::*;
use serde_json::{Map, json};
use std::sync::Mutex;

fn target(url: &str) -> Target {
    let mut settings = Map::new();
    for (k, v) in [
        ("type", "snowflake"),
        ("base_url", url),
        ("account", "xy12345.eu-west-1"),
        ("user", "mozt"),
        ("password", "pw"),
        ("role", "TRANSFORMER"),
        ("warehouse", "TRANSFORMING"),
        ("query_tag", "t-default"),
    ] {
        settings.insert(k.into(), Value::String(v.into()));
    }
    Target {
        name: "sf".into(),
        kind: crate::project::AdapterKind::Snowflake,
        schema: "analytics".into(),
        database: Some("ANALYTICS".into()),
        threads: 1,
        settings,
        dialect: None,
    }
}

/// A stub that accepts every statement and answers catalog queries with `catalog` rows.
fn stub(catalog: Value) -> (Stub, Arc<Mutex<Vec<String>>>) {
    let statements = Arc::new(Mutex::new(vec![]));
    let s = statements.clone();
    let stub = Stub::start(Box::new(move |r: &Seen| {
        let path = r.path.split('?').next().unwrap_or("");
        let reply = match path {
            "/session/v1/login-request" => json!({"success": true, "data": {"token": "t"}}),
            "/queries/v1/query-request" => {
                let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                let sql = body["sqlText"].as_str().unwrap_or("").to_string();
                let rows = if sql.contains("information_schema.tables") {
                    catalog.clone()
                } else {
                    json!([])
                };
                s.lock().expect("lock").push(sql);
                json!({"success": true, "data": {"rowtype": [
                    {"name": "TABLE_SCHEMA", "type": "text"}, {"name": "TABLE_NAME", "type": "text"},
                    {"name": "TABLE_TYPE", "type": "text"}], "rowset": rows}})
            }
            _ => json!({"success": true}),
        };
        (200, reply.to_string().into_bytes())
    }));
    (stub, statements)
}

#[test]
fn each_node_gets_its_query_tag_warehouse_and_comment() {
    let (stub, statements) = stub(json!([]));
    let adapter = SnowflakeAdapter::open(&target(&stub.url), Path::new(".")).expect("open");
    let mut conn = adapter.connect().expect("connect");
    let mut config = Map::new();
    config.insert("query_tag".into(), json!("nightly"));
    config.insert("snowflake_warehouse".into(), json!("big_wh"));
    conn.set_node("model.braze.dim_users", &NodeConfig::read(&config))
        .expect("set node");
    conn.execute("create table x as select 1; select 'a;b'")
        .expect("execute");
    conn.set_node("model.braze.other", &NodeConfig::default())
        .expect("set node");
    conn.execute("select 2").expect("execute");
    conn.set_node("model.braze.third", &NodeConfig::default())
        .expect("set node");
    let seen = statements.lock().expect("lock").clone();
    let comment = |id: &str| format!("/* {{\"app\":\"mozt\",\"node_id\":\"{id}\",\"target\":\"sf\"}} */");
    assert_eq!(
        seen,
        vec![
            "alter session set query_tag = 'nightly'".to_string(),
            "use warehouse big_wh".to_string(),
            format!("create table x as select 1\n{}", comment("model.braze.dim_users")),
            format!("select 'a;b'\n{}", comment("model.braze.dim_users")),
            "alter session set query_tag = 't-default'".to_string(),
            "use warehouse TRANSFORMING".to_string(),
            format!("select 2\n{}", comment("model.braze.other")),
        ]
    );
    // The login set the target's tag, role, warehouse, database and schema.
    let all = stub.seen();
    let login = all
        .iter()
        .find(|r| r.path.starts_with("/session/v1/login-request"))
        .expect("login");
    let body: Value = serde_json::from_str(&login.body).expect("json");
    assert_eq!(body["data"]["SESSION_PARAMETERS"]["QUERY_TAG"], "t-default");
    for part in [
        "roleName=TRANSFORMER",
        "warehouse=TRANSFORMING",
        "databaseName=ANALYTICS",
        "schemaName=analytics",
    ] {
        assert!(login.path.contains(part), "{} lacks {part}", login.path);
    }
}

#[test]
fn seeds_insert_text_literals_escaped_for_snowflake() {
    let (stub, statements) = stub(json!([]));
    let adapter = SnowflakeAdapter::open(&target(&stub.url), Path::new(".")).expect("open");
    let mut conn = adapter.connect().expect("connect");
    let rel =
        Relation::new(Some("ANALYTICS".into()), "braze", "user").with_quoting(crate::relation::Quoting::UpperCase);
    let rows = vec![
        vec![Some("1".to_string()), Some("O'Brien \\ co; x".to_string())],
        vec![Some("2".to_string()), None],
    ];
    conn.insert_rows(&rel, &[rel.quote_ident("id"), rel.quote_ident("group")], &rows)
        .expect("insert");
    let seen = statements.lock().expect("lock").clone();
    assert_eq!(
        seen,
        vec!["insert into ANALYTICS.braze.\"USER\" (id, \"GROUP\") values\n('1', 'O''Brien \\\\ co; x'),\n('2', null)"]
    );
}

#[test]
fn the_catalog_is_one_query_with_upper_case_names_and_views_win() {
    let (stub, statements) = stub(json!([
        ["ANALYTICS", "DIM_USERS", "BASE TABLE"],
        ["ANALYTICS", "STG_A", "VIEW"],
        ["ANALYTICS", "STG_A", "BASE TABLE"],
        ["BRAZE", "USER", "BASE TABLE"],
        ["BRAZE", "MV", "MATERIALIZED VIEW"]
    ]));
    let adapter = SnowflakeAdapter::open(&target(&stub.url), Path::new(".")).expect("open");
    let mut conn = adapter.connect().expect("connect");
    let found = conn
        .list_relations(&["analytics".into(), "braze".into()])
        .expect("catalog");
    let kind = |s: &str, n: &str| found.get(&Relation::new(Some("analytics".into()), s, n)).copied();
    assert_eq!(kind("analytics", "dim_users"), Some(RelationKind::Table));
    assert_eq!(kind("analytics", "stg_a"), Some(RelationKind::View));
    assert_eq!(kind("braze", "user"), Some(RelationKind::Table));
    assert_eq!(kind("braze", "mv"), Some(RelationKind::View));
    let seen = statements.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("in ('ANALYTICS', 'BRAZE')"), "{}", seen[0]);
}

#[test]
fn settings_and_ddl() {
    let mut t = target("http://x");
    t.settings.remove("base_url");
    assert_eq!(
        base_url(&t, "xy12345.eu-west-1"),
        "https://xy12345.eu-west-1.snowflakecomputing.com"
    );
    t.settings.insert("host".into(), json!("127.0.0.1"));
    t.settings.insert("port".into(), json!(8765));
    t.settings.insert("protocol".into(), json!("http"));
    assert_eq!(base_url(&t, "a"), "http://127.0.0.1:8765");

    let adapter = SnowflakeAdapter::open(&target("http://127.0.0.1:1"), Path::new(".")).expect("open");
    let rel = Relation::new(Some("ANALYTICS".into()), "analytics", "m");
    let mut config = Map::new();
    assert_eq!(
        table_ddl(&NodeConfig::read(&config), &rel, "select 1"),
        "create or replace transient table ANALYTICS.analytics.m as\nselect 1"
    );
    config.insert("copy_grants".into(), json!(true));
    config.insert("transient".into(), json!(false));
    assert_eq!(
        table_ddl(&NodeConfig::read(&config), &rel, "select 1"),
        "create or replace table ANALYTICS.analytics.m copy grants as\nselect 1"
    );
    assert_eq!(
        view_ddl(&NodeConfig::read(&config), &rel, "select 1"),
        "create or replace view ANALYTICS.analytics.m copy grants as\nselect 1"
    );
    assert_eq!(adapter.rename_target(&rel), "ANALYTICS.analytics.m");
    assert_eq!(adapter.version_query(), "select current_version()");
    assert_eq!(sf_literal("a'b\\c"), "'a''b\\\\c'");

    // Missing pieces are project errors that say what to set.
    let mut t = target("http://x");
    t.settings.remove("password");
    let Err(e) = SnowflakeAdapter::open(&t, Path::new(".")) else {
        panic!("no credentials must be refused")
    };
    assert!(e.to_string().contains("has no credentials"), "{e}");
    let mut t = target("http://x");
    t.database = None;
    let Err(e) = SnowflakeAdapter::open(&t, Path::new(".")) else {
        panic!("no database must be refused")
    };
    assert!(e.to_string().contains("needs `database`"), "{e}");
}
