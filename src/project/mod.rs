//! Load a project from disk: project.yml, and the model, seed, test, macro and schema files.
//! Nothing here renders Jinja or talks to a warehouse.

mod adapter_kind;
pub mod config;
pub mod csv;
pub mod dbt_project;
pub(crate) mod doc_blocks;
pub mod env;
pub mod keys;
pub mod macro_defs;
pub mod packages;
pub mod profiles;
pub mod schema;
pub mod target;
pub mod template_depth;
mod yaml_lines;

use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub use adapter_kind::{AdapterKind, UnknownAdapterKind};
pub use config::ProjectFile;
pub use dbt_project::DbtLayout;
pub use packages::Package;
pub use profiles::ProfileOptions;
pub use schema::SchemaDoc;
pub use target::Target;

/// A text file of the project, with its path relative to the project root.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the project root, `/`-separated (`models/marts/dim_users.sql`).
    pub path: PathBuf,
    /// Shared with the node made from the file and with its template.
    pub text: std::sync::Arc<str>,
    /// The installed package the file belongs to (its project name); None for the root
    /// project's own files.
    pub package: Option<std::sync::Arc<str>>,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub file: ProjectFile,
    pub file_text: String,
    /// The project file, relative to the root: project.yml, or dbt_project.yml.
    pub file_path: PathBuf,
    /// Set for a project in dbt's layout (dbt_project.yml and profiles.yml).
    pub dbt: Option<DbtLayout>,
    /// The installed packages (dbt_packages/); their files are in the lists below, tagged.
    pub packages: Vec<Package>,
    pub models: Vec<SourceFile>,
    pub macros: Vec<SourceFile>,
    /// Singular tests (`tests/**/*.sql`) and generic test definitions under `tests/generic/`.
    pub tests: Vec<SourceFile>,
    pub snapshots: Vec<SourceFile>,
    /// Analyses (`analyses/**/*.sql`): compiled, never run.
    pub analyses: Vec<SourceFile>,
    /// Seed CSV files (contents read when seeding).
    pub seeds: Vec<PathBuf>,
    pub schema_files: Vec<SchemaDoc>,
}

impl Project {
    /// Load the project in `root`, with profiles.yml found the default way.
    pub fn load(root: &Path) -> Result<Project> {
        Project::load_with(root, &ProfileOptions::default())
    }

    /// Load the project in `root`: its project.yml, or else its dbt_project.yml (whose targets
    /// come from profiles.yml, found as `profiles` says).
    pub fn load_with(root: &Path, profiles: &ProfileOptions) -> Result<Project> {
        let (file_path, file, file_text, dbt) = read_project_file(root, profiles)?;
        let mut project = Project {
            root: root.to_path_buf(),
            file_text,
            file_path,
            dbt,
            packages: vec![],
            models: vec![],
            macros: vec![],
            tests: vec![],
            snapshots: vec![],
            analyses: vec![],
            seeds: vec![],
            schema_files: vec![],
            file,
        };
        project.packages = load_packages(root, &project.file, project.dbt.as_ref())?;
        // Walk the folders and read (and parse the YAML of) every file in one parallel pass: a
        // folder's files are read while its sibling folders are still being listed.
        let mut loaded: Vec<Loaded> = vec![];
        let own = std::iter::once((&project.file, PathBuf::new(), None));
        let packages = project.packages.iter().map(|p| {
            (
                &p.file,
                p.dir.clone(),
                Some(std::sync::Arc::<str>::from(p.name.as_str())),
            )
        });
        for (f, dir_of, package) in own.chain(packages) {
            for (dirs, kind) in [
                (&f.model_paths, Kind::Model),
                (&f.macro_paths, Kind::Macro),
                (&f.test_paths, Kind::Test),
                (&f.snapshot_paths, Kind::Snapshot),
                (&f.seed_paths, Kind::Seed),
                (&f.analysis_paths, Kind::Analysis),
            ] {
                for dir in dirs {
                    let base = root.join(&dir_of).join(dir);
                    let load = |path: &Path| load_file(root, kind, path, package.as_ref());
                    if base.is_dir() {
                        loaded.extend(walk(root, &base, &load)?.into_iter().flatten());
                    } else if base.is_file() {
                        loaded.extend(load(base.strip_prefix(root).unwrap_or(&base))?);
                    }
                }
            }
        }
        for item in loaded {
            match item {
                Loaded::Seed(path) => project.seeds.push(path),
                Loaded::Schema(doc) => project.schema_files.push(*doc),
                Loaded::File(Kind::Model, f) => project.models.push(f),
                Loaded::File(Kind::Macro, f) => project.macros.push(f),
                Loaded::File(Kind::Test, f) => project.tests.push(f),
                Loaded::File(Kind::Analysis, f) => project.analyses.push(f),
                Loaded::File(_, f) => project.snapshots.push(f),
            }
        }
        macro_defs::check_unique(project.macros.iter().chain(&project.tests))?;
        Ok(project)
    }

    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// The installed package holding the file at `path` (relative to the root); None for the
    /// root project's own files.
    pub fn package_of(&self, path: &Path) -> Option<&Package> {
        self.packages.iter().find(|p| p.holds(path))
    }

