//! The names and unique ids of generic tests, made as dbt makes them, so that a test keeps its
//! id when a project moves between dbt and mozt (run_results.json, state comparison, tools that
//! read the artifacts).
//!
//! dbt's rules: the name is `<test>_<subject>_<argument values>` with every run of characters
//! other than letters, digits and `_` written as one `_`; values are written as Python writes
//! them (`True`, `None`, `1.0`). A name of 64 characters or more is kept as the node's name, and
//! the test's relation (its alias) is shortened to the first 30 characters of its head and the
//! MD5 of the full name. The unique id ends in the last 10 hex digits of the MD5 of the name
//! followed by the Python `repr` of the test's metadata (test name, namespace and arguments,
//! every value as a string, mappings with sorted keys).

use serde_json::{Map, Value};

/// A name this long or longer gets a short alias (it names a table with --store-failures, and
/// a file under target/compiled/).
const MAX_NAME: usize = 64;

/// How many hex digits of the metadata hash end a generic test's unique id.
const ID_HASH_LEN: usize = 10;

/// A generic test's names.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TestNames {
    /// The node's name and the middle of its unique id.
    pub full: String,
    /// The relation name when it differs from `full` (names of 64 characters or more).
    pub alias: Option<String>,
}

/// The names of test `test` (`not_null`, or `pkg.test` from a package) on a subject labelled
/// `label` (a model's name, or `source_table` with `prefix` `source_`).
pub(super) fn test_names(prefix: &str, test: &str, label: &str, args: &Map<String, Value>) -> TestNames {
    let (namespace, test) = match test.rsplit_once('.') {
        Some((ns, bare)) => (format!("{ns}_"), bare),
        None => (String::new(), test),
    };
    let mut keys: Vec<&String> = args.keys().collect();
    keys.sort();
    let mut parts: Vec<String> = vec![];
    for k in keys {
        let flat: Vec<&Value> = match &args[k] {
            Value::Object(o) => o.values().collect(),
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        parts.extend(flat.into_iter().map(|v| sanitize(&py_str(v))));
    }
    let head = format!("{namespace}{prefix}{test}_{label}");
    let full = if parts.is_empty() {
        head.clone()
    } else {
        format!("{head}_{}", parts.join("__"))
    };
    let alias = (full.len() >= MAX_NAME).then(|| {
        let cut: String = head.chars().take(30).collect();
        format!("{cut}_{}", crate::hash::md5_hex(&full))
    });
    TestNames { full, alias }
}

/// The hash that ends a generic test's unique id: from its name, the test (`pkg.test` is
/// namespace `pkg`, name `test`), and its arguments as dbt records them, with `model` the
/// Jinja of the tested relation (`{{ get_where_subquery(ref('orders')) }}`).
pub(super) fn id_hash(name: &str, test: &str, subject_expr: &str, args: &Map<String, Value>) -> String {
    let (namespace, bare) = match test.rsplit_once('.') {
        Some((ns, bare)) => (ns, bare),
        None => ("None", test),
    };
    // The metadata's keys in sorted order: kwargs, name, namespace. Written straight into the
    // text, without building the metadata as values: a project has a test for every column.
    let model = format!("{{{{ get_where_subquery({subject_expr}) }}}}");
    let mut text = String::with_capacity(name.len() + 128);
    text.push_str(name);
    text.push_str("{'kwargs': {");
    let mut keys: Vec<&str> = args.keys().map(String::as_str).filter(|k| *k != "model").collect();
    keys.push("model");
    keys.sort_unstable();
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        py_repr(k, &mut text);
        text.push_str(": ");
        match args.get(k) {
            Some(v) if k != "model" => hashable(v, &mut text),
            _ => py_repr(&model, &mut text),
        }
    }
    text.push_str("}, 'name': ");
    py_repr(bare, &mut text);
    text.push_str(", 'namespace': ");
    py_repr(namespace, &mut text);
    text.push('}');
    let digest = crate::hash::md5_hex(&text);
    digest[digest.len() - ID_HASH_LEN..].to_string()
}

