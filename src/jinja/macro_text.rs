//! What a macro's source text says, read without rendering it: its parameters, and whether its
//! body mentions a name.

/// A parameter of a macro.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Param {
    pub name: String,
    pub required: bool,
}

/// The parameters of `{% macro name(a, b, c=1) %}` in `source`.
pub(crate) fn signature(source: &str, name: &str) -> Option<Vec<Param>> {
    let (params, _) = definition(source, name)?;
    Some(params)
}

/// The parameter names of macro `name` in `source` when its body reads `kwargs`, else None.
pub(crate) fn kwargs_params(source: &str, name: &str) -> Option<Vec<String>> {
    reads_kwargs(source, name).then(|| {
        signature(source, name)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.name)
            .collect()
    })
}

/// What a call of a macro may pass: its parameters, and whether it takes any keyword besides.
#[derive(Debug)]
pub(crate) struct MacroParams {
    pub params: Vec<Param>,
    /// Its body reads `kwargs`: Jinja then takes any keyword argument besides the named
    /// parameters (dbt_utils' `not_null_proportion(model, group_by_columns)` reads `at_least`).
    pub any_keyword: bool,
}

/// The parameters of macro `name` in `source`, and whether its body reads `kwargs`.
pub(crate) fn macro_params(source: &str, name: &str) -> Option<MacroParams> {
    let (params, body_at) = definition(source, name)?;
    let rest = &source[body_at..];
    let body = rest.find("endmacro").map_or(rest, |end| &rest[..end]);
    Some(MacroParams {
        params,
        any_keyword: has_word(body, "kwargs"),
    })
}

/// Whether the body of macro `name` in `source` reads `kwargs` (see `MacroParams`).
pub(crate) fn reads_kwargs(source: &str, name: &str) -> bool {
    macro_params(source, name).is_some_and(|m| m.any_keyword)
}

/// Whether the body of macro `name` in `source` can see its parameter number `index`: it names
/// it, or reads `varargs`/`kwargs`. True when the macro cannot be found.
pub(crate) fn reads_param(source: &str, name: &str, index: usize) -> bool {
    let Some((params, body_at)) = definition(source, name) else {
        return true;
    };
    let rest = &source[body_at..];
    let body = rest.find("endmacro").map_or(rest, |end| &rest[..end]);
    let named = params.get(index).is_some_and(|p| has_word(body, &p.name));
    named || has_word(body, "varargs") || has_word(body, "kwargs")
}

/// The parameters of macro `name` and where the text after its parameter list starts.
fn definition(source: &str, name: &str) -> Option<(Vec<Param>, usize)> {
    let mut from = 0;
    while let Some(idx) = source[from..].find(name) {
        let start = from + idx;
        from = start + name.len();
        let before = source[..start].trim_end();
        let after = source[start + name.len()..].trim_start();
        if !before.ends_with("macro") || !after.starts_with('(') {
            continue;
        }
        let inner_at = source.len() - after.len() + 1;
        let (parts, end) = param_list(source, inner_at);
        let params = parts
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, _)) => Param {
                    name: n.trim().to_string(),
                    required: false,
                },
                None => Param {
                    name: p.to_string(),
                    required: true,
                },
            })
            .collect();
        return Some((params, end));
    }
    None
}

/// The parameters written between `(` (just before `inner_at`) and its matching `)`, split at
/// the top-level commas, and where the text after the `)` starts.
fn param_list(source: &str, inner_at: usize) -> (Vec<String>, usize) {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut parts = vec![];
    let mut cur = String::new();
    let mut end = source.len();
    for (i, ch) in source[inner_at..].char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                cur.push(ch);
            }
            (None, '(' | '[' | '{') => {
                depth += 1;
                cur.push(ch);
            }
            (None, ')') if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                end = inner_at + i + 1;
                break;
            }
            (None, ')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                cur.push(ch);
            }
            (None, ',') if depth == 0 => parts.push(std::mem::take(&mut cur)),
            (None, c) => cur.push(c),
        }
    }
    (parts, end)
}

