//! Lines of keys in a YAML file, for messages that name file:line. serde's YAML values carry
//! no positions, so the key is found in the text: each key of the path must sit indented
//! under the previous one.

/// The 1-based line of the key at `path` (`["flags", "partial_parse"]`), if it is written in
/// block style; a key inside a flow mapping (`{a: 1}`) is reported at its parent's line.
pub(super) fn key_line(text: &str, path: &[&str]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    let mut parent_indent: Option<usize> = None;
    let mut found = None;
    for key in path {
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            if let Some(p) = parent_indent
                && indent <= p
                && i > start
            {
                break;
            }
            let body = trimmed.trim_start_matches("- ");
            let level = match parent_indent {
                None => indent == 0,
                Some(p) => indent > p,
            };
            if level && starts_with_key(body, key) {
                hit = Some((i, indent));
                break;
            }
        }
        match hit {
            Some((i, indent)) => {
                found = Some(i + 1);
                start = i + 1;
                parent_indent = Some(indent);
            }
            // A key written inside a flow mapping: report its parent's line.
            None => return found.or_else(|| flow_line(text, key)),
        }
    }
    found
}

fn flow_line(text: &str, key: &str) -> Option<usize> {
    crate::error::line_of(text, &format!("{key}:"))
}

fn starts_with_key(body: &str, key: &str) -> bool {
    for quote in ["", "\"", "'"] {
        let quoted = format!("{quote}{key}{quote}");
        if let Some(rest) = body.strip_prefix(&quoted)
            && rest.trim_start().starts_with(':')
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::key_line;

    #[test]
    fn finds_nested_keys_under_their_parents() {
        let text = "name: p\nflags:\n  # c\n  partial_parse: true\nvars:\n  partial_parse: 1\n  'x': {a: 1}\n";
        assert_eq!(key_line(text, &["name"]), Some(1));
        assert_eq!(key_line(text, &["flags", "partial_parse"]), Some(4));
        assert_eq!(key_line(text, &["vars", "partial_parse"]), Some(6));
        assert_eq!(key_line(text, &["vars", "x"]), Some(7));
        assert_eq!(key_line(text, &["vars", "x", "a"]), Some(7));
        assert_eq!(key_line(text, &["nope"]), None);
    }
}