/// Python's `repr` of a value after dbt turns every leaf into a string: mappings with sorted
/// keys, lists, and quoted strings. A stack, not recursion: arguments come from YAML.
fn hashable(value: &Value, out: &mut String) {
    enum Step<'a> {
        Value(&'a Value),
        Text(&'static str),
        Key(&'a str),
    }
    let mut stack = vec![Step::Value(value)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Text(t) => out.push_str(t),
            Step::Key(k) => {
                py_repr(k, out);
                out.push_str(": ");
            }
            Step::Value(Value::Object(m)) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                stack.push(Step::Text("}"));
                for (i, k) in keys.iter().enumerate().rev() {
                    stack.push(Step::Value(&m[k.as_str()]));
                    stack.push(Step::Key(k));
                    if i > 0 {
                        stack.push(Step::Text(", "));
                    }
                }
                stack.push(Step::Text("{"));
            }
            Step::Value(Value::Array(a)) => {
                stack.push(Step::Text("]"));
                for (i, v) in a.iter().enumerate().rev() {
                    stack.push(Step::Value(v));
                    if i > 0 {
                        stack.push(Step::Text(", "));
                    }
                }
                stack.push(Step::Text("["));
            }
            Step::Value(leaf) => py_repr(&py_str(leaf), out),
        }
    }
}

/// A YAML scalar as Python's `str()` writes it.
fn py_str(v: &Value) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed("None"),
        Value::Bool(true) => Cow::Borrowed("True"),
        Value::Bool(false) => Cow::Borrowed("False"),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => {
                Cow::Owned(format!("{f:.1}"))
            }
            _ => Cow::Owned(n.to_string()),
        },
        other => Cow::Owned(other.to_string()),
    }
}

/// Python's `repr` of a string: single quotes unless it holds a single quote and no double
/// quote; backslash, the quote and control characters escaped.
fn py_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Runs of characters other than ASCII letters, digits and `_` as one `_`.
fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_sub = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            last_sub = false;
        } else if !last_sub {
            out.push('_');
            last_sub = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    /// The expected names and ids are the ones dbt-core 1.11 writes to manifest.json for the
    /// same YAML.
    #[test]
    fn names_and_ids_are_dbts() {
        let a = args(json!({"column_name": "user_key"}));
        let n = test_names("", "not_null", "dim_users", &a);
        assert_eq!(n.full, "not_null_dim_users_user_key");
        assert_eq!(n.alias, None);
        assert_eq!(id_hash(&n.full, "not_null", "ref('dim_users')", &a), "f5cbc01a0f");

        let a = args(json!({"column_name": "channel", "values": ["email", "it's", 1.0, 2, true]}));
        let n = test_names("", "accepted_values", "dim_users", &a);
        assert_eq!(n.full, "accepted_values_dim_users_channel__email__it_s__1_0__2__True");
        assert_eq!(
            id_hash(&n.full, "accepted_values", "ref('dim_users')", &a),
            "ba56270f43"
        );

        let a = args(json!({"column_name": "user_key", "to": "ref('dim_users')", "field": "user_key"}));
        let n = test_names("", "relationships", "fct_message_funnel", &a);
        assert_eq!(
            n.full,
            "relationships_fct_message_funnel_user_key__user_key__ref_dim_users_"
        );
        assert_eq!(
            n.alias.as_deref(),
            Some("relationships_fct_message_funn_6f77071e8edf3e0397a0577a14fb5e79")
        );
        assert_eq!(
            id_hash(&n.full, "relationships", "ref('fct_message_funnel')", &a),
            "222516204a"
        );

        let a = args(json!({"column_name": "id"}));
        let n = test_names("source_", "unique", "braze_user", &a);
        assert_eq!(n.full, "source_unique_braze_user_id");
        assert_eq!(id_hash(&n.full, "unique", "source('braze', 'user')", &a), "1069b52478");

        assert_eq!(
            test_names("source_", "dbt_utils.at_least_one", "braze_user", &Map::new()).full,
            "dbt_utils_source_at_least_one_braze_user"
        );
    }

    #[test]
    fn python_reprs() {
        let mut s = String::new();
        hashable(&json!({"b": [1, null, false], "a": {"it's": "say \"hi\"\n"}}), &mut s);
        assert_eq!(s, r#"{'a': {"it's": 'say "hi"\n'}, 'b': ['1', 'None', 'False']}"#);
    }
}
