//! Load a project from disk: project.yml, and the model, seed, test, macro and schema files.
//! Nothing here renders Jinja or talks to a warehouse.

pub mod config;
pub mod csv;
pub mod schema;
pub mod target;

use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub use config::ProjectFile;
pub use schema::SchemaDoc;
pub use target::Target;

/// A text file of the project, with its path relative to the project root.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the project root, `/`-separated (`models/marts/dim_users.sql`).
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub file: ProjectFile,
    pub file_text: String,
    pub models: Vec<SourceFile>,
    pub macros: Vec<SourceFile>,
    /// Singular tests (`tests/**/*.sql`) and generic test definitions under `tests/generic/`.
    pub tests: Vec<SourceFile>,
    pub snapshots: Vec<SourceFile>,
    /// Seed CSV files (contents read when seeding).
    pub seeds: Vec<PathBuf>,
    pub schema_files: Vec<SchemaDoc>,
}

impl Project {
    pub fn load(root: &Path) -> Result<Project> {
        let project_path = root.join(config::PROJECT_FILE);
        if !project_path.exists() {
            return Err(
                Error::project(format!("no {} found in {}", config::PROJECT_FILE, root.display())).help(
                    "run mozt from the project's folder, pass --project-dir, or create a project with `mozt init NAME`",
                ),
            );
        }
        let file_text = fs::read_to_string(&project_path).map_err(|e| Error::io(&project_path, e))?;
        let rel_project = PathBuf::from(config::PROJECT_FILE);
        let file = ProjectFile::parse(&rel_project, &file_text)?;

        let mut project = Project {
            root: root.to_path_buf(),
            file_text,
            models: vec![],
            macros: vec![],
            tests: vec![],
            snapshots: vec![],
            seeds: vec![],
            schema_files: vec![],
            file,
        };
        // List every file first, then read (and parse the YAML of) all of them in parallel.
        let mut listed: Vec<(Kind, PathBuf)> = vec![];
        let f = &project.file;
        for (dirs, kind, exts) in [
            (&f.model_paths, Kind::Model, ["sql", "yml", "yaml"]),
            (&f.macro_paths, Kind::Macro, ["sql", "yml", "yaml"]),
            (&f.test_paths, Kind::Test, ["sql", "yml", "yaml"]),
            (&f.snapshot_paths, Kind::Snapshot, ["sql", "yml", "yaml"]),
            (&f.seed_paths, Kind::Seed, ["csv", "yml", "yaml"]),
        ] {
            for dir in dirs {
                for path in walk(root, dir, &exts)? {
                    let kind = if kind == Kind::Seed {
                        if path.extension().is_some_and(|e| e == "csv") {
                            Kind::Seed
                        } else {
                            Kind::Schema
                        }
                    } else if is_sql(&path) {
                        kind
                    } else if kind == Kind::Macro {
                        continue;
                    } else {
                        Kind::Schema
                    };
                    listed.push((kind, path));
                }
            }
        }
        let loaded: Vec<Result<Loaded>> = listed
            .into_par_iter()
            .map(|(kind, path)| match kind {
                Kind::Seed => Ok(Loaded::Seed(path)),
                Kind::Schema => {
                    let f = read(root, &path)?;
                    Ok(Loaded::Schema(SchemaDoc::parse(&f.path, f.text)?))
                }
                k => Ok(Loaded::File(k, read(root, &path)?)),
            })
            .collect();
        for item in loaded {
            match item? {
                Loaded::Seed(path) => project.seeds.push(path),
                Loaded::Schema(doc) => project.schema_files.push(doc),
                Loaded::File(Kind::Model, f) => project.models.push(f),
                Loaded::File(Kind::Macro, f) => project.macros.push(f),
                Loaded::File(Kind::Test, f) => project.tests.push(f),
                Loaded::File(_, f) => project.snapshots.push(f),
            }
        }
        Ok(project)
    }

    pub fn name(&self) -> &str {
        &self.file.name
    }

    pub fn target_dir(&self) -> PathBuf {
        self.root.join(&self.file.target_path)
    }

    pub fn resolve_target(&self, requested: Option<&str>) -> Result<Target> {
        target::resolve(
            &self.file.targets,
            requested,
            Path::new(config::PROJECT_FILE),
            &self.file_text,
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Model,
    Macro,
    Test,
    Snapshot,
    Seed,
    Schema,
}

enum Loaded {
    File(Kind, SourceFile),
    Schema(SchemaDoc),
    Seed(PathBuf),
}

fn is_sql(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sql")
}

fn read(root: &Path, rel: &Path) -> Result<SourceFile> {
    let abs = root.join(rel);
    let text = fs::read_to_string(&abs).map_err(|e| Error::io(rel, e))?;
    Ok(SourceFile {
        path: rel.to_path_buf(),
        text,
    })
}

/// Files under `root/dir` with one of the extensions, relative to root, sorted for determinism.
fn walk(root: &Path, dir: &str, exts: &[&str]) -> Result<Vec<PathBuf>> {
    let base = root.join(dir);
    if !base.exists() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    for entry in walkdir::WalkDir::new(&base).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::project(format!("cannot list {}: {e}", base.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
            out.push(rel);
        }
    }
    Ok(out)
}
