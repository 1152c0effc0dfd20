//! `mozt source freshness`: for each selected source table with a `freshness:` and a
//! `loaded_at_field`, query `max(loaded_at_field)`, compare its age with `warn_after` and
//! `error_after`, print one line per table, and write target/sources.json. Exit 1 when a table
//! is older than its `error_after` (or cannot be queried).

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::adapter;
use crate::error::{EXIT_FAILURE, Error, Location, Result};
use crate::graph::Key;
use crate::manifest::SourceNode;
use crate::run::output::{plural, say};

use crate::engine::{LoadOptions, Selection, Session};

/// `{count: 24, period: hour}`, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct After {
    count: u64,
    period: &'static str,
}

impl After {
    fn seconds(self) -> f64 {
        let unit = match self.period {
            "minute" => 60.0,
            "hour" => 3600.0,
            "day" => 86_400.0,
            _ => 604_800.0,
        };
        self.count as f64 * unit
    }
    fn describe(self) -> String {
        plural(self.count as usize, self.period)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Criteria {
    warn_after: Option<After>,
    error_after: Option<After>,
    filter: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pass,
    Warn,
    /// Older than error_after.
    Stale,
    /// The query failed.
    Error,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Warn => "WARN",
            Outcome::Stale => "ERROR STALE",
            Outcome::Error => "ERROR",
        }
    }
    /// As sources.json spells it (dbt's words).
    fn status(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Stale => "error",
            Outcome::Error => "runtime error",
        }
    }
}

pub(crate) fn run(load: &LoadOptions, selection: &Selection, output: Option<&Path>) -> Result<i32> {
    let started = Instant::now();
    let session = Session::load(load)?;
    let checks = checks(&session, selection)?;
    let out_path = report_path(&session, output);
    if checks.is_empty() {
        say("Nothing to do: no selected source table has a freshness and a loaded_at_field.");
        crate::artifacts::write_sources(&session.artifacts(), &out_path, vec![], started.elapsed().as_secs_f64())?;
        return Ok(0);
    }

    let adapter = adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    say(&format!(
        "Checking the freshness of {} on target {} ({})",
        plural(checks.len(), "source table"),
        session.target.name,
        session.target.kind
    ));
    let total = checks.len();
    let mut results = vec![];
    let mut worst = Outcome::Pass;
    for (seq, (src, field, criteria)) in checks.iter().enumerate() {
        let t0 = Instant::now();
        let now = chrono::Utc::now().naive_utc();
        let (outcome, max_loaded_at, age, message) = measure(conn.as_mut(), src, field, criteria, now);
        let elapsed = t0.elapsed().as_secs_f64();
        say(&line(
            seq + 1,
            total,
            outcome.label(),
            &describe(src, criteria, outcome, &message),
            elapsed,
        ));
        worst = worse(worst, outcome);
        let after = |a: Option<After>| match a {
            Some(a) => json!({"count": a.count, "period": a.period}),
            None => json!({"count": null, "period": null}),
        };
        results.push(json!({
            "unique_id": src.unique_id,
            "status": outcome.status(),
            "max_loaded_at": max_loaded_at.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
            "snapshotted_at": now.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            "max_loaded_at_time_ago_in_s": age,
            "criteria": {
                "warn_after": after(criteria.warn_after),
                "error_after": after(criteria.error_after),
                "filter": criteria.filter,
            },
            "execution_time": elapsed,
            "message": if outcome == Outcome::Error { Value::String(message) } else { Value::Null },
        }));
    }
    let count = |o: &str| results.iter().filter(|r| r["status"] == o).count();
    let (pass, warn, stale, errors) = (count("pass"), count("warn"), count("error"), count("runtime error"));
    crate::artifacts::write_sources(
        &session.artifacts(),
        &out_path,
        results,
        started.elapsed().as_secs_f64(),
    )?;
    say("");
    say(&format!(
        "Done. PASS={pass} WARN={warn} ERROR STALE={stale} ERROR={errors} TOTAL={total}; wrote {}",
        crate::jinja::path_name(out_path.strip_prefix(&session.project.root).unwrap_or(&out_path))
    ));
    Ok(if matches!(worst, Outcome::Stale | Outcome::Error) {
        EXIT_FAILURE
    } else {
        0
    })
}

