//! Helpers shared by the CLI integration tests: a mozt project in a temporary folder, the real
//! `mozt` binary run inside it, and its DuckDB database read back with the `duckdb` crate.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

pub(crate) mod http;
pub(crate) mod rows;

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// project.yml for a test project named `name`, building into schema `analytics` of
/// `target/dev.duckdb`, with `extra` (YAML at the top level) appended.
pub(crate) fn project_yml(name: &str, extra: &str) -> String {
    format!(
        "name: {name}\n{extra}\ntargets:\n  default: dev\n  dev: {{type: duckdb, path: target/dev.duckdb, schema: analytics, threads: 4}}\n"
    )
}

/// What a run of the binary produced.
#[derive(Debug)]
pub(crate) struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Fail the test with everything the binary printed.
    pub(crate) fn fail(&self, what: &str) -> ! {
        panic!(
            "{what}\n--- exit code: {}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        if self.code != code {
            self.fail(&format!("expected exit code {code}"));
        }
        self
    }

    pub(crate) fn assert_ok(&self) -> &Self {
        self.assert_code(0)
    }

    /// Exit 2 with a message on stderr, and no panic.
    pub(crate) fn assert_project_error(&self) -> &Self {
        self.assert_code(2);
        if self.stderr.contains("panicked") || self.stderr.contains("RUST_BACKTRACE") {
            self.fail("the binary panicked");
        }
        if !self.stderr.lines().any(|l| l.starts_with("error: ")) {
            self.fail("expected a line starting with `error: `");
        }
        self
    }

    pub(crate) fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lines().map(str::to_string).collect()
    }
}

/// A mozt project in a temporary folder.
pub(crate) struct TestProject {
    pub dir: TempDir,
}

/// The profiles.yml of `TestProject::dbt`.
pub(crate) const DBT_PROFILE: &str = "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/dev.duckdb\n      schema: analytics\n";

impl TestProject {
    /// An empty folder (no project.yml).
    pub(crate) fn empty() -> TestProject {
        TestProject {
            dir: tempfile::Builder::new()
                .prefix("mozt-test-")
                .tempdir()
                .expect("create a temp dir"),
        }
    }

    /// A dbt project `shop` (dbt_project.yml with `extra` after its required keys) whose
    /// profiles.yml writes DuckDB at target/dev.duckdb, schema `analytics`.
    pub(crate) fn dbt(extra: &str) -> TestProject {
        let p = Self::empty();
        p.write(
            "dbt_project.yml",
            &format!("name: shop\nversion: '1.0.0'\nconfig-version: 2\nprofile: shop\n{extra}"),
        )
        .write("profiles.yml", DBT_PROFILE);
        p
    }

    /// A project named `name` with the default DuckDB target.
    pub(crate) fn new(name: &str) -> TestProject {
        Self::with_yml(&project_yml(name, ""))
    }