    pub fn target_dir(&self) -> PathBuf {
        self.root.join(&self.file.target_path)
    }

    /// The target `requested` (`--target`) or the default one: from project.yml's `targets:`,
    /// or from profiles.yml for a dbt-layout project.
    pub fn resolve_target(&self, requested: Option<&str>) -> Result<Target> {
        match &self.dbt {
            Some(layout) => profiles::resolve(&self.root, layout, &self.file_text, requested),
            None => target::resolve(&self.file.targets, requested, &self.file_path, &self.file_text),
        }
    }
}

/// The project file of `root`: project.yml when there is one, else dbt_project.yml.
fn read_project_file(
    root: &Path,
    profiles: &ProfileOptions,
) -> Result<(PathBuf, ProjectFile, String, Option<DbtLayout>)> {
    let own = root.join(config::PROJECT_FILE);
    let dbt = root.join(dbt_project::DBT_PROJECT_FILE);
    let rel = |name: &str| PathBuf::from(name);
    if own.is_file() {
        let text = fs::read_to_string(&own).map_err(|e| Error::io(&own, e))?;
        let file = ProjectFile::parse(&rel(config::PROJECT_FILE), &text)?;
        config::warn_unknown_keys(&rel(config::PROJECT_FILE), &text, &file);
        return Ok((rel(config::PROJECT_FILE), file, text, None));
    }
    if dbt.is_file() {
        let text = fs::read_to_string(&dbt).map_err(|e| Error::io(&dbt, e))?;
        let shown = rel(dbt_project::DBT_PROJECT_FILE);
        let (file, layout) = dbt_project::read(root, &shown, &text, profiles)?;
        return Ok((shown, file, text, Some(layout)));
    }
    Err(Error::project(format!(
        "no {} or {} found in {}",
        config::PROJECT_FILE,
        dbt_project::DBT_PROJECT_FILE,
        root.display()
    ))
    .help("run mozt from the project's folder, pass --project-dir, or create a project with `mozt init NAME`"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Model,
    Macro,
    Test,
    Snapshot,
    Seed,
    Analysis,
}

enum Loaded {
    File(Kind, SourceFile),
    /// Boxed: the walk moves results up one vector per folder level.
    Schema(Box<SchemaDoc>),
    Seed(PathBuf),
}

fn read(root: &Path, rel: &Path) -> Result<String> {
    let mut text = fs::read_to_string(root.join(rel)).map_err(|e| Error::io(rel, e))?;
    // A byte order mark (some Windows editors write one) is not part of the file's text.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// The packages installed for the project (none when its install folder does not exist).
fn load_packages(root: &Path, file: &ProjectFile, dbt: Option<&DbtLayout>) -> Result<Vec<Package>> {
    let install = match dbt {
        Some(layout) => layout.packages_install_path.clone(),
        None => file
            .other
            .get("packages-install-path")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(dbt_project::DEFAULT_INSTALL_PATH)
            .to_string(),
    };
    let no_scoped = indexmap::IndexMap::new();
    let scoped = dbt.map_or(&no_scoped, |l| &l.package_vars);
    packages::load(root, &install, &file.vars, scoped)
}

/// What a file under a folder of `kind` is, read (None when it is not a project file).
fn load_file(root: &Path, kind: Kind, path: &Path, package: Option<&std::sync::Arc<str>>) -> Result<Option<Loaded>> {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return Ok(None);
    };
    Ok(Some(match (kind, ext) {
        (Kind::Seed, "csv") => Loaded::Seed(path.to_path_buf()),
        // Macro folders' YAML (macro docs) is not read.
        (Kind::Macro, "yml" | "yaml") => return Ok(None),
        (_, "yml" | "yaml") => Loaded::Schema(Box::new(SchemaDoc::parse(path, read(root, path)?)?)),
        (Kind::Seed, _) => return Ok(None),
        (k, "sql") => Loaded::File(
            k,
            SourceFile {
                path: path.to_path_buf(),
                text: read(root, path)?.into(),
                package: package.cloned(),
            },
        ),
        _ => return Ok(None),
    }))
}

/// Call `load` on each file under the folder `dir` (absolute), with its path relative to
/// root, in parallel; the results come in the order of a depth-first walk with each folder's
/// entries sorted by name. Hidden files are skipped, and so are symbolic links.
fn walk<T: Send>(
    root: &Path,
    dir: &Path,
    load: &(dyn Fn(&Path) -> Result<Option<T>> + Sync),
) -> Result<Vec<Option<T>>> {
    let listing_err = |e: std::io::Error| Error::project(format!("cannot list {}: {e}", dir.display()));
    let mut entries: Vec<(std::ffi::OsString, fs::FileType)> = vec![];
    for entry in fs::read_dir(dir).map_err(listing_err)? {
        let entry = entry.map_err(listing_err)?;
        entries.push((entry.file_name(), entry.file_type().map_err(listing_err)?));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let per_entry: Vec<Result<Vec<Option<T>>>> = entries
        .into_par_iter()
        .map(|(name, kind)| {
            let path = dir.join(&name);
            if kind.is_dir() {
                walk(root, &path, load)
            } else if kind.is_file() && !name.as_encoded_bytes().starts_with(b".") {
                Ok(vec![load(path.strip_prefix(root).unwrap_or(&path))?])
            } else {
                Ok(vec![])
            }
        })
        .collect();
    let mut out = vec![];
    for items in per_entry {
        out.extend(items?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Project;
    use std::fs;
    use std::path::{Path, PathBuf};

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn walk_reads_files_depth_first_in_name_order_and_skips_hidden_files_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "project.yml", "name: p\n");
        for rel in [
            "models/z.sql",
            "models/b/y.sql",
            "models/b/a.sql",
            "models/a.sql",
            "models/b/c/x.sql",
            "models/.hidden.sql",
            "models/.dir/in_hidden_dir.sql",
            "models/notes.txt",
            "macros/m.sql",
            "seeds/raw/s.csv",
            "seeds/readme.md",
        ] {
            write(root, rel, "select 1");
        }
        write(root, "models/b/schema.yml", "version: 2\nmodels: [{name: y}]\n");
        write(root, "macros/docs.yml", "this is: [not read\n");
        write(root, "seeds/seeds.yml", "version: 2\nseeds: [{name: s}]\n");
        std::os::unix::fs::symlink(root.join("models/a.sql"), root.join("models/link.sql")).unwrap();

        let project = Project::load(root).unwrap();
        let paths = |files: &[super::SourceFile]| -> Vec<PathBuf> { files.iter().map(|f| f.path.clone()).collect() };
        let expected: Vec<PathBuf> = [
            "models/.dir/in_hidden_dir.sql",
            "models/a.sql",
            "models/b/a.sql",
            "models/b/c/x.sql",
            "models/b/y.sql",
            "models/z.sql",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(paths(&project.models), expected);
        assert_eq!(paths(&project.macros), vec![PathBuf::from("macros/m.sql")]);
        assert_eq!(project.seeds, vec![PathBuf::from("seeds/raw/s.csv")]);
        let schemas: Vec<&Path> = project.schema_files.iter().map(|d| d.path.as_path()).collect();
        assert_eq!(
            schemas,
            vec![Path::new("models/b/schema.yml"), Path::new("seeds/seeds.yml")]
        );
    }

    #[test]
    fn a_bad_yaml_file_is_a_project_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "project.yml", "name: p\n");
        write(dir.path(), "models/a.sql", "select 1");
        write(dir.path(), "models/s/bad.yml", "models: [\n");
        let err = Project::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("models/s/bad.yml"), "{err}");
    }
}
