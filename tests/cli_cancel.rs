//! Ctrl-C on a DuckDB build: the real binary gets SIGINT while a slow model runs.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{TestProject, query_db};

/// A model that runs for minutes (40 billion rows), unless interrupted.
const SLOW: &str = "{{ config(materialized='table') }}\n\
    select count(*) as n from range(200000) as a(x), range(200000) as b(y) where (a.x * b.y) % 7 = 3\n";

fn project() -> TestProject {
    let p = TestProject::new("cancel");
    p.write(
        "models/fast_a.sql",
        "{{ config(materialized='table') }}\nselect 1 as id\n",
    );
    p.write("models/slow.sql", SLOW);
    p.write("models/after_slow.sql", "select n from {{ ref('slow') }}\n");
    p
}

/// `mozt run` started in the project, its stdout read line by line on a thread.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(p: &TestProject) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mozt"))
            .arg("run")
            .current_dir(p.path())
            .env_remove("MOZT_PROJECT_DIR")
            .env_remove("MOZT_TARGET")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mozt");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: vec![],
        }
    }

    /// Read stdout until a line contains `text` (the run is then at that point).
    fn wait_for(&mut self, text: &str) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(120)) {
            let found = line.contains(text);
            self.seen.push(line);
            if found {
                return;
            }
        }
        let _ = self.child.kill();
        panic!("mozt never printed {text:?}; stdout so far:\n{}", self.seen.join("\n"));
    }

    fn interrupt(&self) {
        // The shell's own kill, so no procps is needed.
        let status = Command::new("sh")
            .args(["-c", &format!("kill -INT {}", self.child.id())])
            .status()
            .expect("run sh");
        assert!(status.success(), "kill -INT failed");
    }

    /// Wait for the exit (killing it after two minutes): its code (None: killed by a signal),
    /// all of stdout and stderr.
    fn finish(mut self) -> (Option<i32>, String, String) {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("mozt did not exit after Ctrl-C; stdout:\n{}", self.seen.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        (status.code(), self.seen.join("\n"), stderr)
    }
}

fn relations(p: &TestProject) -> Vec<String> {
    query_db(
        &p.db_path(),
        "select table_name from information_schema.tables where table_schema = 'analytics' order by 1",
    )
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

#[test]
fn ctrl_c_interrupts_the_running_models_records_them_and_exits_130() {
    let p = project();
    p.ok(&["run", "-s", "fast_a"]);
    // What a killed run leaves behind: the next run drops it before building, for the models
    // it builds (not_ours is no model of this run: another run may be working with it).
    duckdb::Connection::open(p.db_path())
        .and_then(|c| {
            c.execute_batch(
                "create table analytics.fast_a__mozt_tmp as select 1 as id; \
                 create table analytics.slow__mozt_stage as select 1 as n; \
                 create table analytics.not_ours__mozt_tmp as select 1 as n",
            )
        })
        .expect("leave temporary relations behind");

    let mut run = Running::start(&p);
    run.wait_for("created table analytics.fast_a");
    std::thread::sleep(Duration::from_millis(500));
    run.interrupt();
    let (code, stdout, stderr) = run.finish();

    let context = format!("--- stdout:\n{stdout}\n--- stderr:\n{stderr}");
    assert_eq!(code, Some(130), "exit code after Ctrl-C\n{context}");
    assert!(
        stdout.contains("Dropped 2 temporary relations an interrupted run left behind"),
        "{context}"
    );
    assert!(stdout.contains("CANCEL table analytics.slow"), "{context}");
    assert!(stdout.contains("SKIP view analytics.after_slow"), "{context}");
    assert!(
        stdout.contains("Cancelled by Ctrl-C: 1 node interrupted (model.cancel.slow), 1 node not started"),
        "{context}"
    );
    assert!(
        stderr.contains("Cancelling: interrupting the running statements"),
        "{context}"
    );

    let results = p.json("target/run_results.json");
    let status: Vec<(String, String)> = results["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["unique_id"].as_str().unwrap_or("").to_string(),
                r["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let of = |id: &str| status.iter().find(|(u, _)| u == id).map(|(_, s)| s.as_str());
    assert_eq!(of("model.cancel.fast_a"), Some("success"), "{status:?}");
    assert_eq!(of("model.cancel.slow"), Some("cancelled"), "{status:?}");
    assert_eq!(of("model.cancel.after_slow"), Some("skipped"), "{status:?}");
    // The database is whole and holds no temporary relation of this run's models.
    assert_eq!(relations(&p), ["fast_a", "not_ours__mozt_tmp"], "{context}");
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    // The second Ctrl-C must come while the first one is still winding the run down; should the
    // run have ended in between (a busy machine), the scenario is tried again.
    let p = project();
    for _ in 0..5 {
        let mut run = Running::start(&p);
        run.wait_for("created table analytics.fast_a");
        run.interrupt();
        run.interrupt();
        let (code, stdout, stderr) = run.finish();
        let context = format!("--- stdout:\n{stdout}\n--- stderr:\n{stderr}");
        assert_eq!(code, Some(130), "{context}");
        // The second Ctrl-C took the exit-at-once path (the run may have printed its summary
        // in between: it does not wait for that).
        if stderr.contains("Exiting at once") {
            return;
        }
        assert!(stdout.contains("Cancelled by Ctrl-C"), "{context}");
    }
    panic!("the second Ctrl-C never came before the run had wound down");
}
