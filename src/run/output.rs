//! What a run prints: one line per finished node, dbt-style, and a summary.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use super::results::{NodeResult, Status};

static QUIET: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::Relaxed);
}

pub(crate) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Print a line to stdout unless `-q` was given.
pub(crate) fn say(line: &str) {
    if !quiet() {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    }
}

/// Print a line to stdout even with `-q` (failures).
pub(crate) fn say_always(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

const WIDTH: usize = 72;

/// `  3 of 12 OK created table analytics.dim_users ........ [0.04s]`
pub(crate) fn progress_line(seq: usize, total: usize, r: &NodeResult, what: &str) -> String {
    let head = format!("{seq:>3} of {total} {} {what}", r.status.label());
    let time = match r.status {
        Status::Skipped => "[SKIP]".to_string(),
        _ => format!("[{:.2}s]", r.execution_time),
    };
    let dots = WIDTH.saturating_sub(head.chars().count() + 1);
    format!("{head} {} {time}", ".".repeat(dots.max(3)))
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
