//! Turn what the analysis found into the errors a user reads: syntax errors and references to
//! columns that do not exist, located in the compiled SQL (with the offending line and a caret)
//! and, where the text came straight from the model file, in the model file too.

use minijinja::{OutputSpan, OutputSpanKind};

use crate::error::{Error, Location};
use crate::manifest::Node;
use crate::sql::columns::Issue;
use crate::sql::parse::{SyntaxError, byte_offset, line_col};

/// What an error is about: `model dim_users`, defined in `models/marts/dim_users.sql`.
pub struct Subject<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub file: String,
}

impl<'a> Subject<'a> {
    pub fn of(node: &'a Node) -> Subject<'a> {
        Subject {
            kind: node.resource_type.as_str(),
            name: &node.name,
            file: crate::jinja::path_name(&node.original_file_path),
        }
    }
}

/// Where in the model file a byte of compiled SQL came from, when it was copied from the file
/// (not produced by a macro or an expression).
pub struct FileMap<'a> {
    /// The node's own rendered SQL and its output spans.
    pub raw: &'a str,
    pub spans: &'a [OutputSpan],
    pub template: &'a str,
    pub source: &'a str,
}

impl FileMap<'_> {
    /// Line and column in the model file of byte `offset` of `compiled`.
    pub fn position(&self, compiled: &str, offset: usize) -> Option<(usize, usize)> {
        // Ephemeral CTEs are put in front of the node's SQL: what follows them is identical.
        let common = compiled
            .bytes()
            .rev()
            .zip(self.raw.bytes().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let from_end = compiled.len().checked_sub(offset)?;
        if from_end > common {
            return None;
        }
        let raw_offset = self.raw.len().checked_sub(from_end)?;
        let span = self.spans.iter().find(|s| s.output_range().contains(&raw_offset))?;
        if span.kind() != OutputSpanKind::Raw || span.name() != self.template {
            return None;
        }
        let source_offset = span.source_range().start + (raw_offset - span.output_range().start);
        Some(line_col(self.source, source_offset))
    }
}

fn located(e: Error, compiled_path: &str, compiled: &str, line: usize, column: usize) -> Error {
    if line == 0 {
        return e.at(Location::file(compiled_path));
    }
    e.at(Location::at(compiled_path, line).with_column(column))
        .with_source_line(compiled)
}

fn in_model_file(e: Error, node: &Subject, map: Option<&FileMap>, compiled: &str, offset: usize) -> Error {
    match map.and_then(|m| m.position(compiled, offset)) {
        Some((line, col)) => {
            let note = format!("in the model file: {}:{line}:{col}", node.file);
            match e.help.clone() {
                Some(h) => e.help(format!("{h}\n  note: {note}")),
                None => e.help(note),
            }
        }
        None => e,
    }
}

pub fn syntax_error(
    node: &Subject,
    err: &SyntaxError,
    compiled_path: &str,
    compiled: &str,
    map: Option<&FileMap>,
) -> Error {
    let e = Error::project(format!(
        "SQL syntax error in {} {}: {}",
        node.kind, node.name, err.message
    ));
    let e = located(e, compiled_path, compiled, err.line, err.column);
    in_model_file(e, node, map, compiled, err.offset)
}

/// The existing columns, closest to `wanted` first.
pub fn closest_first(wanted: &str, existing: &[String]) -> Vec<String> {
    let w = wanted.to_ascii_lowercase();
    let mut scored: Vec<(f64, &String)> = existing
        .iter()
        .map(|c| (strsim::jaro_winkler(&w, &c.to_ascii_lowercase()), c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().map(|(_, c)| c.clone()).collect()
}

pub fn column_error(
    node: &Subject,
    issue: &Issue,
    compiled_path: &str,
    compiled: &str,
    map: Option<&FileMap>,
) -> Error {
    let column = issue.written.rsplit('.').next().unwrap_or(&issue.written);
    let e = Error::project(format!(
        "column {} does not exist ({} {})",
        issue.written, node.kind, node.name
    ));
    let ordered = closest_first(column, &issue.existing);
    let shown: Vec<&str> = ordered.iter().take(8).map(String::as_str).collect();
    let more = ordered.len().saturating_sub(shown.len());
    let whose = match &issue.qualifier {
        Some(q) => format!("{q} has"),
        None => "the relations read here have".to_string(),
    };
    let help = if shown.is_empty() {
        format!("{whose} no columns with a name")
    } else {
        let strongest = strsim::jaro_winkler(&column.to_ascii_lowercase(), &shown[0].to_ascii_lowercase());
        let lead = if strongest > 0.8 {
            format!("did you mean {}? ", shown[0])
        } else {
            String::new()
        };
        format!(
            "{lead}{whose}: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        )
    };
    let e = e.help(help);
    let (line, col) = (issue.span.start.line as usize, issue.span.start.column as usize);
    let offset = byte_offset(compiled, line, col);
    let e = located(e, compiled_path, compiled, line, col);
    in_model_file(e, node, map, compiled, offset)
}