/// The selected source tables with a freshness, their loaded_at_field and criteria (a table
/// with a freshness but no loaded_at_field is skipped with a warning).
fn checks<'s>(session: &'s Session, selection: &Selection) -> Result<Vec<(&'s SourceNode, String, Criteria)>> {
    let mut checks = vec![];
    for key in session.select_keys(selection)? {
        let Key::Source(i) = key else { continue };
        let src = &session.manifest.sources[i];
        let Some(criteria) = criteria(session, src)? else {
            continue;
        };
        let Some(field) = src.loaded_at_field.clone() else {
            tracing::warn!(
                "source {}.{} has a freshness but no loaded_at_field; skipped",
                src.source_name,
                src.name
            );
            continue;
        };
        checks.push((src, field, criteria));
    }
    Ok(checks)
}

/// Where the report goes: `--output` (relative to the working folder), else
/// target/sources.json.
fn report_path(session: &Session, output: Option<&Path>) -> PathBuf {
    match output {
        None => session.project.target_dir().join("sources.json"),
        Some(p) if p.is_absolute() => p.to_path_buf(),
        Some(p) => std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf()),
    }
}

/// The newest load of one source table against its criteria: the outcome, the newest
/// `loaded_at_field`, its age in seconds, and the message.
fn measure(
    conn: &mut dyn crate::adapter::Connection,
    src: &SourceNode,
    field: &str,
    criteria: &Criteria,
    now: chrono::NaiveDateTime,
) -> (Outcome, Option<chrono::NaiveDateTime>, Option<f64>, String) {
    let mut sql = format!("select max({field}) as max_loaded_at from {}", src.relation);
    if let Some(f) = &criteria.filter {
        sql.push_str(&format!(" where {f}"));
    }
    match conn.query(&sql) {
        Err(e) => (Outcome::Error, None, None, e.message.clone()),
        Ok(rows) => match rows.rows.first().and_then(|r| r.first()) {
            None | Some(Value::Null) => (
                Outcome::Error,
                None,
                None,
                format!("max({field}) is null: the table is empty"),
            ),
            Some(v) => match loaded_at(v) {
                None => (
                    Outcome::Error,
                    None,
                    None,
                    format!("max({field}) is {v}, which is not a timestamp"),
                ),
                Some(t) => {
                    let age = (now - t).num_milliseconds() as f64 / 1000.0;
                    let outcome = judge(criteria, age);
                    (outcome, Some(t), Some(age), format!("{} old", human_age(age)))
                }
            },
        },
    }
}

/// The progress line's text: the table, the message, and the limit it passed.
fn describe(src: &SourceNode, criteria: &Criteria, outcome: Outcome, message: &str) -> String {
    let mut what = format!("freshness of {}.{}: {message}", src.source_name, src.name);
    if matches!(outcome, Outcome::Warn | Outcome::Stale) {
        let limit = match outcome {
            Outcome::Stale => criteria.error_after.map(|a| format!("error after {}", a.describe())),
            _ => criteria.warn_after.map(|a| format!("warn after {}", a.describe())),
        };
        if let Some(l) = limit {
            what.push_str(&format!(" ({l})"));
        }
    }
    what
}

fn worse(a: Outcome, b: Outcome) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Pass => 0,
        Outcome::Warn => 1,
        Outcome::Stale => 2,
        Outcome::Error => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn judge(c: &Criteria, age: f64) -> Outcome {
    if c.error_after.is_some_and(|a| age > a.seconds()) {
        Outcome::Stale
    } else if c.warn_after.is_some_and(|a| age > a.seconds()) {
        Outcome::Warn
    } else {
        Outcome::Pass
    }
}

