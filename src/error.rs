//! The one error type a user sees. Every error a user can cause carries where it happened
//! (file, line, column when known) and what to do about it, and maps to an exit code.

use std::fmt;
use std::path::{Path, PathBuf};

/// Exit code for a usage or project error (bad YAML, bad Jinja, unknown ref, cycle, ...).
pub(crate) const EXIT_PROJECT: i32 = 2;
/// Exit code when a model, seed or test failed.
pub(crate) const EXIT_FAILURE: i32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Location {
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }
    pub fn at(file: impl Into<PathBuf>, line: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: None,
        }
    }
    pub fn with_column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The project or the command line is wrong: exit 2.
    Project,
    /// Something failed while running (warehouse error, failed model): exit 1.
    Runtime,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub location: Option<Box<Location>>,
    /// A line of source shown under the message, with an optional caret column.
    pub snippet: Option<String>,
    pub help: Option<String>,
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn project(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Project,
            message: message.into(),
            location: None,
            snippet: None,
            help: None,
        }
    }
    pub fn runtime(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Runtime,
            message: message.into(),
            location: None,
            snippet: None,
            help: None,
        }
    }
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }
    pub fn in_file(self, file: impl Into<PathBuf>) -> Self {
        self.at(Location::file(file))
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Attach the source line the location points at, read from `source`.
    pub fn with_source_line(mut self, source: &str) -> Self {
        if let Some(line) = self.location.as_ref().and_then(|l| l.line)
            && let Some(text) = source.lines().nth(line.saturating_sub(1))
        {
            let mut snippet = format!("{line:>4} | {}", text.trim_end());
            if let Some(col) = self.location.as_ref().and_then(|l| l.column) {
                snippet.push_str(&format!("\n     | {}^", " ".repeat(col.saturating_sub(1))));
            }
            self.snippet = Some(snippet);
        }
        self
    }
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Project => EXIT_PROJECT,
            ErrorKind::Runtime => EXIT_FAILURE,
        }
    }
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        Error::project(format!("cannot read {}: {err}", path.display())).in_file(path)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  --> {loc}")?;
        }
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Several errors found in one pass (for example every model with a bad ref), reported together.
pub(crate) fn combine(errors: Vec<Error>) -> Error {
    if errors.len() == 1 {
        return errors
            .into_iter()
            .next()
            .unwrap_or_else(|| Error::project("unknown error"));
    }
    let kind = errors.first().map(|e| e.kind).unwrap_or(ErrorKind::Project);
    let mut message = format!("{} errors:", errors.len());
    for e in &errors {
        message.push_str("\n\n");
        message.push_str(&e.to_string());
    }
    Error {
        kind,
        message,
        location: None,
        snippet: None,
        help: None,
    }
}

/// Turn a serde YAML error into a located project error.
pub(crate) fn yaml_error(path: &Path, err: &serde_yaml_ng::Error, source: &str) -> Error {
    let mut msg = err.to_string();
    // serde_yaml appends " at line X column Y"; we show the location ourselves.
    if let Some(idx) = msg.find(" at line ") {
        msg.truncate(idx);
    }
    let help = if msg.contains("missing field `name`") && path.ends_with("project.yml") {
        "give the project a name on the first line: `name: my_project`"
    } else if msg.contains("missing field") {
        "add the missing key; see the message for its name"
    } else if msg.contains("invalid type") || msg.contains("unknown variant") || msg.contains("duplicate") {
        "change the value at this line to the shape the message names"
    } else {
        "fix the YAML syntax at this line: check indentation and closing brackets, and quote values that contain ': ', '{', '[' or '#'"
    };
    let mut e = Error::project(format!("invalid YAML: {msg}")).help(help);
    match err.location() {
        Some(loc) => {
            e = e
                .at(Location::at(path, loc.line()).with_column(loc.column()))
                .with_source_line(source);
        }
        None => e = e.in_file(path),
    }
    e
}

/// The 1-based line of the first occurrence of `needle` in `text`, if any.
pub(crate) fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|idx| text[..idx].matches('\n').count() + 1)
}
