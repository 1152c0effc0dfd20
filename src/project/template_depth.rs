//! How deep a template's expressions are, read before minijinja compiles it. minijinja reads a
//! chain of operators (`a ~ b ~ c ...`, `x or y or ...`, `- - - x`, `x|f|f|f`) into a tree as deep
//! as the chain is long, and compiles and drops that tree with nested calls: a chain of some
//! thousands overflows the stack and aborts the process. (It bounds brackets and nested blocks
//! itself, at 150 levels.) A template with more than `MAX_OPERATORS` operators in one `{{ }}` or
//! `{% %}` is refused with its file and line instead. Every place that compiles Jinja asks
//! first: the project's Jinja environment (models, macros, tests, hooks), target settings, and
//! package specs.

/// The most operators one `{{ }}` or `{% %}` may hold. A debug build compiles and renders
/// chains of this length on a 2 MiB thread stack (see the tests); real templates hold tens.
pub const MAX_OPERATORS: usize = 500;

/// The detail of the minijinja error that stands for "too deep" until `jinja_error` turns it
/// into mozt's error with the line (minijinja's errors cannot be given one from outside).
pub const TOO_DEEP: &str = "mozt: expression too deep";

/// Where a template holds an expression with more than `MAX_OPERATORS` operators.
#[derive(Debug, PartialEq, Eq)]
pub struct TooDeep {
    /// The 1-based line where the `{{` or `{%` opens.
    pub line: usize,
    pub operators: usize,
}

const WORDS: &[&str] = &["and", "or", "not", "in", "is", "if", "else"];

/// Why `text` is not given to minijinja, if it holds an expression too deep to compile.
pub fn refuse(text: &str) -> Result<(), String> {
    match too_deep(text) {
        Some(d) => Err(d.message()),
        None => Ok(()),
    }
}

impl TooDeep {
    /// What is wrong, for a user.
    pub fn message(&self) -> String {
        format!(
            "a Jinja expression with {} operators: more than mozt compiles safely (at most {MAX_OPERATORS} in one {{{{ }}}} or {{% %}})",
            self.operators
        )
    }
}

/// The first `{{ }}` or `{% %}` of `text` with more than `MAX_OPERATORS` operators, if any
/// (comments and `raw` blocks are not read; string literals inside a tag are skipped).
pub fn too_deep(text: &str) -> Option<TooDeep> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut line = 1;
    while at + 1 < bytes.len() {
        let pair = &bytes[at..at + 2];
        if pair == b"{#" {
            let end = find(bytes, at + 2, b"#}").map_or(bytes.len(), |e| e + 2);
            line += count_lines(&bytes[at..end]);
            at = end;
        } else if pair == b"{{" || pair == b"{%" {
            let (end, operators, raw) = tag(bytes, at + 2);
            if operators > MAX_OPERATORS {
                return Some(TooDeep { line, operators });
            }
            line += count_lines(&bytes[at..end]);
            at = end;
            if raw {
                let end = end_of_raw(bytes, at);
                line += count_lines(&bytes[at..end]);
                at = end;
            }
        } else {
            line += usize::from(bytes[at] == b'\n');
            at += 1;
        }
    }
    None
}

/// Read a tag from `start` (just after its `{{` or `{%`): where it ends (after its `}}` or
/// `%}`), how many operators it holds, and whether it is `{% raw %}`.
fn tag(bytes: &[u8], start: usize) -> (usize, usize, bool) {
    let mut operators = 0;
    let mut braces = 0usize;
    let mut at = start;
    let mut first_word = true;
    let mut raw = false;
    while at < bytes.len() {
        let b = bytes[at];
        match b {
            b'\'' | b'"' => {
                at = end_of_string(bytes, at);
                continue;
            }
            b'{' => braces += 1,
            b'}' if braces > 0 => braces -= 1,
            b'}' | b'%' if bytes.get(at + 1) == Some(&b'}') => return (at + 2, operators, raw),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'|' | b'.' | b'<' | b'>' | b'=' | b'!' => operators += 1,
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let len = bytes[at..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                let word = &bytes[at..at + len];
                if WORDS.iter().any(|w| w.as_bytes() == word) {
                    operators += 1;
                }
                raw |= first_word && word == b"raw";
                first_word = false;
                at += len;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    (bytes.len(), operators, raw)
}

/// The byte after the string literal opening at `at` (a backslash escapes the next byte).
fn end_of_string(bytes: &[u8], at: usize) -> usize {
    let quote = bytes[at];
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Where the text of a `raw` block that starts at `at` ends: at its `{% endraw %}` tag's `{%`.
fn end_of_raw(bytes: &[u8], mut at: usize) -> usize {
    while let Some(open) = find(bytes, at, b"{%") {
        let rest = &bytes[open + 2..];
        let word_at = rest.iter().position(|c| !(c.is_ascii_whitespace() || *c == b'-'));
        if word_at.is_some_and(|w| rest[w..].starts_with(b"endraw")) {
            return open;
        }
        at = open + 2;
    }
    bytes.len()
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expressions of `n` operators of each kind that builds depth.
    fn chains(n: usize) -> Vec<String> {
        vec![
            vec!["1"; n + 1].join(" + "),
            vec!["'a'"; n + 1].join(" ~ "),
            vec!["false"; n + 1].join(" or "),
            format!("{}1", "- ".repeat(n)),
            format!("{}1", "not ".repeat(n)),
            format!("1{}", "|abs".repeat(n)),
            format!("1{}", " if true else 1".repeat(n / 2)),
        ]
    }

    #[test]
    fn chains_up_to_the_bound_compile_and_render_on_a_small_stack() {
        // A worker thread's stack (2 MiB) in a debug build: an overflow would abort this test.
        let worker = std::thread::Builder::new().stack_size(2 << 20).spawn(|| {
            let env = minijinja::Environment::new();
            for e in chains(MAX_OPERATORS) {
                let text = format!("select {{{{ {e} }}}}");
                assert_eq!(too_deep(&text), None, "{}", &text[..40]);
                let rendered = env.render_str(&text, ());
                assert!(rendered.is_ok(), "{rendered:?}");
            }
        });
        assert!(worker.is_ok_and(|w| w.join().is_ok()));
    }

    #[test]
    fn a_longer_chain_is_found_at_its_line() {
        for e in chains(MAX_OPERATORS + 2) {
            let text = format!("-- {{# a - b - c #}} 'x'\nselect 1,\n  {{{{ {e} }}}}\n");
            let found = too_deep(&text).map(|t| t.line);
            assert_eq!(found, Some(3), "{}", &e[..20]);
        }
    }

    #[test]
    fn strings_comments_and_raw_blocks_are_not_read() {
        let many = "- ".repeat(MAX_OPERATORS + 1);
        for text in [
            format!("{{{{ '{many}' }}}}"),
            format!("{{# {many} #}}"),
            format!("{{% raw %}}{{{{ {many}1 }}}}{{% endraw %}}"),
            format!("select {many} 1"),
            format!("{{{{ {{'a': {{'b': 1}}}} }}}} {many}"),
        ] {
            assert_eq!(too_deep(&text), None, "{}", &text[..30]);
        }
    }
}
