//! Tests whose SQL differs only in the relations it names share one syntax check.
//!
//! A data test's SQL is only checked for syntax, and generic tests repeat the same SQL with
//! other relations (`not_null` on `id` reads the same for every model). Whether SQL parses
//! does not depend on which relation a `{{ ref() }}` printed, as long as every relation
//! printed is a plain dotted name (`analytics.stg_users`: unquoted parts that are not SQL
//! keywords) standing on its own (no letter, digit, quote, dot or parenthesis touching it):
//! the tokens are the same, only identifier values differ. Such tests are grouped by their
//! parse text with each relation replaced by its number of parts, and each group is parsed
//! once; a group that fails is parsed test by test, so that each test gets its own error.

use crate::jinja::prerender::Piece;
use crate::manifest::{Manifest, Node};

/// Placeholder marks in a key (the parse render uses U+0001/U+0002 too; they cannot appear
/// in a key's literal text since the render's text held none outside placeholders).
const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

/// The syntax key of `node`, whose compiled SQL is `sql`; None when the SQL must be parsed on
/// its own (no reusable parse render, a relation that is not a plain name, a relation touching
/// other text, or compiled SQL that is not the parse render filled in).
pub(super) fn key(manifest: &Manifest, node: &Node, sql: &str) -> Option<String> {
    let pieces = node.prerender.as_ref()?.pieces()?;
    let mut key = String::with_capacity(sql.len());
    let mut filled = 0usize; // bytes of `sql` matched so far
    for (n, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(t) => {
                if t.contains([OPEN, CLOSE]) || !sql[filled..].starts_with(t) {
                    return None;
                }
                key.push_str(t);
                filled += t.len();
            }
            Piece::Placeholder(p) => {
                let relation = crate::compile::fill(manifest, node, p)?;
                let parts = plain_parts(&relation)?;
                let before = n.checked_sub(1).and_then(|b| text_of(pieces[b]).chars().next_back());
                let after = pieces.get(n + 1).and_then(|a| text_of(*a).chars().next());
                if before.is_some_and(touches) || after.is_some_and(touches) || !sql[filled..].starts_with(&relation) {
                    return None;
                }
                key.push(OPEN);
                key.push_str(&parts.to_string());
                key.push(CLOSE);
                filled += relation.len();
            }
        }
    }
    (filled == sql.len()).then_some(key)
}

fn text_of(piece: Piece<'_>) -> &str {
    match piece {
        Piece::Text(t) => t,
        // Two placeholders side by side touch each other.
        Piece::Placeholder(_) => "a",
    }
}

/// A character that would join a relation name to its neighbour or change how it is read.
fn touches(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '"' | '\'' | '`' | '(' | '[' | '@' | '#' | ':')
}

/// The number of parts of a plain dotted name; None for anything else.
fn plain_parts(relation: &str) -> Option<usize> {
    let mut n = 0;
    for part in relation.split('.') {
        let mut chars = part.chars();
        let first = chars.next()?;
        if !first.is_ascii_alphabetic() || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') || is_keyword(part) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

fn is_keyword(word: &str) -> bool {
    crate::sql::tokens::keyword(word.as_bytes()) != sqlparser::keywords::Keyword::NoKeyword
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_only() {
        assert_eq!(plain_parts("analytics.stg_users"), Some(2));
        assert_eq!(plain_parts("db.analytics.stg_users"), Some(3));
        assert_eq!(plain_parts("analytics.\"Stg\""), None);
        assert_eq!(plain_parts("analytics.select"), None);
        assert_eq!(plain_parts("analytics.date"), None);
        assert_eq!(plain_parts("analytics._x"), None);
        assert_eq!(plain_parts("analytics..x"), None);
        assert_eq!(plain_parts("analytics.stg-x"), None);
    }
}
