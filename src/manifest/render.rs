//! A node's parse render, kept to be reused by compile: the rendered text with numbered
//! placeholders where `ref()`, `source()` and `this` printed, and the reads that decide whether
//! the text still stands at compile time. `jinja::prerender` records it during a render; compile
//! fills the placeholders in (see that module for when a render's text is kept).

use serde::{Deserialize, Serialize};
use serde_json::Map;

/// A `ref()` call as a template made it: `ref('name')` or `ref('package', 'name')`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefCall {
    pub package: Option<String>,
    pub name: String,
}

/// What a placeholder stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placeholder {
    Ref(RefCall),
    Source(String, String),
    This,
}

/// The placeholders and reads of one parse render under way.
#[derive(Debug, Default)]
pub struct Pending {
    pub placeholders: Vec<Placeholder>,
    /// Something observed a placeholder other than by printing it: the text is not reusable.
    pub tainted: bool,
    /// `config.get(key)` calls and the (non-null) value each returned.
    pub config_reads: Vec<(String, Option<serde_json::Value>)>,
    /// `is_incremental()` was called.
    pub read_incremental: bool,
    /// Something read the node's own context (`model.name`, ...): the text belongs to this node
    /// alone and cannot serve another node's render (see `Prerender::for_subject`).
    pub read_node: bool,
}

/// A parse render's text, reusable as the compiled SQL once its placeholders are filled in.
/// Kept in the partial-parse cache with the render's other records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prerender {
    text: String,
    placeholders: Vec<Placeholder>,
    config_reads: Vec<(String, Option<serde_json::Value>)>,
    read_incremental: bool,
    /// See `Pending::read_node`; true when not known (an entry saved before it was recorded).
    #[serde(default = "unknown")]
    read_node: bool,
}

fn unknown() -> bool {
    true
}

const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';
/// Both cases, so that any case-changing filter applied to printed text breaks the marker.
const MARK: &str = "rR";

/// The text a placeholder prints as.
pub(crate) fn sentinel(i: usize) -> String {
    format!("{OPEN}{MARK}{i}{CLOSE}")
}

impl Pending {
    /// A new placeholder; its number.
    pub fn add(&mut self, p: Placeholder) -> usize {
        self.placeholders.push(p);
        self.placeholders.len() - 1
    }

    /// Finish a render: the reusable text, or None when it is tainted.
    pub fn finish(self, text: String) -> Option<Prerender> {
        if self.tainted {
            return None;
        }
        Some(Prerender {
            text,
            placeholders: self.placeholders,
            config_reads: self.config_reads,
            read_incremental: self.read_incremental,
            read_node: self.read_node,
        })
    }
}

/// A piece of a parse render's text: literal text, or a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a Placeholder),
}

impl Prerender {
    /// The same render for another subject: the one placeholder that stands for `from` stands
    /// for `to` instead. None when the render read its node's context, or `from` is not exactly
    /// one placeholder (a test whose arguments also name its subject).
    ///
    /// Sound because the text cannot depend on what a placeholder stands for (anything that
    /// observes one taints the render), so a template rendered with another relation in that
    /// place prints the same text around it.
    pub fn for_subject(&self, from: &Placeholder, to: &Placeholder) -> Option<Prerender> {
        if self.read_node {
            return None;
        }
        let mut out = self.clone();
        replace_one(&mut out.placeholders, from, to)?;
        Some(out)
    }

    /// The text split at its placeholders; None when a marker was altered after it was printed.
    pub fn pieces(&self) -> Option<Vec<Piece<'_>>> {
        let mut out = vec![];
        let mut rest = self.text.as_str();
        while let Some(at) = rest.find(OPEN) {
            if at > 0 {
                out.push(Piece::Text(&rest[..at]));
            }
            let after = rest[at + OPEN.len_utf8()..].strip_prefix(MARK)?;
            let end = after.find(CLOSE)?;
            let index: usize = after[..end].parse().ok()?;
            out.push(Piece::Placeholder(self.placeholders.get(index)?));
            rest = &after[end + CLOSE.len_utf8()..];
        }
        if !rest.is_empty() {
            out.push(Piece::Text(rest));
        }
        Some(out)
    }

    /// The SQL with every placeholder filled in by `resolve` (which appends what it stands for
    /// to the text so far), or None when the parse text cannot stand for a compile render: a
    /// config read differs now, `is_incremental()` is true, a placeholder does not resolve, or
    /// a marker was altered after it was printed.
    pub fn fill(
        &self,
        config: &Map<String, serde_json::Value>,
        incremental: bool,
        resolve: impl Fn(&Placeholder, &mut String) -> Option<()>,
    ) -> Option<String> {
        if incremental && self.read_incremental {
            return None;
        }
        let unchanged = self
            .config_reads
            .iter()
            .all(|(key, seen)| config.get(key).filter(|v| !v.is_null()) == seen.as_ref());
        if !unchanged {
            return None;
        }
        let mut out = String::with_capacity(self.text.len() + 64 * self.placeholders.len());
        for piece in self.pieces()? {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Placeholder(p) => resolve(p, &mut out)?,
            }
        }
        Some(out)
    }
}

