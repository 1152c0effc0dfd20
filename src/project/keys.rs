//! Keys mozt does not know, in any YAML file it reads (project.yml, dbt_project.yml,
//! profiles.yml, schema YAML): one warning each, with file:line and the closest known key, so a
//! typo (`colums:`, `+materialised`, `pth:`) never silently changes what a run does. Where a
//! wrong key would change where data goes (a target's connection settings) the caller makes it
//! an error with [`unknown_key_error`] instead.

use std::path::Path;

use crate::error::{Error, Location};

/// `; did you mean `x`?` for the known key closest to `key`, or nothing.
pub fn did_you_mean<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> String {
    let bare = key.trim_start_matches('+');
    match crate::suggest::closest(bare, known).first() {
        Some(best) => {
            let plus = if key.starts_with('+') { "+" } else { "" };
            format!("; did you mean `{plus}{best}`?")
        }
        None => String::new(),
    }
}

/// Warn that `key` (at `file:line`, inside `what`) is not one mozt knows and is ignored.
pub fn warn_unknown<'a>(file: &Path, line: usize, key: &str, what: &str, known: impl Iterator<Item = &'a str>) {
    let hint = did_you_mean(key, known);
    tracing::warn!(
        "{}: unknown key `{key}` in {what} is ignored{hint}",
        Location::at(file, line)
    );
}

/// The error for an unknown key where ignoring it would change the result.
pub fn unknown_key_error<'a>(
    location: Location,
    key: &str,
    what: &str,
    known: impl Iterator<Item = &'a str> + Clone,
) -> Error {
    let hint = did_you_mean(key, known.clone());
    let all: Vec<&str> = known.collect();
    Error::project(format!("unknown key `{key}` in {what}{hint}"))
        .at(location)
        .help(format!("fix or remove it; known keys: {}", all.join(", ")))
}

/// The 1-based line of `key:` at or after line `from` (1-based), for keys of an entry of a
/// YAML list (`- name: x` followed by its keys); `from` when it is not written in block style.
pub fn line_after(text: &str, from: usize, key: &str) -> usize {
    for (i, line) in text.lines().enumerate().skip(from.saturating_sub(1)) {
        let body = line.trim_start().trim_start_matches("- ");
        for quote in ["", "\"", "'"] {
            if let Some(rest) = body.strip_prefix(&format!("{quote}{key}{quote}"))
                && rest.trim_start().starts_with(':')
            {
                return i + 1;
            }
        }
    }
    from.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_keys_keep_the_plus() {
        let known = ["materialized", "schema"];
        assert_eq!(
            did_you_mean("+materialised", known.into_iter()),
            "; did you mean `+materialized`?"
        );
        assert_eq!(
            did_you_mean("pth", ["path", "type"].into_iter()),
            "; did you mean `path`?"
        );
        assert_eq!(did_you_mean("zzzz", known.into_iter()), "");
    }

    #[test]
    fn lines_after_an_entry() {
        let text = "models:\n  - name: a\n    colums: []\n  - name: b\n    colums: []\n";
        assert_eq!(line_after(text, 4, "colums"), 5);
        assert_eq!(line_after(text, 1, "colums"), 3);
        assert_eq!(line_after(text, 2, "nope"), 2);
    }
}
