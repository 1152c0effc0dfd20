//! Command-line interface: clap definitions, their translation into the engine's option
//! structs (`crate::engine`), and dispatch to `crate::commands`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::commands;
use crate::commands::lineage::LineageOutput;
use crate::commands::ls::LsOutput;
use crate::commands::show::OutputFormat;
use crate::engine::execute::Kind;
use crate::engine::{LoadOptions, RunOptions};
use crate::error::Error;

#[derive(Parser, Debug)]
#[command(
    name = "mozt",
    version,
    about = "SQL transformation engine: dbt-style projects on DuckDB and Snowflake"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    /// The project folder (holding project.yml).
    #[arg(long, global = true, env = "MOZT_PROJECT_DIR", default_value = ".")]
    pub project_dir: PathBuf,
    /// Target from project.yml's `targets:` (default: its `default:`), or for a dbt project an
    /// output of its profile in profiles.yml (default: the profile's `target:`).
    #[arg(short = 't', long, global = true, env = "MOZT_TARGET")]
    pub target: Option<String>,
    /// dbt projects: the folder holding profiles.yml (default: DBT_PROFILES_DIR, the project
    /// folder, then ~/.dbt/).
    #[arg(long, global = true, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,
    /// dbt projects: the profile in profiles.yml (default: dbt_project.yml's `profile:`).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Vars as YAML or JSON, overriding project.yml: --vars '{lookback_days: 7}'.
    #[arg(long, global = true)]
    pub vars: Option<String>,
    /// Worker threads (default: the target's `threads`).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More logging (-v: debug, -vv: trace, including SQL).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Render every model's Jinja again instead of reusing unchanged renders from
    /// target/partial_parse.json.
    #[arg(long, global = true, env = "MOZT_NO_PARTIAL_PARSE")]
    pub no_partial_parse: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// Nodes to include: names, tag:x, path:dir, source:x, +name (ancestors), name+ (descendants).
    #[arg(short = 's', long = "select", num_args = 1.., action = clap::ArgAction::Append)]
    pub select: Vec<String>,
    /// Nodes to leave out, same syntax as --select.
    #[arg(long, num_args = 1.., action = clap::ArgAction::Append)]
    pub exclude: Vec<String>,
    /// A named selector from selectors.yml (instead of --select/--exclude).
    #[arg(long, conflicts_with_all = ["select", "exclude"])]
    pub selector: Option<String>,
    /// A previous run's artifacts (the folder holding its manifest.json and run_results.json),
    /// for the state: and result: selector methods and --defer.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// With --state: a ref to a model that is neither selected nor built in this target reads
    /// the relation the state's run built (e.g. production's).
    #[arg(long, requires = "state")]
    pub defer: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct RunFlags {
    #[command(flatten)]
    pub selection: Selection,
    /// Rebuild incremental models and reload seeds from scratch.
    #[arg(long)]
    pub full_refresh: bool,
    /// Stop at the first failure.
    #[arg(short = 'x', long)]
    pub fail_fast: bool,
    /// Keep the failing rows of tests in tables (schema <target schema>_test_failures).
    #[arg(long)]
    pub store_failures: bool,
    /// Hard-coded table names that bypass ref() and source() are errors, not warnings.
    #[arg(long)]
    pub strict: bool,
    /// Every ref() and source() reads as a subquery with no rows: models build their columns
    /// and types without data (dbt's --empty).
    #[arg(long)]
    pub empty: bool,
}

impl Common {
    /// The engine's options for loading the project.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            project_dir: self.project_dir.clone(),
            target: self.target.clone(),
            vars: self.vars.clone(),
            threads: self.threads,
            partial_parse: !self.no_partial_parse,
            profiles: crate::project::ProfileOptions {
                profiles_dir: self.profiles_dir.clone(),
                profile: self.profile.clone(),
            },
        }
    }
}

impl Selection {
    /// The engine's selection.
    pub fn options(&self) -> crate::engine::Selection {
        crate::engine::Selection {
            select: self.select.clone(),
            exclude: self.exclude.clone(),
            selector: self.selector.clone(),
            state: self.state.clone(),
            defer: self.defer,
        }
    }
}

