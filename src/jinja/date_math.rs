//! Date arithmetic in templates: `modules.datetime.date.today() - modules.datetime.timedelta(2)`.
//! minijinja's `+` and `-` work on numbers, strings and lists only, so before a template is
//! compiled, `<left> - modules.datetime.timedelta(...)` becomes a method call on the left
//! operand, `<left> .__mozt_sub(modules.datetime.timedelta(...))` (and `+` `__mozt_add`).
//!
//! The method binds to the name, call, attribute chain or bracketed expression just before the
//! operator, which is what `-` takes as its left side unless a `*`, `/` or `%` comes before it
//! (`a * b - timedelta(1)`; no dbt package writes that). Nothing else moves: line numbers stay
//! the template's.

use super::pydatetime::{ADD, SUB};

const CALL: &str = "modules.datetime.timedelta(";

/// `text` with its `± modules.datetime.timedelta(...)` rewritten; None when it has none.
pub(crate) fn rewrite(text: &str) -> Option<String> {
    if !text.contains(CALL) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut closes: Vec<usize> = vec![];
    for (at, _) in text.match_indices(CALL) {
        let Some((op_at, method)) = operator_before(text, at) else {
            continue;
        };
        let Some(close) = closing_paren(text, at + CALL.len()) else {
            continue;
        };
        if op_at < copied {
            continue;
        }
        flush(text, &mut out, &mut copied, op_at, &mut closes);
        out.push('.');
        out.push_str(method);
        out.push('(');
        copied = op_at + 1;
        closes.push(close + 1);
        closes.sort_unstable_by(|a, b| b.cmp(a));
    }
    flush(text, &mut out, &mut copied, text.len(), &mut closes);
    Some(out)
}

/// Copy `text[copied..to]` into `out`, with a `)` after each closing parenthesis in `closes`
/// (kept sorted from last to first) that falls in that range.
fn flush(text: &str, out: &mut String, copied: &mut usize, to: usize, closes: &mut Vec<usize>) {
    while let Some(&close) = closes.last().filter(|&&c| c <= to) {
        out.push_str(&text[*copied..close]);
        out.push(')');
        *copied = close;
        closes.pop();
    }
    out.push_str(&text[*copied..to]);
    *copied = to;
}

/// The byte offset of the `-` or `+` before `at` (spaces between) and the method it becomes,
/// when that operator is binary: something a value ends with comes before it.
fn operator_before(text: &str, at: usize) -> Option<(usize, &'static str)> {
    let before = text[..at].trim_end();
    let method = match before.chars().next_back()? {
        '-' => SUB,
        '+' => ADD,
        _ => return None,
    };
    let op_at = before.len() - 1;
    let left = text[..op_at].trim_end().chars().next_back()?;
    (left.is_alphanumeric() || matches!(left, '_' | ')' | ']' | '\'' | '"')).then_some((op_at, method))
}

/// The offset of the `)` closing the parenthesis opened just before `from`, skipping quoted
/// strings.
fn closing_paren(text: &str, from: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut quote: Option<char> = None;
    for (i, c) in text[from..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return (c == ')').then_some(from + i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timedelta_arithmetic_becomes_a_method_call() {
        assert_eq!(
            rewrite("{{ modules.datetime.date.today() - modules.datetime.timedelta(365) }}").as_deref(),
            Some("{{ modules.datetime.date.today() .__mozt_sub( modules.datetime.timedelta(365)) }}")
        );
        assert_eq!(
            rewrite("{% set s = (end - modules.datetime.timedelta(days=(1 + 2))) %}{{ s + modules.datetime.timedelta(hours=1) }}")
                .as_deref(),
            Some(
                "{% set s = (end .__mozt_sub( modules.datetime.timedelta(days=(1 + 2)))) %}{{ s .__mozt_add( modules.datetime.timedelta(hours=1)) }}"
            )
        );
        // Unary minus and a bare timedelta are left alone.
        assert_eq!(
            rewrite("{{ [-modules.datetime.timedelta(1), modules.datetime.timedelta(2)] }}").as_deref(),
            Some("{{ [-modules.datetime.timedelta(1), modules.datetime.timedelta(2)] }}")
        );
        assert_eq!(rewrite("select 1"), None);
    }

    #[test]
    fn a_line_break_after_the_operator_stays() {
        assert_eq!(
            rewrite("{{ d -\n modules.datetime.timedelta(1) }}").as_deref(),
            Some("{{ d .__mozt_sub(\n modules.datetime.timedelta(1)) }}")
        );
    }
}
