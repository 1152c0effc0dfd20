//! The site's own files (HTML, CSS, JavaScript, all written for mozt: nothing from a CDN),
//! built into the binary. Every page loads `data.js`, the project's data as a script, so the
//! same files work served (`mozt docs serve`) and opened from the file system (`--static`).

use std::path::Path;

/// The name the data script has next to index.html.
pub(crate) const DATA_FILE: &str = "data.js";

/// (file name, content type, text) of each file of the site, data.js excepted.
pub(crate) const FILES: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("site/index.html"),
    ),
    ("style.css", "text/css; charset=utf-8", include_str!("site/style.css")),
    (
        "text.js",
        "text/javascript; charset=utf-8",
        include_str!("site/text.js"),
    ),
    (
        "select.js",
        "text/javascript; charset=utf-8",
        include_str!("site/select.js"),
    ),
    (
        "graph.js",
        "text/javascript; charset=utf-8",
        include_str!("site/graph.js"),
    ),
    ("app.js", "text/javascript; charset=utf-8", include_str!("site/app.js")),
];

/// A file of the site by its name.
pub(crate) fn file(name: &str) -> Option<(&'static str, &'static str)> {
    FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, t, body)| (*t, *body))
}

/// Write the site's files into `dir` (the data script is written by the caller).
pub(crate) fn write_files(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, _, body) in FILES {
        std::fs::write(dir.join(name), body)?;
    }
    Ok(())
}
