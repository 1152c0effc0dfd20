//! The summary printed at the end of a run: the failures and warnings with their messages,
//! then the counts; its exit code.

use crate::cancel::EXIT_CANCELLED;
use crate::error::{EXIT_FAILURE, Error};
use crate::manifest::Manifest;
use crate::run::output::{plural, say};
use crate::run::{NodeResult, Status};

/// Print the summary; the exit code is 1 when anything failed.
pub(super) fn summarize(manifest: &Manifest, results: &[NodeResult], elapsed: f64) -> i32 {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let failures: Vec<&NodeResult> = results.iter().filter(|r| r.status.is_failure()).collect();
    let warnings: Vec<&NodeResult> = results.iter().filter(|r| r.status == Status::Warn).collect();
    say("");
    say(&format!("Finished in {elapsed:.2}s."));
    if crate::cancel::requested() {
        crate::run::output::say_always(&cancel_line(results));
    } else if failures.is_empty() {
        say(if warnings.is_empty() {
            "Completed successfully"
        } else {
            "Completed with warnings:"
        });
    } else {
        say(&format!(
            "Completed with {} and {}:",
            plural(failures.len(), "error"),
            plural(warnings.len(), "warning")
        ));
    }
    for r in failures.iter().chain(warnings.iter()) {
        // Failures are shown even with -q ("print only errors").
        let show = |line: &str| {
            if r.status.is_failure() {
                crate::run::output::say_always(line)
            } else {
                say(line)
            }
        };
        let node = manifest.node(&r.unique_id);
        let name = node.map(|n| n.name.as_str()).unwrap_or(&r.unique_id);
        let kind = node.map(|n| n.resource_type.as_str()).unwrap_or("node");
        show("");
        show(&format!(
            "{} in {kind} {name} ({})",
            r.status.label(),
            node.map(|n| n.original_file_path.display().to_string())
                .unwrap_or_default()
        ));
        for line in r.message.lines() {
            show(&format!("  {line}"));
        }
        for line in &r.details {
            show(&format!("  {line}"));
        }
        if let Some(path) = r.compiled_path.as_ref().filter(|_| r.status == Status::Error) {
            show(&format!("  compiled SQL: {path}"));
        }
    }
    say("");
    say(&format!(
        "Done. PASS={} WARN={} ERROR={} SKIP={}{} TOTAL={}",
        count(Status::Success) + count(Status::Pass),
        count(Status::Warn),
        count(Status::Error) + count(Status::Fail),
        count(Status::Skipped),
        match count(Status::Cancelled) {
            0 => String::new(),
            n => format!(" CANCEL={n}"),
        },
        results.len()
    ));
    if failures.is_empty() { 0 } else { EXIT_FAILURE }
}

/// After Ctrl-C: which nodes were interrupted and how many never started.
fn cancel_line(results: &[NodeResult]) -> String {
    let interrupted: Vec<&str> = results
        .iter()
        .filter(|r| r.status == Status::Cancelled)
        .map(|r| r.unique_id.as_str())
        .collect();
    let not_started = results.iter().filter(|r| r.status == Status::Skipped).count();
    format!(
        "Cancelled by Ctrl-C: {} interrupted{}, {} not started; run_results.json has what ran.",
        plural(interrupted.len(), "node"),
        if interrupted.is_empty() {
            String::new()
        } else {
            format!(" ({})", interrupted.join(", "))
        },
        plural(not_started, "node"),
    )
}

/// After Ctrl-C: say what was cleaned up; the exit code (130).
pub(super) fn cancelled(dropped: Result<usize, Error>) -> i32 {
    match dropped {
        Ok(0) => {}
        Ok(n) => crate::run::output::say_always(&format!(
            "Dropped {} the cancelled nodes left.",
            plural(n, "temporary relation")
        )),
        Err(e) => crate::run::output::say_always(&format!(
            "Could not drop the temporary relations the cancelled nodes left ({e}); the next run drops them."
        )),
    }
    EXIT_CANCELLED
}
