//! Docs blocks, as in dbt: `{% docs name %} Markdown {% enddocs %}` in `.md` files under the
//! project's model, seed, snapshot and macro paths, which a description in schema YAML pulls in
//! with `{{ doc('name') }}`. The site shows the block's text in place of the call.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Project;
use crate::error::{Error, Result};

#[derive(Debug, Default)]
pub(crate) struct DocBlocks {
    /// name -> (text, the file it is in).
    blocks: HashMap<String, (String, PathBuf)>,
}

/// `{%` or `{%-`, then the tag's words, then `%}` or `-%}`: the words and the tag's end offset.
fn tag_at(text: &str, start: usize) -> Option<(Vec<&str>, usize)> {
    let rest = &text[start..];
    let body_start = if rest.starts_with("{%-") { 3 } else { 2 };
    let close = rest.find("%}")?;
    let mut body = &rest[body_start..close];
    body = body.strip_suffix('-').unwrap_or(body);
    Some((body.split_whitespace().collect(), start + close + 2))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

impl DocBlocks {
    /// Read every `.md` file under the project's model, seed, snapshot and macro paths.
    pub(crate) fn load(project: &Project) -> Result<DocBlocks> {
        let mut out = DocBlocks::default();
        let f = &project.file;
        let dirs = f
            .model_paths
            .iter()
            .chain(&f.seed_paths)
            .chain(&f.snapshot_paths)
            .chain(&f.macro_paths);
        let mut files = vec![];
        for dir in dirs {
            let root = project.root.join(dir);
            for entry in walkdir::WalkDir::new(&root).sort_by_file_name().into_iter().flatten() {
                if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "md") {
                    files.push(entry.into_path());
                }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::project(format!("cannot read {}: {e}", path.display())))?;
            let rel = path.strip_prefix(&project.root).unwrap_or(&path).to_path_buf();
            out.read_file(&rel, &text)?;
        }
        Ok(out)
    }

    /// The blocks of one file's text (`rel` names it in errors).
    pub(crate) fn read_file(&mut self, rel: &Path, text: &str) -> Result<()> {
        let mut pos = 0;
        while let Some(found) = text[pos..].find("{%") {
            let start = pos + found;
            let Some((words, body_start)) = tag_at(text, start) else {
                break;
            };
            pos = body_start;
            if words.first() != Some(&"docs") {
                continue;
            }
            let at = || format!("{}:{}", rel.display(), line_of(text, start));
            let Some(name) = words.get(1).filter(|_| words.len() == 2) else {
                return Err(Error::project(format!("{}: cannot read this docs tag", at()))
                    .help("write {% docs name %} ... {% enddocs %}"));
            };
            // The block ends at the first `enddocs` tag.
            let mut end = None;
            let mut search = body_start;
            while let Some(f) = text[search..].find("{%") {
                let s = search + f;
                let Some((w, after)) = tag_at(text, s) else { break };
                if w.first() == Some(&"enddocs") {
                    end = Some((s, after));
                    break;
                }
                search = after;
            }
            let Some((body_end, after)) = end else {
                return Err(
                    Error::project(format!("{}: docs block '{name}' has no {{% enddocs %}}", at()))
                        .help("close the block with {% enddocs %}"),
                );
            };
            if let Some((_, other)) = self.blocks.get(*name) {
                return Err(Error::project(format!(
                    "{}: docs block '{name}' is also defined in {}",
                    at(),
                    other.display()
                ))
                .help("give one of them another name"));
            }
            self.blocks.insert(
                name.to_string(),
                (text[body_start..body_end].trim().to_string(), rel.to_path_buf()),
            );
            pos = after;
        }
        Ok(())
    }

    /// The text of the block `name`.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.blocks.get(name).map(|(text, _)| text.as_str())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.blocks.len()
    }

    /// `text` with each `{{ doc('name') }}` replaced by the block's text; `what` names the
    /// description in the warning for a block that does not exist (the call is then left as is).
    pub(crate) fn resolve<'a>(&self, text: &'a str, what: &str) -> Cow<'a, str> {
        if !text.contains("doc(") {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut pos = 0;
        while let Some(found) = text[pos..].find("{{") {
            let start = pos + found;
            let Some(close) = text[start..].find("}}") else { break };
            let end = start + close + 2;
            out.push_str(&text[pos..start]);
            match doc_call(&text[start + 2..end - 2]) {
                Some(name) => match self.blocks.get(name) {
                    Some((block, _)) => out.push_str(block),
                    None => {
                        tracing::warn!("{what}: doc('{name}') names no docs block in the project's .md files");
                        out.push_str(&text[start..end]);
                    }
                },
                None => out.push_str(&text[start..end]),
            }
            pos = end;
        }
        out.push_str(&text[pos..]);
        Cow::Owned(out)
    }
}

/// The name in ` doc('name') ` (single or double quotes, `-` whitespace control allowed).
fn doc_call(inner: &str) -> Option<&str> {
    let s = inner.trim_matches(|c: char| c == '-' || c.is_whitespace());
    let args = s
        .strip_prefix("doc")?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?
        .trim();
    let quote = args.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let name = args.strip_prefix(quote)?.strip_suffix(quote)?;
    (!name.is_empty() && !name.contains(quote)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> DocBlocks {
        let mut b = DocBlocks::default();
        b.read_file(Path::new("models/docs.md"), text).expect("blocks read");
        b
    }

    #[test]
    fn reads_blocks_and_resolves_doc_calls() {
        let b = blocks(
            "intro\n{% docs users %}\n# Users\nOne row per **user**.\n{% enddocs %}\n{%- docs id -%}The id.{%- enddocs -%}\n",
        );
        assert_eq!(b.len(), 2);
        assert_eq!(
            b.resolve("{{ doc('users') }}", "dim_users"),
            "# Users\nOne row per **user**."
        );
        assert_eq!(b.resolve("Key. {{ doc(\"id\") }} Unique.", "c"), "Key. The id. Unique.");
        assert_eq!(b.resolve("{{ doc('nope') }}", "c"), "{{ doc('nope') }}");
        assert_eq!(b.resolve("{{ var('x') }}", "c"), "{{ var('x') }}");
        assert!(matches!(b.resolve("plain", "c"), Cow::Borrowed("plain")));
    }

    #[test]
    fn an_unclosed_or_duplicate_block_names_file_and_line() {
        let mut b = DocBlocks::default();
        let e = b
            .read_file(Path::new("models/a.md"), "\n\n{% docs x %}\ntext\n")
            .expect_err("unclosed");
        assert!(e.to_string().contains("models/a.md:3"), "{e}");
        let mut b = blocks("{% docs x %}a{% enddocs %}");
        let e = b
            .read_file(Path::new("models/b.md"), "{% docs x %}b{% enddocs %}")
            .expect_err("duplicate");
        assert!(
            e.to_string().contains("models/b.md:1") && e.to_string().contains("models/docs.md"),
            "{e}"
        );
    }
}
