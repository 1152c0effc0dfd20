//! Secrets in a file an error quotes: the value of a key such as `password` is masked in the
//! line shown under an error, as are the lines of a value that goes on below its key (a private
//! key's block). A project.yml with a syntax error is never parsed, so the masking reads the
//! text itself, YAML-like: `key: value` in a block, `{key: value, ...}` in a flow mapping.

/// Keys whose values are never printed, logged or written to an artifact.
pub const SECRET_KEYS: &[&str] = &[
    "password",
    "private_key",
    "private_key_passphrase",
    "token",
    "passphrase",
];

/// What a masked value shows.
const MASK: &str = "********";

/// Whether the value of `key` is a secret: one of `SECRET_KEYS`, or a name ending like one
/// (`db_password`, `auth_token`), ASCII case aside.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEYS.contains(&key.as_str())
        || ["password", "passphrase", "token", "secret", "private_key"]
            .iter()
            .any(|end| key.ends_with(end))
}

/// Line `line` (1-based) of `source` with any secret in it masked; None past the end.
pub(super) fn masked_line(source: &str, line: usize) -> Option<String> {
    // The indentation of a secret key whose value may go on in the lines below.
    let mut secret_block: Option<usize> = None;
    for (i, text) in source.lines().enumerate() {
        let indent = text.len() - text.trim_start().len();
        let inside = secret_block.is_some_and(|key| text.trim().is_empty() || indent > key);
        if inside {
            if i + 1 == line {
                return Some(format!("{}{MASK}", &text[..indent]));
            }
            continue;
        }
        let (masked, block) = mask(text);
        secret_block = block;
        if i + 1 == line {
            return Some(masked);
        }
    }
    None
}

/// `text` with the values of its secret keys masked, and the column of a secret key in block
/// style (its value may go on in the more indented lines below).
fn mask(text: &str) -> (String, Option<usize>) {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut block = None;
    let mut flow = 0usize; // open `{` and `[`
    let mut key_may_start = true;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if key_may_start && !b.is_ascii_whitespace() && b != b'-' {
            key_may_start = false;
            if let Some((key, value_at)) = key_at(text, at)
                && is_secret_key(key)
            {
                let end = value_end(text, value_at, flow > 0);
                out.push_str(&text[at..value_at]);
                if end > value_at {
                    out.push_str(MASK);
                }
                if flow == 0 {
                    block = Some(at);
                }
                at = end;
                continue;
            }
        }
        match b {
            b'{' | b'[' => {
                flow += 1;
                key_may_start = true;
            }
            b'}' | b']' => flow = flow.saturating_sub(1),
            b',' if flow > 0 => key_may_start = true,
            b'\'' | b'"' => {
                // Copy a quoted string whole (a comma or brace in it is no separator).
                let end = quoted_end(text, at);
                out.push_str(&text[at..end]);
                at = end;
                continue;
            }
            _ => {}
        }
        let len = text[at..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[at..at + len]);
        at += len;
    }
    (out, block)
}

/// The key that starts at byte `at` of `text` (plain or quoted) and where its value starts,
/// when `:` and a space or the end of the line follow it.
fn key_at(text: &str, at: usize) -> Option<(&str, usize)> {
    let rest = &text[at..];
    let (key, after) = match rest.as_bytes().first() {
        Some(&q @ (b'\'' | b'"')) => {
            let close = rest[1..].find(q as char)? + 1;
            (&rest[1..close], close + 1)
        }
        _ => {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
                .unwrap_or(rest.len());
            (&rest[..len], len)
        }
    };
    let colon = after + rest[after..].len() - rest[after..].trim_start_matches(' ').len();
    let tail = rest[colon..].strip_prefix(':')?;
    if !(tail.is_empty() || tail.starts_with([' ', '\t'])) || key.is_empty() {
        return None;
    }
    let value = colon + 1 + (tail.len() - tail.trim_start().len());
    Some((key, at + value))
}

/// Where the value starting at byte `at` ends: after its closing quote when quoted, else at the
/// next `,` or closing bracket in a flow mapping, else at the end of the line.
fn value_end(text: &str, at: usize, flow: bool) -> usize {
    match text.as_bytes().get(at) {
        Some(b'\'' | b'"') => quoted_end(text, at),
        _ if flow => text[at..].find([',', '}', ']']).map_or(text.len(), |i| at + i),
        _ => text.len(),
    }
}

/// The byte after the quote that closes the string opening at `at` (the end of the line when
/// it is not closed on it).
fn quoted_end(text: &str, at: usize) -> usize {
    let quote = text.as_bytes()[at] as char;
    text[at + 1..].find(quote).map_or(text.len(), |i| at + 1 + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(source: &str, n: usize) -> String {
        masked_line(source, n).unwrap_or_default()
    }

    #[test]
    fn block_values_are_masked() {
        assert_eq!(line("  password: hunter2: x", 1), "  password: ********");
        assert_eq!(line("- token: 'a: b' # note", 1), "- token: ******** # note");
        assert_eq!(line("    DB_Password:   hunter2", 1), "    DB_Password:   ********");
        assert_eq!(line("    user: me", 1), "    user: me");
        assert_eq!(line("password:", 1), "password:");
    }

    #[test]
    fn flow_values_are_masked() {
        assert_eq!(
            line("dev: {type: duckdb, password: 'a,b}', schema: [a}", 1),
            "dev: {type: duckdb, password: ********, schema: [a}"
        );
        assert_eq!(line("dev: {\"token\": abc}", 1), "dev: {\"token\": ********}");
        assert_eq!(line("dev: {user: 'password: x'}", 1), "dev: {user: 'password: x'}");
    }

    #[test]
    fn lines_of_a_value_below_its_key_are_masked() {
        let source = "dev:\n  private_key: |\n    MIIEvQ\n\n    more\n  user: me\n";
        assert_eq!(line(source, 3), "    ********");
        assert_eq!(line(source, 4), "********");
        assert_eq!(line(source, 5), "    ********");
        assert_eq!(line(source, 6), "  user: me");
        assert_eq!(masked_line(source, 7), None);
    }
}
