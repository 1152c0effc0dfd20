//! Fuzzing what a project feeds mozt besides the SQL check's SQL (tests/fuzz/sql.rs): project.yml
//! and schema YAML, Jinja in models and macros, and seed CSV. A seeded generator writes a valid
//! project in a temporary folder (YAML written by serde from random values, Jinja that renders
//! to valid SQL over the seed's columns, CSV with quoted delimiters, quotes and line breaks),
//! which mozt must load and compile with no error; or that project with a few random edits
//! (brackets, quotes, Jinja delimiters, a byte order mark, invalid UTF-8...), which mozt must
//! load or refuse with a project error (exit 2), never a panic or an abort. Each valid seed
//! must read back as exactly the rows written.
//!
//! `MOZT_FUZZ_CASES` sets how many projects (default 40), `MOZT_FUZZ_SEED` the first seed;
//! scripts/fuzz.sh runs many more in a release build. Cases that once failed are kept in
//! `regressions()`.

use std::path::Path;

use super::budget::Budget;
use mozt::engine::{LoadOptions, Selection, Session, compile};
use mozt::project::csv;
use serde_json::{Value, json};

/// A file (path, text) that once failed, put in a valid project, and text its error must not
/// show (kept as regressions).
struct Regression {
    path: &'static str,
    text: String,
    hidden: &'static str,
}

fn regressions() -> Vec<Regression> {
    vec![
        // `{%}` in a macro file: the tag's `%}` was looked for from its `{`, found overlapping
        // it, and the slice between them panicked (found by this harness).
        Regression {
            path: "macros/plus.sql",
            text: "{%} + {{ n }}){% endmacro}}){% endmacro %}\n".into(),
            hidden: "panicked",
        },
        // A YAML error on a password's line showed the password (issue 24).
        Regression {
            path: "project.yml",
            text: "name: fz\ntargets:\n  default: dev\n  dev:\n    type: duckdb\n    password: hunter2: x\n".into(),
            hidden: "hunter2",
        },
        // minijinja compiled a chain of 50,000 operators with a nested call each: the stack
        // overflowed and the process aborted. (Its error shows the line cut to a screen's width.)
        Regression {
            path: "models/m0.sql",
            text: format!("select {{{{ {} }}}} as a0", vec!["1"; 50_000].join(" + ")),
            hidden: "1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1",
        },
    ]
}

/// Text made of `alphabet`, up to `max` characters.
fn text(rng: &mut fastrand::Rng, alphabet: &[&str], max: usize) -> String {
    let n = rng.usize(0..=max);
    (0..n).map(|_| alphabet[rng.usize(..alphabet.len())]).collect()
}

/// Characters of YAML values and CSV cells: letters, digits, separators, quotes, line breaks,
/// non-ASCII (no `{` or `%`, which a description or a cell may not hold as Jinja).
const CHARS: &[&str] = &[
    "a", "b", "z", "Q", "0", "7", " ", " ", ",", ";", ":", ": ", "#", "-", "'", "\"", "\n", "\r\n", "\t", "é", "日",
    "🦆", "\\", "[", "]", "*", "&", "!", "|", ">", "?", "@", "`",
];

struct Gen {
    rng: fastrand::Rng,
}

/// A seed's rows: each cell's text, None when empty.
type Rows = Vec<Vec<Option<String>>>;

/// A generated project: its files, and the seeds (path, header, rows) as they must read back.
struct Project {
    files: Vec<(String, Vec<u8>)>,
    seeds: Vec<(String, Vec<String>, Rows)>,
}

impl Gen {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn words(&mut self, max: usize) -> String {
        text(&mut self.rng, CHARS, max)
    }

    /// project.yml: targets, vars, model and seed configs, random keys written by serde.
    fn project_yml(&mut self, vars: &[(String, i64)]) -> String {
        let mut yml = json!({
            "name": "fz",
            "version": self.pick(&[json!("1.0"), json!(2), json!(null)]).clone(),
            "models": {"fz": {"+materialized": *self.pick(&["view", "table", "ephemeral"])}},
            "seeds": {"fz": {"+quote_columns": self.rng.bool()}},
            "vars": vars.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "targets": {
                "default": "dev",
                "dev": {"type": "duckdb", "path": "target/dev.duckdb", "schema": "analytics", "threads": self.rng.u8(1..9)},
            },
        });
        if self.rng.bool() {
            // Another target, with a secret and a description of any text.
            yml["targets"]["prod"] = json!({
                "type": "snowflake", "account": self.words(12), "user": self.words(8),
                "password": self.words(16), "database": "DB", "schema": "S",
            });
        }
        serde_yaml_ng::to_string(&yml).unwrap_or_default()
    }

