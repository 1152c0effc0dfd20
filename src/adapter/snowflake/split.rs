//! Split a script into statements. Snowflake's query-request runs one statement unless asked for
//! several (MULTI_STATEMENT_COUNT), so a script (`begin; ...; commit`) goes statement by statement.
//! A `;` inside a string, a quoted name, a comment or a `$$ ... $$` block does not split.

pub fn statements(sql: &str) -> Vec<String> {
    let b = sql.as_bytes();
    let mut out = vec![];
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' && q == b'\'' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q {
                        if i + 1 < b.len() && b[i + 1] == q {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'$' if b.get(i + 1) == Some(&b'$') => {
                i += 2;
                while i < b.len() && !(b[i] == b'$' && b.get(i + 1) == Some(&b'$')) {
                    i += 1;
                }
                i += 2;
            }
            b';' => {
                push(&mut out, &sql[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < sql.len() {
        push(&mut out, &sql[start..]);
    }
    out
}

fn push(out: &mut Vec<String>, stmt: &str) {
    if has_code(stmt) {
        out.push(stmt.trim().to_string());
    }
}

/// Whether a piece holds more than whitespace and comments.
fn has_code(s: &str) -> bool {
    let mut rest = s.trim_start();
    loop {
        if rest.is_empty() {
            return false;
        }
        if let Some(r) = rest.strip_prefix("--").or_else(|| rest.strip_prefix("//")) {
            rest = r.split_once('\n').map(|(_, t)| t).unwrap_or("").trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map(|(_, t)| t).unwrap_or("").trim_start();
        } else {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn splits_outside_strings_names_and_comments() {
        let s = "begin transaction;\nselect 'a;b', \"x;y\" -- c;d\nfrom t;\n/* e;f */ commit;\n";
        assert_eq!(
            statements(s),
            vec![
                "begin transaction",
                "select 'a;b', \"x;y\" -- c;d\nfrom t",
                "/* e;f */ commit"
            ]
        );
        assert_eq!(statements("select 1"), vec!["select 1"]);
        assert_eq!(
            statements("select 'it''s;' ; -- only a comment\n"),
            vec!["select 'it''s;'"]
        );
        assert_eq!(
            statements("create function f() returns int as $$ select 1; $$; select 2"),
            vec!["create function f() returns int as $$ select 1; $$", "select 2"]
        );
    }
}