impl RunFlags {
    /// The engine's run options.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            selection: self.selection.options(),
            full_refresh: self.full_refresh,
            fail_fast: self.fail_fast,
            store_failures: self.store_failures,
            strict: self.strict,
            empty: self.empty,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new project that builds on DuckDB at once.
    Init {
        /// The project's name (also its folder).
        name: String,
    },
    /// Read the project and check it (Jinja, refs, the DAG) without a warehouse.
    Parse {
        #[command(flatten)]
        common: Common,
    },
    /// Render the selected models' SQL into target/compiled/ without running it.
    Compile {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        selection: Selection,
        /// Hard-coded table names that bypass ref() and source() are errors, not warnings.
        #[arg(long)]
        strict: bool,
        /// Every ref() and source() reads as a subquery with no rows (dbt's --empty).
        #[arg(long)]
        empty: bool,
    },
    /// Build the selected models in the warehouse.
    Run {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Load seed CSV files as tables.
    Seed {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Take snapshots (type-2 history) of the selected snapshot queries.
    Snapshot {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Run data tests on what has been built.
    Test {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Seeds, models and tests together, in DAG order.
    Build {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        flags: RunFlags,
        /// Build in staging schemas and promote only when everything passed (as `mozt deploy`).
        #[arg(long)]
        atomic: bool,
    },
    /// Blue/green deploy: build and test the selection in staging schemas (<schema>__mozt_deploy),
    /// then promote it into the target's schemas only when every node passed.
    Deploy {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        flags: RunFlags,
        /// Keep the staging schemas afterwards (to inspect a failed deploy).
        #[arg(long)]
        keep_staging: bool,
    },
    /// Copy another target's relations (production's) into the current target's schemas:
    /// zero-copy clones on Snowflake, copies on DuckDB; views select from the other target's.
    Clone {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        selection: Selection,
        /// The target to copy from (a name under project.yml's `targets:`); without it, the
        /// relations named by --state DIR's manifest.json.
        #[arg(long)]
        from_target: Option<String>,
    },
    /// List the project's nodes.
    Ls {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        selection: Selection,
        /// Only these resource types (model, seed, test, source).
        #[arg(long = "resource-type", num_args = 1..)]
        resource_types: Vec<String>,
        /// What to print per node.
        #[arg(long, value_enum, default_value_t = LsOutput::Selector)]
        output: LsOutput,
    },
    /// Preview a model's rows, or a query's.
    Show {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        selection: Selection,
        /// A SQL query to run instead of a model (Jinja allowed: ref, source, var).
        #[arg(long, conflicts_with = "select")]
        inline: Option<String>,
        /// Rows to show.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Call a macro against the warehouse (grants, maintenance, loading data): its run_query,
    /// statement and adapter calls run on the target's connection.
    RunOperation {
        #[command(flatten)]
        common: Common,
        /// The macro: a name from macros/, or PACKAGE.NAME.
        #[arg(value_name = "MACRO")]
        macro_name: String,
        /// The macro's keyword arguments, as a YAML or JSON mapping.
        #[arg(long)]
        args: Option<String>,
    },
    /// Column-level lineage: the upstream columns a column derives from, up to sources (or,
    /// with --downstream, every column that derives from it). Offline.
    Lineage {
        #[command(flatten)]
        common: Common,
        /// MODEL.COLUMN (dim_users.last_engaged_at) or SOURCE.TABLE.COLUMN (braze.email_event.time).
        column: String,
        /// Show what depends on the column instead of what it comes from.
        #[arg(long)]
        downstream: bool,
        #[arg(long, value_enum, default_value_t = LineageOutput::Text)]
        output: LineageOutput,
    },
    /// Install the packages of packages.yml (or dependencies.yml) into dbt_packages/, as
    /// package-lock.yml pins them (resolving again and writing the lock when it is missing or stale).
    Deps {
        #[command(flatten)]
        common: Common,
        /// Resolve the packages again (newest versions in range) and rewrite package-lock.yml.
        #[arg(long)]
        upgrade: bool,
        /// Only write package-lock.yml; install nothing.
        #[arg(long)]
        lock: bool,
        /// Add a package to the packages file first: NAME@VERSION (dbt-labs/dbt_utils@1.3.0).
        #[arg(long, value_name = "NAME@VERSION")]
        add_package: Option<String>,
        /// Where --add-package's package comes from.
        #[arg(long, value_enum, default_value_t = crate::deps::add::AddSource::Hub)]
        source: crate::deps::add::AddSource,
    },
    /// Check the project and the connection to the target.
    Debug {
        #[command(flatten)]
        common: Common,
    },
    /// Commands on sources (`mozt source freshness`).
    Source {
        #[command(subcommand)]
        command: SourceCommand,
    },
    /// Braze Cloud Data Ingestion: the Snowflake access Braze needs (`mozt braze setup`).
    Braze {
        #[command(subcommand)]
        command: BrazeCommand,
    },
    /// The docs site: `mozt docs generate` (catalog.json and the site's data), `mozt docs serve`.
    Docs {
        #[command(subcommand)]
        command: DocsCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum DocsCommand {
    /// Compile the project, read the warehouse's catalog into target/catalog.json, and write
    /// the site's data (target/docs-data.js).
    Generate {
        #[command(flatten)]
        common: Common,
        /// Also write the whole site as files that open from the file system (no server).
        #[arg(long = "static")]
        static_site: bool,
        /// The folder for --static (default: target/docs/).
        #[arg(long, requires = "static_site")]
        out: Option<PathBuf>,
    },
    /// Serve the site generated by `mozt docs generate` on a local web server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// The port (0 picks a free one, printed at start).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum BrazeCommand {
    /// Print (or with --apply, run) the statements that let Braze read the sync tables: role,
    /// warehouse, service user, grants (future grants too), key, network policy. Idempotent.
    Setup {
        #[command(flatten)]
        common: Common,
        /// The public key Braze shows (PEM), set on the Braze user.
        #[arg(long)]
        public_key: Option<PathBuf>,
        /// Run the statements on the (Snowflake) target instead of printing them.
        #[arg(long)]
        apply: bool,
    },
    /// Rotate the Braze user's key: set the new key in the free slot, then retire the old one.
    RotateKey {
        #[command(flatten)]
        common: Common,
        /// The new public key Braze shows (PEM).
        #[arg(long)]
        public_key: PathBuf,
        /// The free key slot to put the new key in (1 or 2).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
        slot: u8,
        /// Run the first step on the (Snowflake) target instead of printing it.
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// How long ago each source table was loaded (max of its loaded_at_field), against its
    /// `freshness:` warn_after and error_after; writes target/sources.json.
    Freshness {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        selection: Selection,
        /// Where to write the results (default: target/sources.json).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { crate::error::EXIT_PROJECT } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let common = match &cli.command {
        Command::Init { .. } => Common::default(),
        Command::Parse { common }
        | Command::Compile { common, .. }
        | Command::Run { common, .. }
        | Command::Seed { common, .. }
        | Command::Snapshot { common, .. }
        | Command::Test { common, .. }
        | Command::Build { common, .. }
        | Command::Deploy { common, .. }
        | Command::Clone { common, .. }
        | Command::Ls { common, .. }
        | Command::Show { common, .. }
        | Command::RunOperation { common, .. }
        | Command::Lineage { common, .. }
        | Command::Debug { common }
        | Command::Deps { common, .. }
        | Command::Source {
            command: SourceCommand::Freshness { common, .. },
        }
        | Command::Braze {
            command: BrazeCommand::Setup { common, .. } | BrazeCommand::RotateKey { common, .. },
        }
        | Command::Docs {
            command: DocsCommand::Generate { common, .. } | DocsCommand::Serve { common, .. },
        } => common.clone(),
    };
    init_logging(&common);
    crate::run::output::set_quiet(common.quiet);
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            e.exit_code()
        }
    }
}

fn dispatch(command: Command) -> Result<i32, Error> {
    let run = |common: &Common, flags: &RunFlags, kind: Kind| {
        commands::execute::run(&common.load_options(), &flags.options(), kind)
    };
    match command {
        Command::Init { name } => commands::init::run(&name),
        Command::Parse { common } => commands::compile::parse(&common.load_options()),
        Command::Compile {
            common,
            selection,
            strict,
            empty,
        } => commands::compile::compile(&common.load_options(), &selection.options(), strict, empty),
        Command::Run { common, flags } => run(&common, &flags, Kind::Run),
        Command::Seed { common, flags } => run(&common, &flags, Kind::Seed),
        Command::Snapshot { common, flags } => run(&common, &flags, Kind::Snapshot),
        Command::Test { common, flags } => run(&common, &flags, Kind::Test),
        Command::Build {
            common,
            flags,
            atomic: true,
        } => commands::deploy::run(&common.load_options(), &flags.options(), false),
        Command::Build { common, flags, .. } => run(&common, &flags, Kind::Build),
        Command::Deploy {
            common,
            flags,
            keep_staging,
        } => commands::deploy::run(&common.load_options(), &flags.options(), keep_staging),
        Command::Clone {
            common,
            selection,
            from_target,
        } => commands::clone::run(&common.load_options(), &selection.options(), from_target.as_deref()),
        Command::Ls {
            common,
            selection,
            resource_types,
            output,
        } => commands::ls::run(&common.load_options(), &selection.options(), &resource_types, output),
        Command::Show {
            common,
            selection,
            inline,
            limit,
            output,
        } => commands::show::run(
            &common.load_options(),
            &selection.options(),
            inline.as_deref(),
            limit,
            output,
        ),
        Command::Lineage {
            common,
            column,
            downstream,
            output,
        } => commands::lineage::run(&common.load_options(), &column, downstream, output),
        Command::RunOperation {
            common,
            macro_name,
            args,
        } => commands::run_operation::run(&common.load_options(), &macro_name, args.as_deref()),
        Command::Debug { common } => commands::debug::run(&common.load_options()),
        Command::Deps {
            common,
            upgrade,
            lock,
            add_package,
            source,
        } => commands::deps::run(&common.load_options(), upgrade, lock, add_package, source),
        Command::Source { command } => source_command(command),
        Command::Braze { command } => braze_command(command),
        Command::Docs { command } => docs_command(command),
    }
}

fn source_command(command: SourceCommand) -> Result<i32, Error> {
    match command {
        SourceCommand::Freshness {
            common,
            selection,
            output,
        } => commands::freshness::run(&common.load_options(), &selection.options(), output.as_deref()),
    }
}

fn braze_command(command: BrazeCommand) -> Result<i32, Error> {
    match command {
        BrazeCommand::Setup {
            common,
            public_key,
            apply,
        } => commands::braze::run_setup(&common.load_options(), public_key.as_deref(), apply),
        BrazeCommand::RotateKey {
            common,
            public_key,
            slot,
            apply,
        } => commands::braze::run_rotate(&common.load_options(), &public_key, slot, apply),
    }
}

fn docs_command(command: DocsCommand) -> Result<i32, Error> {
    match command {
        DocsCommand::Generate {
            common,
            static_site,
            out,
        } => commands::docs::generate(&common.load_options(), static_site, out.as_deref()),
        DocsCommand::Serve { common, port, host } => commands::docs::serve(&common.load_options(), &host, port),
    }
}

/// Errors go to stderr, one screen, no debug dump.
pub fn report(e: &Error) {
    eprintln!("error: {e}");
}

fn init_logging(common: &Common) {
    use tracing_subscriber::EnvFilter;
    let default = match common.verbose {
        0 if common.quiet => "error",
        // `log(msg, info=True)` in Jinja shows, as in dbt.
        0 => "warn,mozt::jinja=info",
        1 => "mozt=debug,warn",
        _ => "mozt=trace,info",
    };
    let mut filter = EnvFilter::try_from_env("MOZT_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // sqlparser's debug lines print whole syntax trees with recursive calls, on the stack it
    // grows on the heap (with no guard page): a deep tree would crash the process.
    if let Ok(quiet) = "sqlparser=warn".parse() {
        filter = filter.add_directive(quiet);
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .with_target(false);
    let _ = match common.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.without_time().try_init(),
    };
}