    /// A select item over `cols` (the columns of what the model reads), as Jinja that renders
    /// to SQL naming output column `alias`.
    fn item(&mut self, cols: &[String], vars: &[(String, i64)], alias: &str) -> String {
        let col = self.pick(cols).clone();
        match self.rng.u8(..11) {
            0 => format!("{{{{ plus('{col}', {}) }}}} as {alias}", self.rng.u8(..50)),
            1 if !vars.is_empty() => {
                let (name, _) = self.pick(vars).clone();
                format!("{{{{ var('{name}') }}}} + {col} as {alias}")
            }
            2 => {
                let n = self.rng.usize(1..5);
                format!(
                    "({{% for i in range({n}) %}}{col} + {{{{ i }}}}{{% if not loop.last %}} + {{% endif %}}{{% endfor %}}) as {alias}"
                )
            }
            3 => format!("{{% if target.name == 'dev' %}}{col}{{% else %}}0{{% endif %}} as {alias}"),
            4 => format!("{{% set k = {} -%}} {col} * {{{{ k }}}} as {alias}", self.rng.u8(..9)),
            5 => format!(
                "'{{{{ \"{}\" | upper }}}}' as {alias}",
                text(&mut self.rng, &["a", "b", "x", " "], 8)
            ),
            6 => format!(
                "{col} {{# {} #}} as {alias}",
                text(&mut self.rng, &["a", " ", "}", "%", "{"], 10)
            ),
            7 => format!("{{{{ \"{col}\" }}}} as {alias}"),
            8 => {
                // A long chain, within what mozt compiles (500 operators in one tag).
                let n = self.rng.usize(1..250);
                format!("{{{{ {} }}}} + {col} as {alias}", vec!["1"; n].join(" + "))
            }
            _ => format!("{col} as {alias}"),
        }
    }

    /// A model reading `from` (a seed or an earlier model) whose columns are `cols`; it
    /// outputs columns a0...
    fn model(&mut self, from: &str, cols: &[String], vars: &[(String, i64)]) -> (String, Vec<String>) {
        let width = self.rng.usize(1..6);
        let out: Vec<String> = (0..width).map(|i| format!("a{i}")).collect();
        let items: Vec<String> = out.iter().map(|a| self.item(cols, vars, a)).collect();
        let mut sql = String::new();
        if self.rng.u8(..3) == 0 {
            let m = *self.pick(&["view", "table"]);
            sql.push_str(&format!("{{{{ config(materialized='{m}') }}}}\n"));
        }
        sql.push_str(&format!("select {}\nfrom {{{{ ref('{from}') }}}}", items.join(",\n  ")));
        if self.rng.bool() {
            sql.push_str(&format!("\nwhere {} is not null", self.pick(cols)));
        }
        sql.push('\n');
        (sql, out)
    }

