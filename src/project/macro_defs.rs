//! The macros a project's files define (`{% macro name(...) %}`, and `{% test name(...) %}`,
//! which defines `test_name`), found in the text before any Jinja is compiled, so that two
//! definitions of one name in one package are an error naming both files, as in dbt (the last
//! file read would otherwise win without a word).

use std::collections::HashMap;
use std::path::Path;

use super::SourceFile;
use crate::error::{Error, Location, Result};

/// Each macro name defined in `text`, with its 1-based line.
pub fn defined(text: &str) -> Vec<(String, usize)> {
    let mut out = vec![];
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{%") {
        let tag = &rest[start + 2..];
        let tag = tag.strip_prefix(['-', '+']).unwrap_or(tag).trim_start();
        for (keyword, prefix) in [("macro", ""), ("test", "test_")] {
            if let Some(after) = tag.strip_prefix(keyword)
                && after.starts_with(char::is_whitespace)
            {
                let name: String = after
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    let line = text[..offset + start].matches('\n').count() + 1;
                    out.push((format!("{prefix}{name}"), line));
                }
            }
        }
        offset += start + 2;
        rest = &rest[start + 2..];
    }
    out
}

/// An error when one package (or the root project) defines a macro name twice.
pub fn check_unique<'a>(files: impl Iterator<Item = &'a SourceFile>) -> Result<()> {
    let mut seen: HashMap<(Option<&str>, String), (&Path, usize)> = HashMap::new();
    for file in files {
        for (name, line) in defined(&file.text) {
            let key = (file.package.as_deref(), name);
            if let Some((first, first_line)) = seen.get(&key) {
                let (package, name) = key;
                return Err(Error::project(format!(
                    "macro '{name}' is defined twice in {}: {}:{first_line} and {}:{line}",
                    package.map_or("the project".to_string(), |p| format!("package '{p}'")),
                    first.display(),
                    file.path.display()
                ))
                .at(Location::at(&file.path, line))
                .help("rename or remove one of them (macro names are unique within a project)"));
            }
            seen.insert(key, (&file.path, line));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(path: &str, text: &str, package: Option<&str>) -> SourceFile {
        SourceFile {
            path: PathBuf::from(path),
            text: text.into(),
            package: package.map(Into::into),
        }
    }

    #[test]
    fn finds_macro_and_test_definitions_with_lines() {
        let text = "{% macro a(x) %}{% endmacro %}\n\n{%- macro  b_2() -%}\n{% endmacro %}\n{% test unique_ish(model) %}{% endtest %}\n{{ macro_call() }}{% set macro = 1 %}";
        assert_eq!(
            defined(text),
            vec![("a".into(), 1), ("b_2".into(), 3), ("test_unique_ish".into(), 5)]
        );
    }

    #[test]
    fn a_name_defined_twice_in_one_package_is_an_error_naming_both_files() {
        let a = file("macros/a.sql", "{% macro cents(x) %}{% endmacro %}", None);
        let b = file("macros/sub/b.sql", "\n{% macro cents(x) %}{% endmacro %}", None);
        let err = check_unique([&a, &b].into_iter()).expect_err("a duplicate");
        assert_eq!(
            err.message,
            "macro 'cents' is defined twice in the project: macros/a.sql:1 and macros/sub/b.sql:2"
        );
        // The same name in a package is another macro.
        let c = file(
            "dbt_packages/p/macros/c.sql",
            "{% macro cents(x) %}{% endmacro %}",
            Some("p"),
        );
        assert!(check_unique([&a, &c].into_iter()).is_ok());
    }
}
