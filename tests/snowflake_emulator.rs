//! mozt against a Snowflake emulator over Snowflake's real HTTP protocol: the local `fakesnow`
//! server (DuckDB underneath) that `scripts/fakesnow.sh start` runs. These tests need it and
//! FAIL, never skip, when it is not there:
//!
//! ```sh
//! scripts/fakesnow.sh start                      # prints the URL, e.g. http://127.0.0.1:8765
//! MOZT_FAKESNOW_URL=$(scripts/fakesnow.sh url) cargo test --test snowflake_emulator
//! scripts/fakesnow.sh stop
//! ```
//!
//! The emulator keeps one in-memory database for every session, so each test builds into a
//! database of its own (MOZT_SF_DATABASE).
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mozt::adapter::snowflake::SnowflakeAdapter;
use mozt::adapter::{Adapter, Connection};
use mozt::project::Target;
use serde_json::{Map, Value, json};

/// The emulator's base URL; panics with instructions when it is unset or does not answer.
fn emulator_url() -> String {
    let Ok(url) = std::env::var("MOZT_FAKESNOW_URL") else {
        panic!(
            "MOZT_FAKESNOW_URL is not set: these tests need the local Snowflake emulator.\n\
             Start it with `scripts/fakesnow.sh start` and run\n\
             `MOZT_FAKESNOW_URL=$(scripts/fakesnow.sh url) cargo test` (.ci/run does both)."
        );
    };
    let host_port = url
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_string();
    let reachable = host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_ok());
    if !reachable {
        panic!(
            "the Snowflake emulator does not answer at MOZT_FAKESNOW_URL={url}.\n\
             Start it with `scripts/fakesnow.sh start` (its log is under ~/.cache/mozt/fakesnow-run/)."
        );
    }
    url.trim_end_matches('/').to_string()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest, keep);
        } else if keep(&path) {
            std::fs::copy(&path, &dest).expect("copy file");
        }
    }
}

/// The sample project (this repo's root) copied into a temporary folder.
fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = repo();
    std::fs::copy(root.join("project.yml"), dir.path().join("project.yml")).expect("copy project.yml");
    for sub in ["models", "seeds", "macros", "snapshots", "analyses"] {
        if root.join(sub).is_dir() {
            copy_dir(&root.join(sub), &dir.path().join(sub), &|_| true);
        }
    }
    // Singular tests only (the Rust tests live in the same folder).
    copy_dir(&root.join("tests"), &dir.path().join("tests"), &|p| {
        p.extension().is_some_and(|e| e == "sql") && !p.components().any(|c| c.as_os_str() == "snapshots")
    });
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn fail(&self, what: &str) -> ! {
        panic!(
            "{what}\n--- exit code {}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn mozt(dir: &Path, database: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mozt"))
        .args(args)
        .current_dir(dir)
        .env("MOZT_FAKESNOW_URL", emulator_url())
        .env("MOZT_SF_DATABASE", database)
        .env_remove("RUST_LOG")
        .output()
        .expect("run mozt");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A connection of our own adapter to the emulator, for reading back what a run built.
fn connect(database: &str) -> Box<dyn Connection> {
    let mut settings = Map::new();
    for (k, v) in [
        ("type", "snowflake"),
        ("base_url", emulator_url().as_str()),
        ("account", "local"),
        ("user", "mozt_test"),
        ("password", "any"),
    ] {
        settings.insert(k.into(), Value::String(v.into()));
    }
    let target = Target {
        name: "sf_test".into(),
        kind: mozt::project::AdapterKind::Snowflake,
        schema: "analytics".into(),
        database: Some(database.into()),
        threads: 1,
        settings,
        dialect: None,
    };
    let adapter = SnowflakeAdapter::open(&target, &repo()).expect("open the adapter");
    adapter.connect().expect("connect to the emulator")
}

fn scalar(conn: &mut dyn Connection, sql: &str) -> Value {
    let rows = conn.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .unwrap_or(Value::Null)
}