    /// A CSV with a header of `cols` and rows of any text (quoted where needed).
    fn csv(&mut self, cols: &[String]) -> (String, Rows) {
        let newline = *self.pick(&["\n", "\r\n"]);
        let mut out = cols.join(",") + newline;
        let rows: Rows = (0..self.rng.usize(0..6))
            .map(|_| {
                cols.iter()
                    .map(|_| match self.rng.u8(..4) {
                        0 => None,
                        1 => Some(self.rng.i32(-1000..1000).to_string()),
                        _ => Some(self.words(10)).filter(|s| !s.is_empty()),
                    })
                    .collect()
            })
            .collect();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    None => String::new(),
                    Some(s) if s.contains([',', '"', '\n', '\r']) || self.rng.u8(..5) == 0 => {
                        format!("\"{}\"", s.replace('"', "\"\""))
                    }
                    Some(s) => s.clone(),
                })
                .collect();
            // A blank line is no row: a row of one empty cell is written quoted.
            let line = match cells.join(",") {
                empty if empty.is_empty() => "\"\"".to_string(),
                line => line,
            };
            out.push_str(&line);
            out.push_str(newline);
        }
        (out, rows)
    }

    /// schema.yml for the models: descriptions of any text, and generic tests on columns.
    fn schema_yml(&mut self, models: &[(String, Vec<String>)]) -> String {
        let models: Vec<Value> = models
            .iter()
            .map(|(name, cols)| {
                let columns: Vec<Value> = cols
                    .iter()
                    .map(|c| {
                        let tests = match self.rng.u8(..4) {
                            0 => json!(["not_null"]),
                            1 => json!(["unique", "not_null"]),
                            2 => json!([{"accepted_values": {"values": [1, 2, self.words(4)]}}]),
                            _ => json!([]),
                        };
                        json!({"name": c, "description": self.words(30), "data_tests": tests})
                    })
                    .collect();
                json!({"name": name, "description": self.words(40), "columns": columns})
            })
            .collect();
        serde_yaml_ng::to_string(&json!({"version": 2, "models": models})).unwrap_or_default()
    }

    fn project(&mut self) -> Project {
        let vars: Vec<(String, i64)> = (0..self.rng.usize(0..3))
            .map(|i| (format!("v{i}"), self.rng.i64(-100..100)))
            .collect();
        let seed_cols: Vec<String> = (0..self.rng.usize(1..5)).map(|i| format!("c{i}")).collect();
        let (csv_text, rows) = self.csv(&seed_cols);
        let mut files = vec![
            ("project.yml".to_string(), self.project_yml(&vars).into_bytes()),
            ("seeds/s0.csv".to_string(), csv_text.into_bytes()),
            (
                "macros/plus.sql".to_string(),
                b"{% macro plus(x, n) %}({{ x }} + {{ n }}){% endmacro %}\n".to_vec(),
            ),
        ];
        let mut models: Vec<(String, Vec<String>)> = vec![];
        for i in 0..self.rng.usize(1..5) {
            let (from, cols) = match models.len() {
                0 => ("s0".to_string(), seed_cols.clone()),
                n => self.pick(&models[..n]).clone(),
            };
            let (sql, out) = self.model(&from, &cols, &vars);
            let name = format!("m{i}");
            files.push((format!("models/{name}.sql"), sql.into_bytes()));
            models.push((name, out));
        }
        files.push(("models/schema.yml".to_string(), self.schema_yml(&models).into_bytes()));
        Project {
            files,
            seeds: vec![("seeds/s0.csv".to_string(), seed_cols, rows)],
        }
    }

    /// A few random edits to one file of `p`.
    fn mutate(&mut self, p: &mut Project) {
        const PIECES: &[&[u8]] = &[
            b"{{",
            b"}}",
            b"{%",
            b"%}",
            b"{#",
            b"#}",
            b":",
            b": ",
            b"- ",
            b"'",
            b"\"",
            b"\n",
            b"\t",
            b"[",
            b"{",
            b",",
            b"\xef\xbb\xbf",
            b"\0",
            b"\xff",
            b"\xc3",
            b")",
            b"(",
            b";",
            b"&a",
            b"*a",
            b"!!int",
            b"---\n",
            b"...",
            b"ref(",
            b"endfor",
            b"{% endif %}",
            b"\\",
            b"\r",
            b" + 1",
            b" ~ 'a'",
            b"|abs",
            b" or x",
            b"not ",
            b"{% if true %}",
            b"  - ",
            b"    ",
        ];
        let i = self.rng.usize(..p.files.len());
        let bytes = &mut p.files[i].1;
        for _ in 0..self.rng.usize(1..4) {
            let at = self.rng.usize(..=bytes.len());
            match self.rng.u8(..4) {
                0 => {
                    let end = (at + self.rng.usize(1..8)).min(bytes.len());
                    bytes.drain(at..end);
                }
                1 => bytes.truncate(at),
                2 => {
                    let end = (at + self.rng.usize(1..20)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
                _ => {
                    // A piece, now and then thousands of times (deep or long input).
                    let piece = PIECES[self.rng.usize(..PIECES.len())];
                    let times = if self.rng.u8(..6) == 0 {
                        self.rng.usize(2..20_000)
                    } else {
                        1
                    };
                    let many: Vec<u8> = piece.repeat(times);
                    bytes.splice(at..at, many);
                }
            }
        }
    }
}

fn write(root: &Path, files: &[(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create a folder");
        }
        std::fs::write(path, bytes).expect("write a project file");
    }
}

/// What a failed load or compile said: its exit code and its message.
struct Failure {
    code: i32,
    message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(exit {}) {}", self.code, self.message)
    }
}

