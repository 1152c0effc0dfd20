//! The docs flow (`mozt docs generate`): compile every model, test and snapshot (as `mozt
//! compile`, so manifest.json and the column lineage are fresh), read the warehouse's catalog
//! into target/catalog.json, and write the site's data (target/docs-data.js); with a static
//! folder, the whole site as files that open from the file system.

use std::path::{Path, PathBuf};

use crate::docs::{catalog, data, site};
use crate::error::{Error, Result};
use crate::project::doc_blocks::DocBlocks;

use super::{Selection, Session};

/// Where generate writes the data script and serve reads it, under the target folder.
pub const DATA_SCRIPT: &str = "docs-data.js";
/// Where the static site goes when no folder is given, under the target folder.
pub const STATIC_DIR: &str = "docs";

/// What `generate` wrote.
pub struct Generated {
    /// Relations the warehouse described (nodes and sources).
    pub relations: usize,
    pub catalog_path: PathBuf,
    pub data_path: PathBuf,
    /// The folder of the static site, when one was asked for.
    pub site_dir: Option<PathBuf>,
    /// Catalog queries that failed (the rest of the catalog was still written).
    pub catalog_errors: Vec<String>,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::runtime(format!("cannot write {}: {e}", path.display()))
}

/// Compile the project, read the warehouse's catalog, write catalog.json and the site's data;
/// with `static_dir`, also the site's files and data in that folder.
pub fn generate(session: &Session, static_dir: Option<&Path>) -> Result<Generated> {
    let blocks = DocBlocks::load(&session.project)?;
    let compiled = super::compile::compile(session, &Selection::default(), false)?;
    let started = std::time::Instant::now();
    let catalog = read_catalog(session)?;
    tracing::debug!(
        "read the catalog of {} relations in {:?}",
        catalog.nodes.len() + catalog.sources.len(),
        started.elapsed()
    );
    let ctx = session.artifacts();
    crate::artifacts::write_catalog(&ctx, &catalog)?;

    let extras = data::Extras {
        metadata: ctx.metadata(),
        catalog: &catalog,
        run_results: data::results_by_id(&ctx.dir.join("run_results.json")),
        freshness: data::results_by_id(&ctx.dir.join("sources.json")),
        blocks,
    };
    let data_path = ctx.dir.join(DATA_SCRIPT);
    let started = std::time::Instant::now();
    write_data(&data_path, session, &compiled, &extras)?;
    tracing::debug!("wrote the site's data in {:?}", started.elapsed());
    if let Some(dir) = static_dir {
        site::write_files(dir).map_err(io_err(dir))?;
        let copy = dir.join(site::DATA_FILE);
        std::fs::copy(&data_path, &copy).map_err(io_err(&copy))?;
    }
    // Like the session, the compiled SQL of every node is left to the operating system.
    std::mem::forget(compiled);
    Ok(Generated {
        relations: catalog.nodes.len() + catalog.sources.len(),
        catalog_path: ctx.dir.join("catalog.json"),
        data_path,
        site_dir: static_dir.map(Path::to_path_buf),
        catalog_errors: catalog.errors,
    })
}

/// The warehouse's catalog of every relation the manifest names.
pub fn read_catalog(session: &Session) -> Result<catalog::Catalog> {
    let adapter = crate::adapter::for_target(&session.target, &session.project.root)?;
    let mut conn = adapter.connect()?;
    Ok(catalog::read(conn.as_mut(), session.target.kind, &session.manifest))
}

fn write_data(
    path: &Path,
    session: &Session,
    compiled: &std::collections::HashMap<usize, crate::compile::Compiled>,
    extras: &data::Extras,
) -> Result<()> {
    let mut text = Vec::with_capacity(1 << 20);
    data::write_script(&mut text, &session.manifest, compiled, extras).map_err(io_err(path))?;
    crate::files::write_atomic(path, &text).map_err(io_err(path))
}

/// The data script `generate` wrote for the project in `project_dir` (what `serve` serves);
/// an error saying to run generate when it is missing.
pub fn site_data(project_dir: &Path) -> Result<PathBuf> {
    let project = crate::project::Project::load(project_dir)?;
    let data_path = project.target_dir().join(DATA_SCRIPT);
    if !data_path.is_file() {
        return Err(
            Error::project(format!("{} does not exist", data_path.display())).help("run `mozt docs generate` first")
        );
    }
    Ok(data_path)
}