/// A package's macro file with each parameter written without a default given one that is
/// Jinja2's undefined: a macro called without that argument then sees a value that prints as
/// nothing and joins with `~` as `''`, as in dbt (dbt_utils' `pretty_log_format()` is called
/// so), while `is defined` stays false and an attribute of it is still an error. mozt's
/// undefined for a missing argument is otherwise an error wherever it is used as text.
pub(crate) fn optional_params(text: &str) -> std::borrow::Cow<'_, str> {
    static MACRO_OPEN: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\{%[-+]?\s*macro\s+[A-Za-z_][A-Za-z0-9_]*\s*\(").ok());
    let Some(re) = MACRO_OPEN.as_ref() else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut out = String::new();
    let mut copied = 0;
    for open in re.find_iter(text) {
        if open.start() < copied {
            continue;
        }
        let (parts, end) = param_list(text, open.end());
        if !parts.iter().any(|p| is_required(p)) {
            continue;
        }
        out.push_str(&text[copied..open.end()]);
        let written: Vec<String> = parts
            .iter()
            .map(|p| match is_required(p) {
                // Around the name, the text as written: the file's lines stay where they were.
                true => {
                    let lead = &p[..p.len() - p.trim_start().len()];
                    let tail = &p[p.trim_end().len()..];
                    format!("{lead}{}=({SILENT_UNDEFINED}){tail}", p.trim())
                }
                false => p.clone(),
            })
            .collect();
        out.push_str(&written.join(","));
        out.push(')');
        copied = end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// A Jinja expression whose value is Jinja2's undefined (an `if` without `else` that is false):
/// it prints as nothing even where a missing name is an error.
const SILENT_UNDEFINED: &str = "none if false";

/// A parameter written as a bare name (no default).
fn is_required(part: &str) -> bool {
    let p = part.trim();
    !p.is_empty() && !p.contains('=')
}

/// Whether `word` occurs in `text` as a whole identifier.
pub(crate) fn has_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(idx) = text[from..].find(word) {
        let start = from + idx;
        let end = start + word.len();
        let before_ok = text[..start].chars().next_back().is_none_or(|c| !is_ident(c));
        let after_ok = text[end..].chars().next().is_none_or(|c| !is_ident(c));
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

/// A package's macro file with each `{{ name }}` (a bare variable printed) written
/// `{{ name if name is defined else '' }}`: Jinja2's undefined prints as nothing, and packages
/// lean on it (dbt_utils prints `{{ select_gb_cols }}`, set only when grouping). mozt's own
/// templates and the project's keep the error, which catches a misspelt name.
pub(crate) fn lenient_prints(text: &str) -> std::borrow::Cow<'_, str> {
    static BARE_PRINT: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\{\{([-+]?)(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*)([-+]?)\}\}").ok()
    });
    match BARE_PRINT.as_ref() {
        Some(re) => re.replace_all(text, "{{${1}${2}${3} if ${3} is defined else ''${4}${5}}}"),
        None => std::borrow::Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_macro_signatures() {
        let src = "{% macro test_unique_x(model) %}{% endmacro %}\n{%- macro test_unique(model, column_name, quote=(1, 2), s='a,b') -%}";
        let p = signature(src, "test_unique").unwrap();
        let names: Vec<(&str, bool)> = p.iter().map(|p| (p.name.as_str(), p.required)).collect();
        assert_eq!(
            names,
            vec![("model", true), ("column_name", true), ("quote", false), ("s", false)]
        );
        assert!(signature(src, "test_other").is_none());
    }

    #[test]
    fn finds_words() {
        assert!(has_word("  - not_null", "not_null"));
        assert!(!has_word("  - not_null_x", "not_null"));
        assert!(has_word("- accepted_values:", "accepted_values"));
    }

    #[test]
    fn tells_whether_a_body_reads_a_parameter() {
        let src = "{% macro other(node) %}{{ node.name }}{% endmacro %}\n\
            {% macro generate_schema_name(custom_schema_name, node) -%}\n\
            {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n\
            {%- endmacro %}";
        assert!(!reads_param(src, "generate_schema_name", 1));
        assert!(reads_param(src, "generate_schema_name", 0));
        assert!(reads_param(src, "other", 0));
        let by_fqn = "{% macro generate_schema_name(custom, node) %}{{ node.fqn[1] }}{% endmacro %}";
        assert!(reads_param(by_fqn, "generate_schema_name", 1));
        let varargs = "{% macro generate_schema_name(custom) %}{{ varargs[0].name }}{% endmacro %}";
        assert!(reads_param(varargs, "generate_schema_name", 1));
        assert!(reads_param("{# nothing #}", "generate_schema_name", 1));
    }

    #[test]
    fn optional_params_default_bare_parameters_only() {
        assert_eq!(
            optional_params("{% macro f(a, b=1, c='x,y') %}{% endmacro %}{%- macro g(m) -%}{{ m }}{%- endmacro -%}"),
            "{% macro f(a=(none if false), b=1, c='x,y') %}{% endmacro %}{%- macro g(m=(none if false)) -%}{{ m }}{%- endmacro -%}"
        );
        let untouched = "{% macro h(x=[1, 2]) %}{% endmacro %}{% macro k() %}{% endmacro %}";
        assert!(matches!(optional_params(untouched), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn lenient_prints_guards_bare_names_only() {
        assert_eq!(
            lenient_prints("{{ a }} {{- b -}} {{ c | upper }} {{ f(x) }}"),
            "{{ a if a is defined else '' }} {{- b if b is defined else '' -}} {{ c | upper }} {{ f(x) }}"
        );
    }
}
