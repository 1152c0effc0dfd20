//! Rendering each template once. The parse phase renders every model and test to learn its
//! refs and configs, before any relation is known (a relation depends on the configs of every
//! model). There, `ref()`, `source()` and `this` print as numbered placeholders; compile then
//! fills the placeholders in instead of rendering the template a second time.
//!
//! The parse render's text is kept only when nothing in it could depend on what a placeholder
//! stands for:
//! - a relation printed straight into the output (`{{ ref('x') }}`, also inside a macro whose
//!   output is printed straight) is a placeholder;
//! - a relation turned into a string any other way (`~`, a filter, `format`), or one of its
//!   attributes read (`.identifier`), taints the render; so does reading `model.config`, or a
//!   template (or a macro it calls) that captures output into a value (`{% set x %}`,
//!   `{% filter %}`, `{% call %}`) or pulls in other templates (`include`, `import`,
//!   `extends`);
//! - reads whose answer can differ at compile (`config.get`, `is_incremental()`) are recorded
//!   with their parse answer and compared when the text is reused.
//!
//! A tainted render keeps only what it recorded (refs, sources, configs); compile renders that
//! node again, as it would without this module. A parse render that fails with placeholders is
//! retried without them, so placeholders never change which templates render.

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use std::fmt;
use std::sync::Arc;

use super::scope;
pub(crate) use crate::manifest::render::{Pending, Piece, Placeholder, Prerender, holds_placeholder, sentinel};

/// Note that the current render read its node's own context.
pub(crate) fn read_node() {
    scope::current(|s| {
        if let Some(p) = s.and_then(|s| s.pending.as_mut()) {
            p.read_node = true;
        }
    });
}

/// Mark the current render's text as not reusable.
pub(crate) fn taint() {
    scope::current(|s| {
        if let Some(p) = s.and_then(|s| s.pending.as_mut()) {
            p.tainted = true;
        }
    });
}

/// Whether the current render collects placeholders.
pub(crate) fn active() -> bool {
    scope::current(|s| s.is_some_and(|s| s.pending.is_some()))
}

/// The text a value prints as when written straight into the output, for placeholders and
/// macro output holding them; None for every other value.
pub(crate) fn direct_output(value: &Value) -> Option<String> {
    if let Some(rel) = value.downcast_object_ref::<super::objects::RelationObj>() {
        return rel.placeholder.map(sentinel);
    }
    value.downcast_object_ref::<PendingText>().map(|t| t.0.clone())
}

/// A macro's output that holds placeholders: printed as is, and it taints the render when used
/// as a string in any other way.
#[derive(Debug)]
pub(crate) struct PendingText(pub String);

impl Object for PendingText {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        taint();
        Enumerator::NonEnumerable
    }
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        taint();
        f.write_str(&self.0)
    }
}

/// True when a template's text could capture output into a value, or depend on templates whose
/// text is not checked: `{% set x %}...{% endset %}`, `{% filter %}`, `{% call %}`,
/// `{% include %}`, `{% import %}`, `{% from %}`, `{% extends %}`.
pub(crate) fn captures_output(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("{%") {
        rest = &rest[at + 2..];
        let end = rest.find("%}").unwrap_or(rest.len());
        let tag = rest[..end].trim_matches(['-', '+']).trim();
        let word = tag
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next()
            .unwrap_or("");
        match word {
            "filter" | "call" | "include" | "import" | "from" | "extends" => return true,
            "set" if !tag.contains('=') => return true,
            _ => {}
        }
        rest = &rest[end..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_templates_that_capture_output() {
        for yes in [
            "{% set x %}{{ ref('a') }}{% endset %}",
            "{%- set x -%}a{%- endset %}",
            "{% filter upper %}{{ ref('a') }}{% endfilter %}",
            "{% call m() %}x{% endcall %}",
            "{% include 'x.sql' %}",
            "{% from 'm.sql' import a %}",
        ] {
            assert!(captures_output(yes), "{yes}");
        }
        for no in [
            "{% set x = ref('a') %}{{ x }}",
            "{%- set where = config.get('where') -%}",
            "{% if settings %}{% endif %}{{ config(materialized='table') }}",
            "select 1 -- {% macro m() %}{% endmacro %}",
        ] {
            assert!(!captures_output(no), "{no}");
        }
    }
}
