//! Model text with whitespace and comments that cannot change the SQL taken out, so that
//! reformatting a model or editing its comments does not make it "modified".
//!
//! The text is a Jinja template, so:
//! - `{# ... #}` Jinja comments are dropped;
//! - `{{ ... }}` and `{% ... %}` tags are kept verbatim (whitespace control such as `{{-` matters);
//!   whitespace between a tag and the SQL around it is kept as one space;
//! - outside tags, SQL `--` and `/* */` comments become whitespace, and a run of whitespace is
//!   kept (as one space) only between two word characters (`select a` vs `selecta`) or two
//!   operator characters (`- -` vs `--`); next to brackets, commas and the like it is dropped;
//! - quoted strings and identifiers ('...', "...", `...`, $$...$$) are kept verbatim.
//!
//! Anything the rules do not cover is kept, so the worst case is a change reported as a
//! modification, never a real change hidden.

/// The normalized text.
pub(crate) fn normalize(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Whitespace (or a comment) was seen since the last thing written.
    let mut pending = false;
    while i < b.len() {
        let rest = &text[i..];
        let next = b.get(i + 1).copied();
        match (b[i], next) {
            (b'{', Some(b'#')) => {
                i += rest.find("#}").map(|e| e + 2).unwrap_or(rest.len());
                continue;
            }
            (b'{', Some(open @ (b'{' | b'%'))) => {
                let close = if open == b'{' { "}}" } else { "%}" };
                let end = tag_end(rest, close);
                if pending && !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&rest[..end]);
                // Whitespace after a tag is significant too: mark it with a following space.
                i += end;
                pending = false;
                if text[i..].starts_with(char::is_whitespace) {
                    out.push(' ');
                    i += text[i..].len() - text[i..].trim_start().len();
                }
                continue;
            }
            (b'-', Some(b'-')) => {
                i += rest.find('\n').unwrap_or(rest.len());
                pending = true;
                continue;
            }
            (b'/', Some(b'*')) => {
                i += rest.find("*/").map(|e| e + 2).unwrap_or(rest.len());
                pending = true;
                continue;
            }
            _ => {}
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            pending = true;
            continue;
        }
        let piece_end = match c {
            '\'' | '"' | '`' => quoted_end(rest, c),
            '$' if rest.starts_with("$$") => rest[2..].find("$$").map(|e| e + 4).unwrap_or(rest.len()),
            _ => c.len_utf8(),
        };
        if pending && let Some(prev) = out.chars().next_back() {
            let keep = prev == ' ' || (is_word(prev) && is_word(c)) || (is_op(prev) && is_op(c));
            if keep && prev != ' ' {
                out.push(' ');
            }
        }
        pending = false;
        // The piece, and the characters after it that are pieces of their own and start
        // nothing (written as they are, nothing pending between them).
        let run_end = piece_end + rest.as_bytes()[piece_end..].iter().take_while(|b| plain(**b)).count();
        out.push_str(&rest[..run_end]);
        i += run_end;
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    out
}

/// An ASCII character that is neither whitespace nor the start of a comment, tag, quoted
/// string or `$$` string.
fn plain(b: u8) -> bool {
    b.is_ascii()
        && !b.is_ascii_whitespace()
        && b != 0x0b
        && !matches!(b, b'{' | b'-' | b'/' | b'\'' | b'"' | b'`' | b'$')
}

/// The end of a Jinja tag starting at 0 (after `close`), skipping quoted strings inside it.
fn tag_end(text: &str, close: &str) -> usize {
    let b = text.as_bytes();
    let mut i = 2;
    while i < b.len() {
        if b[i..].starts_with(close.as_bytes()) {
            return i + close.len();
        }
        // Bytes of a multi-byte character never equal a quote or `close`.
        i += match b[i] {
            q @ (b'\'' | b'"') => quoted_end(&text[i..], char::from(q)),
            _ => 1,
        };
    }
    text.len()
}

/// The end of a string quoted with `q` (ASCII) starting at 0; a doubled quote or a backslash
/// escapes.
fn quoted_end(text: &str, q: char) -> usize {
    let b = text.as_bytes();
    let q = q as u8;
    let mut i = 1;
    while i < b.len() {
        if b[i] == b'\\' {
            // The escaped character's other bytes (if any) are neither quotes nor backslashes.
            i += 2;
        } else if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    text.len()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '@' | '#' | ':' | '\'' | '"' | '`')
}

fn is_op(c: char) -> bool {
    matches!(
        c,
        '+' | '-' | '*' | '/' | '<' | '>' | '=' | '!' | '|' | '&' | '%' | '^' | '~'
    )
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn whitespace_and_comments_do_not_count() {
        let a = "select a, b\nfrom {{ ref('x') }}\nwhere a > 1\n";
        let b = "-- the model\nselect a,b   /* two columns */\n\n  from {{ ref('x') }} where a>1 -- filter\n{# note #}";
        assert_eq!(normalize(a), normalize(b));
    }

    #[test]
    fn real_changes_count() {
        let base = normalize("select a from t");
        for changed in [
            "select b from t",
            "select a from t2",
            "selecta from t",
            "select 'a  b' from t",
            "select a from t where x = '-- not a comment'",
        ] {
            assert_ne!(base, normalize(changed), "{changed}");
        }
        assert_ne!(normalize("select 'a b'"), normalize("select 'a  b'"));
        assert_ne!(normalize("select a - -1"), normalize("select a --1"));
        assert_ne!(normalize("select a {{ x }}"), normalize("select a{{ x }}"));
        assert_ne!(normalize("select {{ x }} b"), normalize("select {{ x }}b"));
        assert_ne!(normalize("{{- x }}"), normalize("{{ -x }}"));
        assert_ne!(normalize("select \"a b\""), normalize("select \"a  b\""));
        assert_ne!(normalize("select $$a  b$$"), normalize("select $$a b$$"));
        assert_ne!(normalize("select a < = b"), normalize("select a <= b"));
    }

    #[test]
    fn strings_with_quotes_and_jinja_strings() {
        assert_eq!(normalize("select 'it''s'  as x"), "select 'it''s' as x");
        assert_eq!(
            normalize("{{ config(alias='a }} b') }}\nselect 1"),
            "{{ config(alias='a }} b') }} select 1"
        );
    }
}