/// Replace the one element of `list` equal to `from` with `to`; None (and `list` unchanged)
/// unless exactly one is.
pub(crate) fn replace_one<T: PartialEq + Clone>(list: &mut [T], from: &T, to: &T) -> Option<()> {
    let mut hits = list.iter().enumerate().filter(|(_, x)| *x == from).map(|(i, _)| i);
    let (Some(at), None) = (hits.next(), hits.next()) else {
        return None;
    };
    list[at] = to.clone();
    Some(())
}

/// Whether text holds a placeholder.
pub(crate) fn holds_placeholder(text: &str) -> bool {
    text.contains(OPEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(text: &str, placeholders: Vec<Placeholder>) -> Prerender {
        Prerender {
            text: text.to_string(),
            placeholders,
            config_reads: vec![("where".into(), None)],
            read_incremental: true,
            read_node: false,
        }
    }

    #[test]
    fn serves_another_subject_only_when_it_is_one_placeholder() {
        let r = |name: &str| {
            Placeholder::Ref(RefCall {
                package: None,
                name: name.into(),
            })
        };
        let p = pre(
            &format!("select * from {}", sentinel(1)),
            vec![Placeholder::This, r("a")],
        );
        let q = p.for_subject(&r("a"), &r("b")).expect("one placeholder for a");
        assert_eq!(q.placeholders, vec![Placeholder::This, r("b")]);
        assert!(p.for_subject(&r("x"), &r("b")).is_none());
        // `a` is also an argument of the test: which placeholder is the subject is not known.
        let twice = pre("", vec![r("a"), r("a")]);
        assert!(twice.for_subject(&r("a"), &r("b")).is_none());
        let mut own = pre("", vec![r("a")]);
        own.read_node = true;
        assert!(own.for_subject(&r("a"), &r("b")).is_none());
        // An entry saved before read_node was recorded is taken as having read it.
        let old: Prerender =
            serde_json::from_str(r#"{"text":"","placeholders":[],"config_reads":[],"read_incremental":false}"#)
                .unwrap();
        assert!(old.read_node);
    }

    #[test]
    fn fills_placeholders_and_refuses_altered_markers() {
        let refs = vec![
            Placeholder::Ref(RefCall {
                package: None,
                name: "a".into(),
            }),
            Placeholder::This,
        ];
        let resolve = |p: &Placeholder, out: &mut String| {
            match p {
                Placeholder::Ref(r) => out.push_str(&format!("main.{}", r.name)),
                Placeholder::This => out.push_str("main.me"),
                Placeholder::Source(..) => return None,
            }
            Some(())
        };
        let text = format!("select * from {} join {} -- {}", sentinel(0), sentinel(1), sentinel(0));
        let p = pre(&text, refs.clone());
        let config = Map::new();
        assert_eq!(
            p.fill(&config, false, resolve).as_deref(),
            Some("select * from main.a join main.me -- main.a")
        );
        // is_incremental() was read: an incremental compile renders again.
        assert_eq!(p.fill(&config, true, resolve), None);
        // A config read that now answers differently.
        let mut changed = Map::new();
        changed.insert("where".into(), serde_json::json!("x > 1"));
        assert_eq!(p.fill(&changed, false, resolve), None);
        // Markers changed by a filter after printing, or pointing nowhere.
        for bad in [text.to_uppercase(), text.to_lowercase(), format!("x {}", sentinel(7))] {
            assert_eq!(pre(&bad, refs.clone()).fill(&config, false, resolve), None, "{bad:?}");
        }
        // A placeholder that does not resolve.
        let src = pre(&sentinel(0), vec![Placeholder::Source("s".into(), "t".into())]);
        assert_eq!(src.fill(&config, false, resolve), None);
    }
}
