//! Jinja in YAML values, rendered at parse time as dbt renders them: a config string in
//! dbt_project.yml or schema YAML (`+enabled: "{{ var('use_x', true) }}"`, a seed's
//! `column_types`), and a source's `database`, `schema` and `identifier`. Each is rendered with
//! `var()` reading the vars of the project that owns the file (an installed package's own vars,
//! with the root's over them), `target` and `env_var()`.
//!
//! A rendered config value that reads as a literal (`true`, `False`, `none`, `42`) becomes that
//! value, as dbt's native rendering of these files makes it; any other text stays text.

use serde_json::{Map, Value};
use std::collections::HashMap;

use crate::error::Result;
use crate::jinja::{JinjaEnv, Mode, Scope};

/// How deep a config's maps and lists are walked (configs are a few levels deep; deeper ones
/// are left as written rather than walked without a bound).
const MAX_DEPTH: usize = 32;

/// Renders Jinja in YAML strings for the project or one of its packages.
pub(crate) struct YamlJinja<'a> {
    pub(crate) jinja: &'a JinjaEnv,
    /// Package name -> what var() reads in that package's files (absent: the root's vars).
    pub(crate) package_vars: &'a HashMap<String, Map<String, Value>>,
}

pub(crate) fn has_jinja(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

impl YamlJinja<'_> {
    /// `text` rendered for a file of `package` (text without Jinja is returned as it is);
    /// `what` names the value in an error.
    pub(crate) fn text(&self, package: &str, what: &str, text: &str) -> Result<String> {
        if !has_jinja(text) {
            return Ok(text.to_string());
        }
        let mut scope = Scope::new(Mode::Parse);
        if let Some(vars) = self.package_vars.get(package) {
            scope.var_overrides = vars.clone();
        }
        let (rendered, _) = self.jinja.render_str(what, text, minijinja::Value::UNDEFINED, scope);
        Ok(rendered?.trim().to_string())
    }

    /// Every string holding Jinja in `config` rendered (nested maps and lists too), except
    /// hooks: as in dbt, those are rendered with their node, when it is compiled or run. `what`
    /// names the config in an error (made only when a value holds Jinja: this runs per node).
    pub(crate) fn config(
        &self,
        package: &str,
        what: impl Fn() -> String,
        config: &mut Map<String, Value>,
    ) -> Result<()> {
        let mut stack: Vec<(&mut Value, usize)> = config
            .iter_mut()
            .filter(|(k, _)| !is_hook(k))
            .map(|(_, v)| (v, 0))
            .collect();
        while let Some((value, depth)) = stack.pop() {
            match value {
                Value::String(s) if has_jinja(s) => *value = literal(self.text(package, &what(), s)?),
                Value::Object(m) if depth < MAX_DEPTH => stack.extend(m.values_mut().map(|v| (v, depth + 1))),
                Value::Array(a) if depth < MAX_DEPTH => stack.extend(a.iter_mut().map(|v| (v, depth + 1))),
                _ => {}
            }
        }
        Ok(())
    }
}

/// A node's hook keys (its config's keys are normalized by `merge_config`).
fn is_hook(key: &str) -> bool {
    matches!(key, "pre_hook" | "post_hook")
}

/// Rendered text as the value it spells: a boolean, none or a whole number; else the text.
fn literal(text: String) -> Value {
    match text.as_str() {
        "true" | "True" => Value::Bool(true),
        "false" | "False" => Value::Bool(false),
        "none" | "None" => Value::Null,
        t => match t.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(text),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::literal;
    use serde_json::{Value, json};

    #[test]
    fn rendered_text_reads_as_the_literal_it_spells() {
        assert_eq!(literal("False".into()), Value::Bool(false));
        assert_eq!(literal("true".into()), Value::Bool(true));
        assert_eq!(literal("None".into()), Value::Null);
        assert_eq!(literal("8".into()), json!(8));
        assert_eq!(literal("varchar".into()), json!("varchar"));
        assert_eq!(literal("varchar(100)".into()), json!("varchar(100)"));
    }
}
