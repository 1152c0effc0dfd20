//! `mozt docs generate [--static] [--out DIR]` and `mozt docs serve [--port] [--host]`: the
//! engine's docs flow (`engine::docs`) and the site's server (`docs::server`), printed.

use std::path::{Path, PathBuf};

use crate::docs::server;
use crate::engine::docs::STATIC_DIR;
use crate::engine::{LoadOptions, Session};
use crate::error::{Error, Result};
use crate::run::output::{plural, say, say_always};

pub(crate) fn generate(load: &LoadOptions, static_site: bool, out: Option<&Path>) -> Result<i32> {
    let session = Session::load(load)?;
    let static_dir = static_site.then(|| static_dir(&session, out));
    let done = crate::engine::docs::generate(&session, static_dir.as_deref())?;
    let mut wrote = format!(
        "{} and {}",
        display(&session, &done.catalog_path),
        display(&session, &done.data_path)
    );
    if let Some(dir) = &done.site_dir {
        wrote.push_str(&format!("; the site in {}/ (open index.html)", display(&session, dir)));
    }
    say(&format!(
        "Documented {} and {} ({} in the catalog) in {:.2}s; wrote {wrote}",
        plural(session.manifest.nodes.len(), "node"),
        plural(session.manifest.sources.len(), "source"),
        plural(done.relations, "relation"),
        session.started.elapsed().as_secs_f64(),
    ));
    for e in &done.catalog_errors {
        say(&format!("warning: the catalog is incomplete: {e}"));
    }
    session.finish();
    Ok(0)
}

/// `--out` relative to the working directory; without it, target/docs/.
fn static_dir(session: &Session, out: Option<&Path>) -> PathBuf {
    match out {
        Some(p) if p.is_absolute() => p.to_path_buf(),
        Some(p) => std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf()),
        None => session.project.target_dir().join(STATIC_DIR),
    }
}

/// A path as the user knows it: relative to the project root when it is inside it.
fn display(session: &Session, path: &Path) -> String {
    path.strip_prefix(&session.project.root)
        .unwrap_or(path)
        .display()
        .to_string()
}

pub(crate) fn serve(load: &LoadOptions, host: &str, port: u16) -> Result<i32> {
    let data_path = crate::engine::docs::site_data(&load.project_dir)?;
    let server = server::Server::bind(host, port, data_path).map_err(|e| {
        Error::project(format!("cannot listen on {host}:{port}: {e}"))
            .help("choose another port with --port (0 picks a free one)")
    })?;
    let addr = server
        .local_addr()
        .map_err(|e| Error::runtime(format!("cannot read the server's address: {e}")))?;
    say_always(&format!("Serving the docs site at http://{addr}/ (Ctrl-C to stop)"));
    server.run();
    Ok(0)
}