fn duckdb_scalar(path: &Path, sql: &str) -> Value {
    let conn = duckdb::Connection::open(path).expect("open dev.duckdb");
    let v: i64 = conn
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    json!(v)
}

#[test]
fn the_sample_project_builds_on_the_emulator_as_on_duckdb() {
    let dir = sample_project();
    let db = "MOZT_SAMPLE";
    let run = mozt(dir.path(), db, &["build", "--target", "sf_local"]);
    if run.code != 0 || !run.stdout.contains("ERROR=0") {
        run.fail("mozt build --target sf_local failed");
    }
    for expected in [
        "loaded seed braze.\"USER\"",
        "created view analytics.stg_braze__",
        "created table analytics.dim_users",
        "PASS not_null_dim_users_user_key",
    ] {
        if !run.stdout.contains(expected) {
            run.fail(&format!("the build output does not show `{expected}`"));
        }
    }

    // The same project on DuckDB gives the same numbers.
    let local = mozt(dir.path(), db, &["build"]);
    if local.code != 0 {
        local.fail("mozt build (DuckDB) failed");
    }
    let duck = dir.path().join("target/dev.duckdb");
    let mut sf = connect(db);
    let seed_rows = std::fs::read_to_string(repo().join("seeds/braze/user.csv"))
        .expect("user.csv")
        .lines()
        .count()
        - 1;
    assert_eq!(
        scalar(sf.as_mut(), "select count(*) from braze.\"USER\""),
        json!(seed_rows)
    );
    for sql in [
        "select count(*) from analytics.dim_users",
        "select count(*) from analytics.fct_message_funnel",
        "select count(*) from analytics.fct_campaign_performance",
        "select sum(email_sends) from analytics.dim_users",
        "select count(*) from analytics.dim_users where engagement_tier = 'active'",
    ] {
        let on_sf = scalar(sf.as_mut(), sql);
        let on_duck = duckdb_scalar(&duck, sql);
        assert_eq!(
            on_sf.as_f64(),
            on_duck.as_f64(),
            "{sql}: emulator {on_sf} vs DuckDB {on_duck}"
        );
        assert!(on_sf.as_f64().is_some_and(|n| n > 0.0), "{sql}: {on_sf}");
    }
    // Catalog: tables and views where the project put them, found with upper-case names.
    let kinds = sf
        .list_relations(&["analytics".into(), "braze".into()])
        .expect("list relations");
    let kind_of = |schema: &str, name: &str| {
        kinds
            .get(&mozt::relation::Relation::new(
                Some(db.to_ascii_lowercase()),
                schema,
                name,
            ))
            .copied()
    };
    assert_eq!(
        kind_of("analytics", "dim_users"),
        Some(mozt::adapter::RelationKind::Table)
    );
    assert_eq!(
        kind_of("analytics", "int_braze__message_events"),
        Some(mozt::adapter::RelationKind::View)
    );
    assert_eq!(kind_of("braze", "user"), Some(mozt::adapter::RelationKind::Table));
    assert!(
        !kinds
            .keys()
            .any(|r| r.identifier.ends_with("__mozt_tmp") || r.identifier.ends_with("__mozt_backup")),
        "no temporary relation is left: {kinds:?}"
    );

    // A second run replaces what is there.
    let again = mozt(dir.path(), db, &["run", "--target", "sf_local", "-s", "+dim_users"]);
    if again.code != 0 {
        again.fail("a second run on the emulator failed");
    }
    assert_eq!(
        scalar(sf.as_mut(), "select count(*) from analytics.dim_users"),
        duckdb_scalar(&duck, "select count(*) from analytics.dim_users")
    );
}

fn small_project(dir: &Path, target_extra: &str) {
    let yml = format!(
        "name: sf_small\ntargets:\n  default: sf_local\n  sf_local:\n    type: snowflake\n    base_url: \"{{{{ env_var('MOZT_FAKESNOW_URL') }}}}\"\n    account: local\n    user: mozt\n    database: \"{{{{ env_var('MOZT_SF_DATABASE') }}}}\"\n    schema: analytics\n    threads: 2\n{target_extra}"
    );
    std::fs::write(dir.join("project.yml"), yml).expect("write project.yml");
    std::fs::create_dir_all(dir.join("models")).expect("models dir");
}

