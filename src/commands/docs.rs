//! `mozt docs generate [--static] [--out DIR]` and `mozt docs serve [--port] [--host]`.
//!
//! generate: compile every model, test and snapshot (as `mozt compile`, so manifest.json and
//! the column lineage are fresh), read the warehouse's catalog into target/catalog.json, and
//! write the site's data (target/docs-data.js); with `--static`, the whole site as files in one
//! folder (target/docs/ by default) that opens from the file system.

use serde_json::json;
use std::path::{Path, PathBuf};

use crate::cli::{Common, Selection};
use crate::docs::{catalog, data, server, site};
use crate::error::{Error, Result};
use crate::manifest::ResourceType;
use crate::run::output::{plural, say, say_always};

use super::Session;

/// Where generate writes the data script and serve reads it, under the target folder.
const DATA_SCRIPT: &str = "docs-data.js";
/// Where `--static` writes the site when `--out` is not given, under the target folder.
const STATIC_DIR: &str = "docs";

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::runtime(format!("cannot write {}: {e}", path.display()))
}

pub fn generate(common: &Common, static_site: bool, out: Option<&Path>) -> Result<i32> {
    let session = Session::load(common)?;
    let blocks = crate::docs::blocks::DocBlocks::load(&session.project)?;
    let target_dir = session.project.target_dir();
    let nodes: Vec<usize> = session
        .select(
            &Selection::default(),
            &[ResourceType::Model, ResourceType::Test, ResourceType::Snapshot],
        )?
        .into_iter()
        .collect();
    let (_, compiled) = rayon::join(
        || session.checksums(),
        || -> Result<_> {
            let mut compiled = crate::compile::compile_all(
                &session.jinja,
                &session.manifest,
                &nodes,
                &session.project.root,
                &session.target_dir(),
                &|_| false,
            )?;
            session.check_sql(&mut compiled, false, &Default::default())?;
            Ok(compiled)
        },
    );
    let compiled = compiled?;
    crate::artifacts::write_manifest(&session, &compiled)?;

    let catalog = read_catalog(&session)?;
    let generated_at = chrono::Utc::now().to_rfc3339();
    // dbt's catalog schema allows no other metadata fields.
    let catalog_metadata = json!({
        "dbt_schema_version": catalog::SCHEMA_VERSION,
        "generated_at": generated_at,
        "invocation_id": null,
        "env": {},
    });
    let metadata = json!({
        "mozt_version": env!("CARGO_PKG_VERSION"),
        "generated_at": generated_at,
        "project_name": session.manifest.project_name,
        "target_name": session.target.name,
        "adapter_type": session.target.kind,
    });
    let catalog_path = target_dir.join("catalog.json");
    std::fs::create_dir_all(&target_dir).map_err(io_err(&target_dir))?;
    let text = serde_json::to_string_pretty(&catalog.to_json(catalog_metadata))
        .map_err(|e| Error::runtime(format!("cannot write catalog.json: {e}")))?;
    std::fs::write(&catalog_path, text).map_err(io_err(&catalog_path))?;

    let extras = data::Extras {
        metadata,
        catalog: &catalog,
        run_results: data::results_by_id(&target_dir.join("run_results.json")),
        freshness: data::results_by_id(&target_dir.join("sources.json")),
        blocks,
    };
    let data_path = target_dir.join(DATA_SCRIPT);
    write_data(&data_path, &session, &compiled, &extras)?;

    let mut wrote = format!(
        "{}/catalog.json and {}",
        session.target_dir(),
        display(&session, &data_path)
    );
    if static_site {
        let dir = static_dir(&session, out);
        site::write_files(&dir).map_err(io_err(&dir))?;
        let copy = dir.join(site::DATA_FILE);
        std::fs::copy(&data_path, &copy).map_err(io_err(&copy))?;
        wrote.push_str(&format!("; the site in {}/ (open index.html)", display(&session, &dir)));
    }
    say(&format!(
        "Documented {} and {} ({} in the catalog) in {:.2}s; wrote {wrote}",
        plural(session.manifest.nodes.len(), "node"),
        plural(session.manifest.sources.len(), "source"),
        plural(catalog.nodes.len() + catalog.sources.len(), "relation"),
        session.started.elapsed().as_secs_f64(),
    ));
    for e in &catalog.errors {
        say(&format!("warning: the catalog is incomplete: {e}"));
    }
    session.finish();
    std::mem::forget(compiled);
    Ok(0)
}

fn read_catalog(session: &Session) -> Result<catalog::Catalog> {
    let Some(warehouse) = catalog::Warehouse::from_kind(&session.target.kind) else {
        return Err(Error::project(format!(
            "mozt docs cannot read the catalog of a {} target",
            session.target.kind
        ))
        .help("use a duckdb or snowflake target"));
    };
    let adapter = crate::adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    Ok(catalog::read(conn.as_mut(), warehouse, &session.manifest))
}

fn write_data(
    path: &Path,
    session: &Session,
    compiled: &std::collections::HashMap<usize, crate::compile::Compiled>,
    extras: &data::Extras,
) -> Result<()> {
    let file = std::fs::File::create(path).map_err(io_err(path))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    data::write_script(&mut out, &session.manifest, compiled, extras).map_err(io_err(path))?;
    std::io::Write::flush(&mut out).map_err(io_err(path))
}

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

pub fn serve(common: &Common, host: &str, port: u16) -> Result<i32> {
    let project = crate::project::Project::load(&common.project_dir)?;
    let data_path = project.target_dir().join(DATA_SCRIPT);
    if !data_path.is_file() {
        return Err(
            Error::project(format!("{} does not exist", data_path.display())).help("run `mozt docs generate` first")
        );
    }
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