    pub(crate) fn with_yml(project_yml: &str) -> TestProject {
        let p = Self::empty();
        p.write("project.yml", project_yml);
        p
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file (creating its folders), relative to the project root.
    pub(crate) fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, text).expect("write file");
        self
    }

    /// A seed `raw` (id, v), a table model `t` over it, and a view `v` over `t`: the project the
    /// deploy and clone tests build on.
    pub(crate) fn write_seed_table_view(&self) -> &Self {
        self.write("seeds/raw.csv", "id,v\n1,a\n2,b\n")
            .write(
                "models/t.sql",
                "{{ config(materialized='table') }}\nselect id, v from {{ ref('raw') }}\n",
            )
            .write("models/v.sql", "select id, upper(v) as v from {{ ref('t') }}\n")
    }

    /// `write_seed_table_view`, an incremental model `inc` appending the seed's new ids, and
    /// `unique` + `not_null` tests on `t.id`.
    pub(crate) fn write_deploy_models(&self) -> &Self {
        self.write_seed_table_view()
            .write(
                "models/inc.sql",
                "{{ config(materialized='incremental') }}\nselect id from {{ ref('raw') }}\n\
                 {% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n",
            )
            .write(
                "models/schema.yml",
                "models:\n  - name: t\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n",
            )
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub(crate) fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).expect("remove file");
    }

    /// Run `mozt ARGS` with the project folder as working directory.
    pub(crate) fn mozt(&self, args: &[&str]) -> Output {
        self.mozt_env(args, &[])
    }

    pub(crate) fn mozt_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        run_mozt(self.path(), args, env)
    }

    /// Run a command and insist it succeeds.
    pub(crate) fn ok(&self, args: &[&str]) -> Output {
        let out = self.mozt(args);
        out.assert_ok();
        out
    }

    pub(crate) fn db_path(&self) -> PathBuf {
        self.path().join("target/dev.duckdb")
    }

    /// Rows of a query against the project's DuckDB file, every cell as text (NULL as "NULL").
    pub(crate) fn query(&self, sql: &str) -> Vec<Vec<String>> {
        query_db(&self.db_path(), sql)
    }

    /// One value.
    pub(crate) fn scalar(&self, sql: &str) -> String {
        let rows = self.query(sql);
        assert_eq!(rows.len(), 1, "expected one row from {sql}, got {rows:?}");
        assert_eq!(rows[0].len(), 1, "expected one column from {sql}, got {rows:?}");
        rows[0][0].clone()
    }

    /// `BASE TABLE`, `VIEW`, or None when the relation does not exist.
    pub(crate) fn relation_type(&self, schema: &str, name: &str) -> Option<String> {
        let rows = self.query(&format!(
            "select table_type from information_schema.tables where table_schema = '{schema}' and table_name = '{name}'"
        ));
        rows.first().map(|r| r[0].clone())
    }

    /// Every `schema.name` in the database (outside the system schemas), sorted; none when
    /// the database file does not exist.
    pub(crate) fn relations(&self) -> Vec<String> {
        if !self.db_path().exists() {
            return vec![];
        }
        self.query(
            "select table_schema || '.' || table_name from information_schema.tables \
             where table_schema not in ('information_schema', 'pg_catalog') order by 1",
        )
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
    }

    /// `mozt ls --output name ARGS`, sorted.
    pub(crate) fn ls(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec!["ls", "--output", "name"];
        all.extend_from_slice(args);
        let mut v = self.ok(&all).stdout_lines();
        v.sort();
        v
    }

    /// Copy target/manifest.json and target/run_results.json (where present) into `dir`, as
    /// CI keeps a run's artifacts for `--state`.
    pub(crate) fn save_artifacts(&self, dir: &str) {
        std::fs::create_dir_all(self.path().join(dir)).expect("create the artifacts folder");
        for f in ["manifest.json", "run_results.json"] {
            let from = self.path().join("target").join(f);
            if from.exists() {
                std::fs::copy(&from, self.path().join(dir).join(f)).expect("copy an artifact");
            }
        }
    }

    pub(crate) fn json(&self, rel: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(rel)).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"))
    }
}

pub(crate) fn run_mozt(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mozt"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("MOZT_PROJECT_DIR")
        .env_remove("MOZT_TARGET")
        .env_remove("MOZT_LOG")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the mozt binary");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn query_db(path: &Path, sql: &str) -> Vec<Vec<String>> {
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .expect("read-only config");
    let conn = duckdb::Connection::open_with_flags(path, config)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows = stmt.query([]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out = vec![];
    while let Some(row) = rows.next().expect("next row") {
        let width = row.as_ref().column_count();
        out.push((0..width).map(|i| cell(row.get_ref(i).expect("cell"))).collect());
    }
    out
}

fn cell(v: duckdb::types::ValueRef<'_>) -> String {
    use duckdb::types::ValueRef as V;
    match v {
        V::Null => "NULL".into(),
        V::Boolean(b) => b.to_string(),
        V::TinyInt(i) => i.to_string(),
        V::SmallInt(i) => i.to_string(),
        V::Int(i) => i.to_string(),
        V::BigInt(i) => i.to_string(),
        V::HugeInt(i) => i.to_string(),
        V::UTinyInt(i) => i.to_string(),
        V::USmallInt(i) => i.to_string(),
        V::UInt(i) => i.to_string(),
        V::UBigInt(i) => i.to_string(),
        V::Float(f) => f.to_string(),
        V::Double(f) => f.to_string(),
        V::Decimal(d) => d.to_string(),
        V::Text(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("cast {:?} to varchar in the test query", other.data_type()),
    }
}

/// The message with the temporary project folder replaced by `[PROJECT]`, for snapshots.
pub(crate) fn redact(text: &str, project: &TestProject) -> String {
    let mut out = text.to_string();
    for p in [
        project.path().to_path_buf(),
        project.path().canonicalize().unwrap_or_default(),
    ] {
        let s = p.display().to_string();
        if !s.is_empty() {
            out = out.replace(&s, "[PROJECT]");
        }
    }
    out
}

pub(crate) fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).expect("under the source folder");
        if !keep(rel) {
            continue;
        }
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("a parent folder")).expect("create folder");
        std::fs::copy(&entry, &dest).expect("copy a project file");
    }
}

