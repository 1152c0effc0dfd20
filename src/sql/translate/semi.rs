//! Semi-structured data, held as DuckDB JSON: `v:path.sub[0]`, GET_PATH, GET, PARSE_JSON,
//! OBJECT_CONSTRUCT, ARRAY_CONSTRUCT, ARRAY_SIZE, ARRAY_CONTAINS, TYPEOF.

use sqlparser::ast::{Expr, Function, JsonPath, JsonPathElem};

use super::Refusal;
use super::args::{duck, positional, quote, string_literal};

/// DuckDB functions whose result is JSON (what the translation writes for a VARIANT).
pub(crate) const JSON_FUNCTIONS: &[&str] = &[
    "json_extract",
    "json",
    "to_json",
    "json_object",
    "json_array",
    "json_group_object",
    "json_merge_patch",
];

/// A JSONPath key: `.name` for a plain name, `."name"` otherwise.
fn key_step(key: &str) -> String {
    if !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
    {
        format!(".{key}")
    } else {
        format!(".\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// `v:a.b[0]` as `json_extract(v, '$.a.b[0]')`; a computed bracket key builds the path at run
/// time.
pub(crate) fn path(value: &Expr, path: &JsonPath) -> Result<Expr, Refusal> {
    // The path as SQL pieces: literal text, or an expression to put in it.
    let mut literal = String::from("$");
    let mut pieces: Vec<String> = vec![];
    for elem in &path.path {
        match elem {
            JsonPathElem::Dot { key, .. } => literal.push_str(&key_step(key)),
            JsonPathElem::Bracket { key } | JsonPathElem::ColonBracket { key } => {
                if let Some(n) = super::args::int_literal(key) {
                    literal.push_str(&format!("[{n}]"));
                } else if let Some(s) = string_literal(key) {
                    literal.push_str(&key_step(s));
                } else {
                    pieces.push(quote(&literal));
                    pieces.push(format!(
                        "CASE WHEN typeof({key}) = 'VARCHAR' THEN '.\"' || replace(CAST({key} AS VARCHAR), '\"', '\\\"') || '\"' ELSE '[' || CAST({key} AS VARCHAR) || ']' END"
                    ));
                    literal.clear();
                }
            }
        }
    }
    pieces.push(quote(&literal));
    let path_sql = pieces
        .into_iter()
        .filter(|p| p != "''")
        .collect::<Vec<_>>()
        .join(" || ");
    super::args::read_back(value, "a path", &format!("json_extract({value}, {path_sql})"))
}

/// GET_PATH's path (`a.b[0]`, `"a b".c`) as a JSONPath (`$.a.b[0]`).
fn jsonpath(path: &str) -> Option<String> {
    let mut out = String::from("$");
    let mut rest = path.trim();
    let mut first = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r[..close].trim();
            match inner.parse::<u64>() {
                Ok(n) => out.push_str(&format!("[{n}]")),
                Err(_) => out.push_str(&key_step(inner.trim_matches(|c| c == '\'' || c == '"'))),
            }
            rest = &r[close + 1..];
        } else {
            let r = if first { rest } else { rest.strip_prefix('.')? };
            let (key, after) = match r.strip_prefix('"') {
                Some(q) => {
                    let close = q.find('"')?;
                    (&q[..close], &q[close + 1..])
                }
                None => {
                    let end = r.find(['.', '[']).unwrap_or(r.len());
                    (&r[..end], &r[end..])
                }
            };
            if key.is_empty() {
                return None;
            }
            out.push_str(&key_step(key));
            rest = after;
        }
        first = false;
    }
    Some(out)
}

pub(crate) fn rewrite(name: &str, f: &Function, is_variant: &dyn Fn(&Expr) -> bool) -> Result<Option<Expr>, Refusal> {
    let text = match name {
        "PARSE_JSON" => {
            let a = positional(f, name, 1, 1)?;
            format!("json(nullif({}, ''))", a[0])
        }
        "TRY_PARSE_JSON" => {
            let a = positional(f, name, 1, 1)?;
            format!("CASE WHEN json_valid({x}) THEN json(nullif({x}, '')) END", x = a[0])
        }
        "GET_PATH" | "JSON_EXTRACT_PATH_TEXT" => {
            let a = positional(f, name, 2, 2)?;
            let Some(p) = string_literal(&a[1]).and_then(jsonpath) else {
                return Err(Refusal::at(
                    &f.name,
                    format!("{name} with a path that is not a literal string"),
                    "write the path as a string literal, or use v:name[n]",
                ));
            };
            match name {
                "GET_PATH" => format!("json_extract({}, {})", a[0], quote(&p)),
                _ => format!("json_extract_string({}, {})", a[0], quote(&p)),
            }
        }
        "GET" => {
            let a = positional(f, name, 2, 2)?;
            let step = match (super::args::int_literal(&a[1]), string_literal(&a[1])) {
                (Some(n), _) => format!("[{n}]"),
                (None, Some(s)) => key_step(s),
                _ => {
                    return Err(Refusal::at(
                        &f.name,
                        "GET with a computed key",
                        "use v[key] or GET_PATH",
                    ));
                }
            };
            format!("json_extract({}, {})", a[0], quote(&format!("${step}")))
        }
        "OBJECT_CONSTRUCT" | "OBJECT_CONSTRUCT_KEEP_NULL" => object_construct(f, name)?,
        "ARRAY_CONSTRUCT" => {
            let a = positional(f, name, 0, usize::MAX)?;
            let items: Vec<String> = a.iter().map(|e| as_json(e, is_variant)).collect();
            format!("json_array({})", items.join(", "))
        }
        "OBJECT_KEYS" => {
            let a = positional(f, name, 1, 1)?;
            format!("to_json(json_keys({}))", a[0])
        }
        "ARRAY_SIZE" => {
            let a = positional(f, name, 1, 1)?;
            format!(
                "CASE WHEN json_type({x}) = 'ARRAY' THEN json_array_length({x}) END",
                x = a[0]
            )
        }
        "ARRAY_CONTAINS" => {
            let a = positional(f, name, 2, 2)?;
            format!(
                "list_contains(CAST({} AS JSON[]), {})",
                a[1],
                as_json(&a[0], is_variant)
            )
        }
        "TYPEOF" => {
            let a = positional(f, name, 1, 1)?;
            if !is_variant(&a[0]) {
                return Err(Refusal::at(
                    &f.name,
                    "TYPEOF of a value that is not a VARIANT",
                    "TYPEOF reads a VARIANT: pass v:path or a VARIANT column cast with ::VARIANT",
                ));
            }
            typeof_text(&a[0])
        }
        _ => return Ok(None),
    };
    duck(f, &text).map(Some)
}

/// A value as JSON (a VARIANT as it is).
fn as_json(e: &Expr, is_variant: &dyn Fn(&Expr) -> bool) -> String {
    if is_variant(e) {
        e.to_string()
    } else {
        format!("to_json({e})")
    }
}

/// OBJECT_CONSTRUCT(k1, v1, ...): keys with a NULL value are left out (kept by _KEEP_NULL).
fn object_construct(f: &Function, name: &str) -> Result<String, Refusal> {
    let a = positional(f, name, 0, usize::MAX).map_err(|_| {
        Refusal::at(
            &f.name,
            format!("{name}(*)"),
            "list the keys and values: OBJECT_CONSTRUCT('a', a, 'b', b)",
        )
    })?;
    if a.len() % 2 != 0 {
        return Err(Refusal::at(
            &f.name,
            format!("{name} with an odd number of arguments"),
            "pass keys and values in pairs",
        ));
    }
    if a.is_empty() {
        return Ok("CAST('{}' AS JSON)".into());
    }
    let rows: Vec<String> = a
        .chunks_exact(2)
        .map(|p| format!("({}, to_json({}))", p[0], p[1]))
        .collect();
    let keep = if name == "OBJECT_CONSTRUCT" {
        "WHERE v IS NOT NULL AND k IS NOT NULL"
    } else {
        "WHERE k IS NOT NULL"
    };
    Ok(format!(
        "(SELECT coalesce(json_group_object(k, v), CAST('{{}}' AS JSON)) FROM (VALUES {}) AS o(k, v) {keep})",
        rows.join(", ")
    ))
}

/// TYPEOF's names for a JSON value's type.
fn typeof_text(x: &Expr) -> String {
    format!(
        "CASE json_type({x}) WHEN 'VARCHAR' THEN 'VARCHAR' WHEN 'BIGINT' THEN 'INTEGER' WHEN 'UBIGINT' THEN 'INTEGER' \
         WHEN 'DOUBLE' THEN CASE WHEN contains(lower(CAST({x} AS VARCHAR)), 'e') THEN 'DOUBLE' ELSE 'DECIMAL' END \
         WHEN 'BOOLEAN' THEN 'BOOLEAN' WHEN 'ARRAY' THEN 'ARRAY' WHEN 'OBJECT' THEN 'OBJECT' WHEN 'NULL' THEN 'NULL_VALUE' END"
    )
}

#[cfg(test)]
mod tests {
    use super::jsonpath;

    #[test]
    fn get_path_paths_as_jsonpath() {
        assert_eq!(jsonpath("a.b[0]").as_deref(), Some("$.a.b[0]"));
        assert_eq!(jsonpath("\"a b\".c").as_deref(), Some("$.\"a b\".c"));
        assert_eq!(jsonpath("[2].x").as_deref(), Some("$[2].x"));
        assert_eq!(jsonpath("a..b"), None);
    }
}
