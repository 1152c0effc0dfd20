//! A whole `run` against a Snowflake stub, for what the emulator cannot answer: `show grants`,
//! `grant` and `revoke` (the emulator has no access control).

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

use super::execute::{Kind, execute};
use super::{LoadOptions, RunOptions, Session};
use crate::adapter::snowflake::stub::{Seen, Stub};

/// What `show grants on` answers for every relation: ownership, a share, and two roles.
fn grants_rows() -> Value {
    let row = |privilege: &str, to: &str, who: &str| {
        json!(["2026-01-01", privilege, "TABLE", "T", to, who, "false", "TRANSFORMER"])
    };
    json!([
        row("OWNERSHIP", "ROLE", "TRANSFORMER"),
        row("SELECT", "ROLE", "BI"),
        row("SELECT", "ROLE", "OLD_ROLE"),
        row("SELECT", "SHARE", "PARTNER_SHARE"),
    ])
}

/// A stub accepting every statement (no rows) and answering `show grants`; the statements.
fn stub() -> (Stub, Arc<Mutex<Vec<String>>>) {
    let statements = Arc::new(Mutex::new(vec![]));
    let s = statements.clone();
    let stub = Stub::start(Box::new(move |r: &Seen| {
        let reply = match r.path.split('?').next().unwrap_or("") {
            "/session/v1/login-request" => json!({"success": true, "data": {"token": "t"}}),
            "/queries/v1/query-request" => {
                let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                let sql = body["sqlText"].as_str().unwrap_or("").to_string();
                let text = |n: &str| json!({"name": n, "type": "text"});
                let reply = if sql.starts_with("show grants on") {
                    let names = [
                        "created_on",
                        "privilege",
                        "granted_on",
                        "name",
                        "granted_to",
                        "grantee_name",
                        "grant_option",
                        "granted_by",
                    ];
                    json!({"success": true, "data": {"rowtype": names.map(text), "rowset": grants_rows()}})
                } else {
                    json!({"success": true, "data": {"rowtype": [text("X")], "rowset": []}})
                };
                s.lock().expect("lock").push(sql);
                reply
            }
            _ => json!({"success": true}),
        };
        (200, reply.to_string().into_bytes())
    }));
    (stub, statements)
}

#[test]
fn grants_on_snowflake_revoke_roles_the_config_no_longer_names_and_grant_the_missing() {
    let (stub, statements) = stub();
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "project.yml",
        &format!(
            "name: g\ntargets:\n  default: sf\n  sf: {{type: snowflake, base_url: '{}', account: a, user: u, password: p, \
             database: ANALYTICS, schema: analytics, threads: 1}}\n",
            stub.url
        ),
    );
    write(
        "models/t.sql",
        "{{ config(materialized='table', grants={'select': ['bi', 'braze']}) }}\nselect 1 as id\n",
    );
    write(
        "models/v.sql",
        "{{ config(grants={'select': ['reporter']}) }}\nselect id from {{ ref('t') }}\n",
    );
    write(
        "models/plain.sql",
        "{{ config(materialized='table') }}\nselect 1 as id\n",
    );
    let mut session = Session::load(&LoadOptions {
        project_dir: dir.path().to_path_buf(),
        partial_parse: false,
        ..LoadOptions::default()
    })
    .expect("load");
    let options = RunOptions::default();
    let selected = session
        .select(&options.selection, Kind::Run.resource_types())
        .expect("select");
    let executed = execute(&mut session, selected, &options, Kind::Run, &mut |_, _, _| Ok(())).expect("run");
    assert_eq!(executed.code, 0);
    let seen: Vec<String> = statements
        .lock()
        .expect("lock")
        .iter()
        .map(|s| s.lines().next().unwrap_or("").to_string())
        .filter(|s| s.starts_with("show grants") || s.starts_with("grant") || s.starts_with("revoke"))
        .collect();
    assert_eq!(
        seen,
        [
            "show grants on table ANALYTICS.analytics.t",
            "revoke select on table ANALYTICS.analytics.t from role OLD_ROLE",
            "grant select on table ANALYTICS.analytics.t to role braze",
            "show grants on view ANALYTICS.analytics.v",
            "revoke select on view ANALYTICS.analytics.v from role BI",
            "revoke select on view ANALYTICS.analytics.v from role OLD_ROLE",
            "grant select on view ANALYTICS.analytics.v to role reporter",
        ],
        "a model without grants (plain) keeps what it has; ownership and shares are left alone"
    );
}