pub(crate) fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A copy of the sample project (project.yml, models, seeds, macros, snapshots, and the SQL and
/// YAML of tests/, not this crate's Rust tests).
pub(crate) fn sample_project() -> TestProject {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = TestProject::empty();
    std::fs::copy(repo.join("project.yml"), p.path().join("project.yml")).expect("copy project.yml");
    for dir in ["models", "seeds", "macros", "snapshots"] {
        copy_dir(&repo.join(dir), &p.path().join(dir), &|_| true);
    }
    copy_dir(&repo.join("tests"), &p.path().join("tests"), &|rel| {
        let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
        matches!(ext, "sql" | "yml" | "yaml") && !rel.starts_with("snapshots")
    });
    p
}

/// The Snowflake emulator's URL (MOZT_FAKESNOW_URL), checked to answer. Fails loudly when it
/// is not running: start it with `scripts/fakesnow.sh start` (scripts/test.sh does).
pub(crate) fn emulator_url() -> String {
    use std::net::{TcpStream, ToSocketAddrs};
    let url = std::env::var("MOZT_FAKESNOW_URL").unwrap_or_else(|_| {
        panic!("MOZT_FAKESNOW_URL is not set: start the emulator with `scripts/fakesnow.sh start` (.ci/run does)")
    });
    let host = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let up = host
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, std::time::Duration::from_secs(3)).is_ok());
    assert!(
        up,
        "the Snowflake emulator does not answer at {url}: run `scripts/fakesnow.sh start`"
    );
    url
}

/// A project named `name` whose default target is the Snowflake emulator, in a database of
/// its own (the emulator keeps its data while it runs).
pub(crate) fn emulator_project(name: &str) -> TestProject {
    let database = format!("{}_{}", name.to_ascii_uppercase(), std::process::id());
    TestProject::with_yml(&format!(
        "name: {name}\ntargets:\n  default: sf\n  sf:\n    type: snowflake\n    base_url: \"{}\"\n    account: local\n    \
         user: mozt\n    password: any\n    database: {}\n    schema: analytics\n    threads: 2\n",
        emulator_url(),
        database
    ))
}

/// Rows of a query run by `mozt show` on the project's default target, as JSON objects.
pub(crate) fn show_rows(p: &TestProject, sql: &str) -> Vec<serde_json::Value> {
    let out = p.ok(&["show", "--inline", sql, "--limit", "1000", "--output", "json"]);
    match serde_json::from_str::<serde_json::Value>(&out.stdout) {
        Ok(serde_json::Value::Array(a)) => a,
        other => panic!("mozt show gave no JSON rows: {other:?}\n{}", out.stdout),
    }
}