/// A source table's freshness criteria: None when it has none (or `freshness: null`).
fn criteria(session: &Session, src: &SourceNode) -> Result<Option<Criteria>> {
    let Some(Value::Object(f)) = &src.freshness else {
        return Ok(None);
    };
    let text = session
        .project
        .schema_files
        .iter()
        .find(|d| d.path == src.original_file_path);
    let locate = |msg: String| {
        let mut e = Error::project(msg).help(
            "freshness: {warn_after: {count: 24, period: hour}, error_after: {count: 48, period: hour}}; periods: minute, hour, day, week",
        );
        if let Some(doc) = text {
            let line = doc.line_of_name(&src.name).unwrap_or(1);
            e = e
                .at(Location::at(&src.original_file_path, line))
                .with_source_line(&doc.text);
        } else {
            e = e.in_file(&src.original_file_path);
        }
        e
    };
    let after = |key: &str| -> Result<Option<After>> {
        match f.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(a)) => {
                let count = match a.get("count") {
                    None | Some(Value::Null) => return Ok(None),
                    Some(c) => c.as_u64().ok_or_else(|| {
                        locate(format!(
                            "freshness {key} of source {}.{}: count must be a whole number",
                            src.source_name, src.name
                        ))
                    })?,
                };
                let period = a.get("period").and_then(Value::as_str).unwrap_or("");
                let period = match period.trim_end_matches('s') {
                    "minute" => "minute",
                    "hour" => "hour",
                    "day" => "day",
                    "week" => "week",
                    _ => {
                        return Err(locate(format!(
                            "freshness {key} of source {}.{}: unknown period '{period}'",
                            src.source_name, src.name
                        )));
                    }
                };
                Ok(Some(After { count, period }))
            }
            Some(_) => Err(locate(format!(
                "freshness {key} of source {}.{} must be a mapping {{count, period}}",
                src.source_name, src.name
            ))),
        }
    };
    let warn_after = after("warn_after")?;
    let error_after = after("error_after")?;
    if warn_after.is_none() && error_after.is_none() {
        return Ok(None);
    }
    let filter = f.get("filter").and_then(Value::as_str).map(str::to_string);
    Ok(Some(Criteria {
        warn_after,
        error_after,
        filter,
    }))
}

/// A max(loaded_at) cell as a UTC time (naive timestamps are taken as UTC).
fn loaded_at(v: &Value) -> Option<chrono::NaiveDateTime> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => {
            // Epoch seconds.
            let secs = n.as_f64()?;
            return chrono::DateTime::from_timestamp(secs as i64, 0).map(|t| t.naive_utc());
        }
        _ => return None,
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&s) {
        return Some(t.naive_utc());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(t) = chrono::DateTime::parse_from_str(&s, f) {
            return Some(t.naive_utc());
        }
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&s, f) {
            return Some(t);
        }
    }
    chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// `3 minutes`, `5 hours 2 minutes`, `151 days 4 hours`.
fn human_age(secs: f64) -> String {
    if secs < 0.0 {
        return "in the future".to_string();
    }
    let s = secs as u64;
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    if d > 0 {
        format!("{} {}", plural(d as usize, "day"), plural(h as usize, "hour"))
    } else if h > 0 {
        format!("{} {}", plural(h as usize, "hour"), plural(m as usize, "minute"))
    } else if m > 0 {
        plural(m as usize, "minute")
    } else {
        plural(s as usize, "second")
    }
}

fn line(seq: usize, total: usize, label: &str, what: &str, secs: f64) -> String {
    let head = format!("{seq:>3} of {total} {label} {what}");
    let dots = 72usize.saturating_sub(head.chars().count() + 1).max(3);
    format!("{head} {} [{secs:.2}s]", ".".repeat(dots))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_age_against_the_criteria() {
        let c = Criteria {
            warn_after: Some(After {
                count: 1,
                period: "hour",
            }),
            error_after: Some(After {
                count: 1,
                period: "day",
            }),
            filter: None,
        };
        assert_eq!(judge(&c, 60.0), Outcome::Pass);
        assert_eq!(judge(&c, 7200.0), Outcome::Warn);
        assert_eq!(judge(&c, 200_000.0), Outcome::Stale);
        assert_eq!(human_age(90_061.0), "1 day 1 hour");
        assert_eq!(human_age(125.0), "2 minutes");
    }

    #[test]
    fn reads_timestamps() {
        assert!(loaded_at(&json!("2024-06-30 04:33:00")).is_some());
        assert!(loaded_at(&json!("2024-06-30T04:33:00+02:00")).is_some());
        assert!(loaded_at(&json!("2024-06-30")).is_some());
        assert!(loaded_at(&json!("soon")).is_none());
    }
}