#[test]
fn bad_sql_fails_the_model_with_snowflakes_code_and_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    small_project(dir.path(), "    password: pw\n");
    std::fs::write(dir.path().join("models/good.sql"), "select 1 as id, 'a' as name\n").expect("write");
    std::fs::write(
        dir.path().join("models/bad.sql"),
        "{{ config(materialized='table') }}\nselect id from no_such_table_anywhere\n",
    )
    .expect("write");
    let run = mozt(dir.path(), "MOZT_BAD_SQL", &["run"]);
    if run.code != 1 {
        run.fail("a model with bad SQL must fail the run with exit code 1");
    }
    let all = format!("{}{}", run.stdout, run.stderr);
    for expected in [
        "Snowflake error 002003",
        "42S02",
        "NO_SUCH_TABLE_ANYWHERE",
        "does not exist",
        "bad.sql",
    ] {
        if !all.contains(expected) {
            run.fail(&format!("the output does not show `{expected}`"));
        }
    }
    if !run.stdout.contains("created view analytics.good") {
        run.fail("the good model must still be built");
    }
    if all.contains("pw\n") || all.contains("Token=") {
        run.fail("a secret was printed");
    }
}

#[test]
fn debug_connects_with_an_encrypted_key_pair_and_masks_secrets() {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let dir = tempfile::tempdir().expect("temp dir");
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key");
    let pem = key
        .to_pkcs8_encrypted_pem(&mut rsa::rand_core::OsRng, "pass-phrase-42", LineEnding::LF)
        .expect("pem");
    std::fs::write(dir.path().join("rsa_key.p8"), pem.as_bytes()).expect("write key");
    small_project(
        dir.path(),
        "    private_key_path: rsa_key.p8\n    private_key_passphrase: pass-phrase-42\n    role: TRANSFORMER\n    warehouse: TRANSFORMING\n",
    );
    let run = mozt(dir.path(), "MOZT_DEBUG", &["debug"]);
    if run.code != 0 {
        run.fail("mozt debug failed");
    }
    for expected in [
        "target: sf_local (type snowflake)",
        "private_key_passphrase: ********",
        "private_key_path: rsa_key.p8",
        "connection: OK (snowflake ",
    ] {
        if !run.stdout.contains(expected) {
            run.fail(&format!("mozt debug does not show `{expected}`"));
        }
    }
    if run.stdout.contains("pass-phrase-42") || run.stderr.contains("pass-phrase-42") {
        run.fail("the passphrase was printed");
    }

    // A wrong passphrase is a clear project error, without the passphrase.
    small_project(
        dir.path(),
        "    private_key_path: rsa_key.p8\n    private_key_passphrase: not-the-one\n",
    );
    let run = mozt(dir.path(), "MOZT_DEBUG", &["debug"]);
    if run.code != 2 || !run.stderr.contains("cannot decrypt the private key") || run.stderr.contains("not-the-one") {
        run.fail("a wrong passphrase must be a clear error (exit 2) that does not show it");
    }
}

#[test]
fn debug_says_when_nothing_answers() {
    // Needs no emulator: a local port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("project.yml"),
        format!(
            "name: sf_down\ntargets:\n  default: sf\n  sf: {{type: snowflake, base_url: 'http://127.0.0.1:{port}', account: acct, user: u, password: hunter2, database: DB, schema: s, connect_timeout: 2}}\n"
        ),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_mozt"))
        .arg("debug")
        .current_dir(dir.path())
        .output()
        .expect("run mozt");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("cannot reach Snowflake at http://127.0.0.1:"),
        "{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("hunter2") && !stdout.contains("hunter2"));
    assert!(!stderr.contains("panicked"), "{stderr}");
}