/// The column check reads source columns from the warehouse catalog when connected: a source
/// with no columns in YAML, over a table an earlier run built, gets its columns from the
/// catalog, so a wrong column name fails `run` before anything runs (and `compile`, offline,
/// stays silent). Shared by the DuckDB and the Snowflake emulator tests; returns the error text.
pub(crate) fn source_columns_from_catalog(p: &TestProject) -> String {
    p.write(
        "models/base_events.sql",
        "select 1 as id, 10 as user_id, 'open' as event_type",
    )
    .write(
        "models/sources.yml",
        "sources:\n  - name: raw\n    schema: analytics\n    tables:\n      - name: base_events\n",
    )
    .write(
        "models/events_by_user.sql",
        "select user_idd, count(*) as events from {{ source('raw', 'base_events') }} group by user_idd",
    );
    p.ok(&["run", "-s", "base_events"]);
    // Offline, the source's columns are unknown: no error.
    p.ok(&["compile"]);
    let out = p.mozt(&["run", "-s", "events_by_user"]);
    out.assert_project_error();
    if !out.stderr.contains("user_idd") || !out.stderr.contains("user_id") {
        out.fail("expected an error naming user_idd and the column that exists");
    }
    if out.stdout.contains("OK") {
        out.fail("nothing should have run");
    }
    p.write(
        "models/events_by_user.sql",
        "select user_id, count(*) as events from {{ source('raw', 'base_events') }} group by user_id",
    );
    p.ok(&["run", "-s", "events_by_user"]);
    let manifest = p.json("target/manifest.json");
    let lineage = manifest["nodes"]
        .as_object()
        .and_then(|n| n.values().find(|n| n["name"] == "events_by_user"))
        .map(|n| n["meta"]["mozt"]["columns_lineage"]["user_id"].clone());
    let text = serde_json::to_string(&lineage).unwrap_or_default();
    if !text.contains("source.") || !text.contains("user_id") {
        out.fail(&format!(
            "lineage of events_by_user.user_id should end in the source: {text}"
        ));
    }
    out.stderr.clone()
}

/// project.yml of a project whose DuckDB target reads models as Snowflake SQL
/// (`dialect: snowflake`), building into schema `analytics` of `target/dev.duckdb`.
pub(crate) fn snowflake_dialect_yml(name: &str) -> String {
    format!(
        "name: {name}\ntargets:\n  default: dev\n  dev:\n    type: duckdb\n    path: target/dev.duckdb\n    schema: analytics\n    dialect: snowflake\n"
    )
}

/// Whether a documented value and a computed one are the same: the same text, or the same
/// number (Snowflake prints a division's NUMBER with its scale, `0.000000`; DuckDB's double
/// prints `0.0`).
fn same_value(want: &str, got: &str) -> bool {
    want == got || matches!((want.parse::<f64>(), got.parse::<f64>()), (Ok(a), Ok(b)) if a == b)
}

/// Compute each Snowflake expression of `cases` (expression, the value Snowflake's
/// documentation shows, as text; NULL as "NULL") with a table model on a DuckDB target with
/// `dialect: snowflake`, and fail with every value that differs. `from` is what the select
/// reads (a FROM clause, or "" for none).
pub(crate) fn assert_snowflake_values(cases: &[(&str, &str)], from: &str) {
    let p = TestProject::with_yml(&snowflake_dialect_yml("snowflake_values"));
    let columns: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (expr, _))| format!("  {expr} as c{i}"))
        .collect();
    p.write(
        "models/snowflake_values.sql",
        &format!(
            "{{{{ config(materialized='table') }}}}\nselect\n{}\n{from}\n",
            columns.join(",\n")
        ),
    );
    p.ok(&["run"]);
    let casts: Vec<String> = (0..cases.len()).map(|i| format!("cast(c{i} as varchar)")).collect();
    let rows = p.query(&format!("select {} from analytics.snowflake_values", casts.join(", ")));
    assert_eq!(rows.len(), 1, "one row expected: {rows:?}");
    let wrong: Vec<String> = cases
        .iter()
        .zip(&rows[0])
        .filter(|((_, want), got)| !same_value(want, got))
        .map(|((expr, want), got)| format!("{expr}: Snowflake gives {want}, DuckDB gave {got}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "{}\ntranslated SQL:\n{}",
        wrong.join("\n"),
        p.read("target/translated/snowflake_values/models/snowflake_values.sql")
    );
}