/// Load and compile the project in `root` offline, as `mozt compile` does.
fn load_and_compile(root: &Path) -> Result<(), Failure> {
    let options = LoadOptions {
        project_dir: root.to_path_buf(),
        partial_parse: false,
        ..LoadOptions::default()
    };
    let session = Session::load(&options).map_err(|e| Failure {
        code: e.exit_code(),
        message: e.to_string(),
    })?;
    compile::compile(&session, &Selection::default(), false).map_err(|e| Failure {
        code: e.exit_code(),
        message: e.to_string(),
    })?;
    session.finish();
    Ok(())
}

/// How the cases ended.
#[derive(Default, Debug)]
struct Tally {
    valid: u64,
    refused: u64,
    accepted: u64,
}

/// What one case found wrong, if anything: (what, the files).
fn run_case(dir: &Path, seed: u64, tally: &mut Tally) -> Option<String> {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
    };
    let mut p = g.project();
    let valid = g.rng.u8(..3) == 0;
    if !valid {
        g.mutate(&mut p);
    }
    let root = dir.join(seed.to_string());
    write(&root, &p.files);
    let result = std::panic::catch_unwind(|| {
        // The seeds are read as `mozt seed` reads them (an edited one too), types inferred.
        for (path, _, _) in &p.seeds {
            if let Ok(data) = csv::read(&root, Path::new(path), b',') {
                let _types: Vec<_> = (0..data.columns.len()).map(|c| csv::infer(&data, c)).collect();
            }
        }
        load_and_compile(&root)
    });
    match (&result, valid) {
        (_, true) => tally.valid += 1,
        (Ok(Err(_)), false) => tally.refused += 1,
        _ => tally.accepted += 1,
    }
    let wrong = match result {
        Err(_) => Some("a panic".to_string()),
        Ok(Err(e)) if valid => Some(format!("an error on a valid project:\n{e}")),
        Ok(Err(e)) if e.code != 2 => Some(format!("an error that is not a project error (exit 2):\n{e}")),
        Ok(_) if valid => check_seeds(&root, &p),
        Ok(_) => None,
    };
    let _ = std::fs::remove_dir_all(&root);
    wrong.map(|w| {
        let files: Vec<String> = p
            .files
            .iter()
            .map(|(path, b)| format!("--- {path}:\n{}", String::from_utf8_lossy(b)))
            .collect();
        format!("seed {seed}: {w}\n{}", files.join("\n"))
    })
}

/// Each seed reads back as the rows written.
fn check_seeds(root: &Path, p: &Project) -> Option<String> {
    for (path, cols, rows) in &p.seeds {
        match csv::read(root, Path::new(path), b',') {
            Err(e) => return Some(format!("{path} is not read: {e}")),
            Ok(data) if &data.columns != cols || &data.rows != rows => {
                return Some(format!("{path} reads as {:?}, not {rows:?}", data.rows));
            }
            Ok(_) => {}
        }
    }
    None
}

#[test]
fn project_files_jinja_and_seeds_never_crash_mozt() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (n, r) in regressions().iter().enumerate() {
        let mut g = Gen {
            rng: fastrand::Rng::with_seed(n as u64),
        };
        let mut p = g.project();
        p.files.retain(|(f, _)| f != r.path);
        p.files.push((r.path.to_string(), r.text.as_bytes().to_vec()));
        let hidden = r.hidden;
        let root = dir.path().join(format!("regression{n}"));
        write(&root, &p.files);
        let result = std::panic::catch_unwind(|| load_and_compile(&root));
        match result {
            Err(_) => panic!("regression {n} panics"),
            Ok(Err(e)) => assert!(!e.message.contains(hidden), "regression {n} shows {hidden}:\n{e}"),
            Ok(Ok(())) => {}
        }
    }
    let budget = Budget::from_env(40, 20);
    let seed = budget.seed;
    let mut failures = vec![];
    let mut tally = Tally::default();
    let mut cases = 0;
    while budget.go_on("fuzz_project", cases) {
        let case = cases;
        cases += 1;
        if let Some(wrong) = run_case(dir.path(), seed.wrapping_add(case), &mut tally) {
            failures.push(wrong);
            if failures.len() >= 3 {
                break;
            }
        }
    }
    eprintln!(
        "fuzz_project: {cases} cases from seed {seed} in {:?}: {} valid projects compiled, {} edited ones \
         refused with a project error, {} edited ones still compiled",
        budget.started.elapsed(),
        tally.valid,
        tally.refused,
        tally.accepted
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
