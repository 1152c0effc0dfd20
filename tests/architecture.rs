//! The layer order of docs/architecture.md holds in src/: every `crate::` path in non-test code
//! names a module in a lower layer than the module it is written in. A new module must be
//! placed in the order before it can be used, and an import that points up fails here with its
//! file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first; each layer is the modules written on one line of the
/// ```layers block, and the allowed upward uses (`from -> to`) of the ```exceptions block.
struct Order {
    rank: BTreeMap<String, usize>,
    exceptions: BTreeSet<(String, String)>,
}

/// The text of the fenced block that opens with ```` ```name ````.
fn fenced<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("```{name}\n");
    let start = doc.find(&open)? + open.len();
    let len = doc[start..].find("```")?;
    Some(&doc[start..start + len])
}

fn read_order(doc: &str) -> Result<Order, String> {
    let layers = fenced(doc, "layers").ok_or("docs/architecture.md has no ```layers block")?;
    // Written top (the command line) to bottom (the foundations).
    let lines: Vec<&str> = layers.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut rank = BTreeMap::new();
    for (i, line) in lines.iter().rev().enumerate() {
        for module in line.split_whitespace() {
            if rank.insert(module.to_string(), i).is_some() {
                return Err(format!("module {module} is listed twice in the layers"));
            }
        }
    }
    let mut exceptions = BTreeSet::new();
    if let Some(block) = fenced(doc, "exceptions") {
        for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (pair, _why) = line
                .split_once(':')
                .ok_or(format!("exception without a reason: {line}"))?;
            let (from, to) = pair
                .split_once("->")
                .ok_or(format!("exception is not `from -> to: why`: {line}"))?;
            exceptions.insert((from.trim().to_string(), to.trim().to_string()));
        }
    }
    Ok(Order { rank, exceptions })
}

/// The top-level module a file of src/ belongs to; None for the crate roots.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" => None,
        f => Some(f.trim_end_matches(".rs").to_string()),
    }
}

/// The code of a file without comments, string literals and `#[cfg(test)]` items, so that
/// only what the library itself uses counts. Lines are kept, for the line numbers.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                if i < b.len() && b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i..].starts_with(b"#[cfg(test)]") {
            i = skip_item(b, i + "#[cfg(test)]".len(), &mut out);
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Skip the item after a `#[cfg(test)]`: up to its `;`, or through its balanced `{ }` block;
/// newlines are kept.
fn skip_item(b: &[u8], mut i: usize, out: &mut String) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'\n' => out.push('\n'),
            b';' if depth == 0 => return i + 1,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// `(line, module)` for every `crate::module` and `crate::{a, b}` the code names.
fn uses(code: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    for (n, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // `mozt_crate::`, not this crate
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push((n + 1, name));
                    }
                }
            } else {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push((n + 1, name));
                }
            }
        }
    }
    out
}

/// Files compiled only for tests: `#[cfg(test)] mod x;` makes `x.rs` (or `x/`) beside it
/// test code.
fn test_only_files(src: &Path, files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for f in files {
        let Ok(text) = fs::read_to_string(f) else { continue };
        let mut rest = text.as_str();
        while let Some(at) = rest.find("#[cfg(test)]") {
            rest = &rest[at + "#[cfg(test)]".len()..];
            let item = rest.trim_start();
            let Some(decl) = item.strip_prefix("mod ") else {
                continue;
            };
            let name: String = decl.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !decl[name.len()..].trim_start().starts_with(';') {
                continue;
            }
            // A module declared in `a/mod.rs`, `lib.rs` or `main.rs` lives beside it; one declared
            // in `a.rs` lives in `a/`.
            let dir = match f.file_name().and_then(|n| n.to_str()) {
                Some("mod.rs" | "lib.rs" | "main.rs") => f.parent().map(Path::to_path_buf),
                _ => Some(f.with_extension("")),
            };
            if let Some(dir) = dir {
                out.insert(dir.join(format!("{name}.rs")));
                out.insert(dir.join(&name).join("mod.rs"));
            }
        }
    }
    out.retain(|p| p.starts_with(src));
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    out.sort();
    out
}

/// Every way `src` breaks the order: upward or sideways uses, and modules the order does not
/// place (or places but that do not exist).
fn violations(src: &Path, order: &Order) -> Vec<String> {
    let files = rust_files(src);
    let test_only = test_only_files(src, &files);
    let mut found = vec![];
    let mut modules = BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(src).unwrap_or(f);
        let Some(module) = module_of(rel) else { continue };
        modules.insert(module.clone());
        if test_only.contains(f) {
            continue;
        }
        let Some(&here) = order.rank.get(&module) else { continue };
        let text = fs::read_to_string(f).unwrap_or_default();
        for (line, used) in uses(&code_only(&text)) {
            if used == module || order.exceptions.contains(&(module.clone(), used.clone())) {
                continue;
            }
            match order.rank.get(&used) {
                Some(&there) if there < here => {}
                Some(_) => found.push(format!(
                    "src/{}:{line}: {module} uses crate::{used}, which is not in a lower layer",
                    rel.display()
                )),
                None => {} // a name the crate root re-exports or an extern crate's path
            }
        }
    }
    for m in &modules {
        if !order.rank.contains_key(m) {
            found.push(format!(
                "module {m} is not placed in the ```layers block of docs/architecture.md"
            ));
        }
    }
    for m in order.rank.keys() {
        if !modules.contains(m) {
            found.push(format!(
                "docs/architecture.md places module {m}, which src/ does not have"
            ));
        }
    }
    found
}

#[test]
fn imports_follow_the_layer_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = fs::read_to_string(root.join("docs/architecture.md")).expect("docs/architecture.md");
    let order = read_order(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        order.exceptions.len() <= 3,
        "more than a few exceptions to the layer order: {:?}",
        order.exceptions
    );
    let found = violations(&root.join("src"), &order);
    assert!(found.is_empty(), "the layer order is broken:\n{}", found.join("\n"));
}

/// The check itself finds what it must: an upward use, a sideways one, one in a `crate::{..}`
/// group, and a module the order does not place; and it ignores comments, strings and tests.
#[test]
fn the_check_finds_upward_imports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    };
    write("lib.rs", "pub mod high;\npub mod low;\npub mod side;\npub mod stray;\n");
    write("low/mod.rs", "use crate::high::X; // up\n#[cfg(test)]\nmod tests;\n");
    write("low/tests.rs", "use crate::high::Y;\n");
    write(
        "high.rs",
        "use crate::low::A;\n// crate::stray in a comment\nconst S: &str = \"crate::stray\";\n#[cfg(test)]\nmod t { use crate::stray::Z; }\n",
    );
    write("side.rs", "use crate::{high, low};\n");
    write("stray.rs", "");
    let doc = "```layers\nhigh side\nlow\n```\n";
    let order = read_order(doc).expect("order");
    let found = violations(src, &order);
    let expected = [
        "src/low/mod.rs:1: low uses crate::high, which is not in a lower layer",
        "src/side.rs:1: side uses crate::high, which is not in a lower layer",
        "module stray is not placed in the ```layers block of docs/architecture.md",
    ];
    assert_eq!(found, expected);
    // A documented exception lets one upward use through.
    let order =
        read_order("```layers\nhigh side stray\nlow\n```\n```exceptions\nlow -> high: why\n```\n").expect("order");
    assert_eq!(
        violations(src, &order),
        ["src/side.rs:1: side uses crate::high, which is not in a lower layer"]
    );
}
