//! `grants` on Snowflake through `run` and `deploy`, with the real binary and the emulator.
//!
//! The emulator (fakesnow 0.12.1) has no GRANT, REVOKE or SHOW GRANTS. A small HTTP proxy in
//! front of it answers those three statements from a grants table of its own, as Snowflake
//! would: a relation that `create or replace` makes again (without `copy grants`) or a clone
//! starts with no grants. Everything else goes to the emulator unchanged.
//! Needs MOZT_FAKESNOW_URL (scripts/test.sh, .ci/run).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// Grants per relation (`DB.SCHEMA.NAME`, upper case): (privilege, role), both upper case.
type Grants = Arc<Mutex<HashMap<String, BTreeSet<(String, String)>>>>;

struct Proxy {
    url: String,
    grants: Grants,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let grants: Grants = Arc::default();
        let g = grants.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (g, upstream) = (g.clone(), upstream.clone());
                std::thread::spawn(move || serve(stream, &upstream, &g));
            }
        });
        Proxy { url, grants }
    }

    fn on(&self, relation: &str) -> Vec<(String, String)> {
        let key = relation.to_ascii_uppercase();
        self.grants
            .lock()
            .unwrap()
            .get(&key)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// One request: answered here when it is about grants, else forwarded.
fn serve(stream: TcpStream, upstream: &str, grants: &Grants) {
    let Some(r) = common::http::read_request(&stream) else {
        return;
    };
    let sql = serde_json::from_slice::<Value>(&r.body)
        .ok()
        .and_then(|b| b["sqlText"].as_str().map(str::to_string))
        .unwrap_or_default();
    let (status, reply) = match grant_statement(&sql, grants) {
        Some(rows) => (200, rows.to_string().into_bytes()),
        None => {
            forget_replaced(&sql, grants);
            forward(upstream, &r.method, &r.path, &r.headers, &r.body)
        }
    };
    common::http::write_reply(stream, status, &reply);
}

fn forward(upstream: &str, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> (u16, Vec<u8>) {
    let mut req = ureq::request(method, &format!("{upstream}{path}"));
    for (k, v) in headers {
        if !["host", "content-length", "accept-encoding", "connection"].contains(&k.to_ascii_lowercase().as_str()) {
            req = req.set(k, v);
        }
    }
    let resp = match if body.is_empty() {
        req.call()
    } else {
        req.send_bytes(body)
    } {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return (502, e.to_string().into_bytes()),
    };
    let status = resp.status();
    let mut out = vec![];
    resp.into_reader().read_to_end(&mut out).unwrap();
    (status, out)
}

/// A relation's name as a key: quotes dropped, upper case.
fn key(name: &str) -> String {
    name.replace('"', "").to_ascii_uppercase()
}

/// The statement's words (the comment naming the node dropped).
fn words(sql: &str) -> Vec<String> {
    let first = sql.split("/*").next().unwrap_or("");
    first.split_whitespace().map(str::to_string).collect()
}

/// `show grants on`, `grant` and `revoke`, answered from `grants`.
fn grant_statement(sql: &str, grants: &Grants) -> Option<Value> {
    let w = words(sql);
    let lower: Vec<String> = w.iter().map(|s| s.to_ascii_lowercase()).collect();
    let mut map = grants.lock().unwrap();
    let text = |n: &str| json!({"name": n, "type": "text"});
    let ok = json!({"success": true, "data": {"rowtype": [text("status")], "rowset": [["done"]]}});
    match lower.first().map(String::as_str)? {
        "show" if lower.get(1)? == "grants" => {
            let rel = key(w.get(4)?);
            let rows: Vec<Value> = map
                .get(&rel)
                .into_iter()
                .flatten()
                .map(|(p, r)| json!(["2026-01-01", p, "TABLE", rel, "ROLE", r, "false", "SYSADMIN"]))
                .chain([json!([
                    "2026-01-01",
                    "OWNERSHIP",
                    "TABLE",
                    rel,
                    "ROLE",
                    "SYSADMIN",
                    "true",
                    "SYSADMIN"
                ])])
                .collect();
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
            Some(json!({"success": true, "data": {"rowtype": names.map(text), "rowset": rows}}))
        }
        // grant <p> on <kind> <name> to role <r>
        "grant" => {
            map.entry(key(w.get(4)?))
                .or_default()
                .insert((key(w.get(1)?), key(w.get(7)?)));
            Some(ok)
        }
        // revoke <p> on <kind> <name> from role <r>
        "revoke" => {
            map.entry(key(w.get(4)?))
                .or_default()
                .remove(&(key(w.get(1)?), key(w.get(7)?)));
            Some(ok)
        }
        _ => None,
    }
}

/// `create or replace [transient] table|view <name>` without `copy grants` (a clone too): the
/// new relation starts with no grants, as on Snowflake.
fn forget_replaced(sql: &str, grants: &Grants) {
    let w = words(sql);
    let lower: Vec<String> = w.iter().map(|s| s.to_ascii_lowercase()).collect();
    if lower.len() < 5 || lower[0] != "create" || lower[1] != "or" || lower[2] != "replace" {
        return;
    }
    let at = if lower[3] == "transient" { 5 } else { 4 };
    let (Some(kind), Some(name)) = (lower.get(at - 1), w.get(at)) else {
        return;
    };
    if (kind == "table" || kind == "view") && !sql.to_ascii_lowercase().contains("copy grants") {
        let name = name.split('(').next().unwrap_or(name);
        grants.lock().unwrap().remove(&key(name));
    }
}

/// Targets `sf` (schema analytics, the default) and `ci` (schema ci) through the proxy.
fn project(name: &str, proxy: &Proxy) -> (common::TestProject, String) {
    let database = format!("{}_{}", name.to_ascii_uppercase(), std::process::id());
    let target = |schema: &str| {
        format!(
            "    type: snowflake\n    base_url: \"{}\"\n    account: local\n    user: mozt\n    password: any\n    \
             database: {database}\n    schema: {schema}\n    threads: 2\n",
            proxy.url
        )
    };
    let p = common::TestProject::with_yml(&format!(
        "name: {name}\ntargets:\n  default: sf\n  sf:\n{}  ci:\n{}",
        target("analytics"),
        target("ci")
    ));
    (p, database)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn grants_follow_the_config_across_rebuilds_on_snowflake() {
    let proxy = Proxy::start(common::emulator_url());
    let (p, db) = project("mozt_grants_run", &proxy);
    let model = |roles: &str| {
        format!("{{{{ config(materialized='table', grants={{'select': [{roles}]}}) }}}}\nselect 1 as id\n")
    };
    p.write("models/t.sql", &model("'bi', 'braze'"));
    p.write(
        "models/v.sql",
        "{{ config(grants={'select': ['bi']}) }}\nselect id from {{ ref('t') }}\n",
    );
    p.ok(&["run"]);
    let t = format!("{db}.ANALYTICS.T");
    assert_eq!(proxy.on(&t), pairs(&[("SELECT", "BI"), ("SELECT", "BRAZE")]));
    assert_eq!(proxy.on(&format!("{db}.ANALYTICS.V")), pairs(&[("SELECT", "BI")]));
    // The rebuild (create or replace) drops the grants; the run gives back those the config
    // still names, and no longer the role taken out of it.
    p.write("models/t.sql", &model("'bi'"));
    p.ok(&["run"]);
    assert_eq!(proxy.on(&t), pairs(&[("SELECT", "BI")]));
    // With copy_grants the table keeps its grants through the rebuild; braze, given by hand,
    // is revoked because the config does not name it.
    proxy
        .grants
        .lock()
        .unwrap()
        .entry(t.to_ascii_uppercase())
        .or_default()
        .insert(("SELECT".into(), "BRAZE".into()));
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', copy_grants=true, grants={'select': ['bi']}) }}\nselect 1 as id\n",
    );
    p.ok(&["run", "-s", "t"]);
    assert_eq!(proxy.on(&t), pairs(&[("SELECT", "BI")]));
}

#[test]
fn deploy_promotes_the_grants_with_the_relations_on_snowflake() {
    let proxy = Proxy::start(common::emulator_url());
    let (p, db) = project("mozt_grants_deploy", &proxy);
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', grants={'select': ['bi', 'braze']}) }}\nselect 1 as id\n",
    );
    p.write(
        "models/v.sql",
        "{{ config(grants={'select': ['bi']}) }}\nselect id from {{ ref('t') }}\n",
    );
    p.ok(&["deploy"]);
    assert_eq!(
        proxy.on(&format!("{db}.ANALYTICS.T")),
        pairs(&[("SELECT", "BI"), ("SELECT", "BRAZE")]),
        "the table cloned into place has the grants"
    );
    assert_eq!(proxy.on(&format!("{db}.ANALYTICS.V")), pairs(&[("SELECT", "BI")]));
}

#[test]
fn clone_gives_the_copied_tables_their_grants_on_snowflake() {
    let proxy = Proxy::start(common::emulator_url());
    let (p, db) = project("mozt_grants_clone", &proxy);
    p.write(
        "models/t.sql",
        "{{ config(materialized='table', grants={'select': ['bi']}) }}\nselect 1 as id\n",
    );
    p.ok(&["run"]);
    p.ok(&["clone", "-t", "ci", "--from-target", "sf"]);
    assert_eq!(proxy.on(&format!("{db}.CI.T")), pairs(&[("SELECT", "BI")]));
}
