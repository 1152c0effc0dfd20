//! How long a fuzzing harness runs (tests/fuzz/sql.rs, tests/fuzz/project.rs): up to
//! `MOZT_FUZZ_CASES` cases or `MOZT_FUZZ_SECONDS` seconds, whichever ends first, from the seed
//! `MOZT_FUZZ_SEED`. In `cargo test` (and so in CI) a few seconds' worth; scripts/fuzz.sh runs
//! a release build for as long as it is asked to.

use std::time::{Duration, Instant};

pub(crate) struct Budget {
    pub(crate) cases: u64,
    pub(crate) seed: u64,
    pub(crate) started: Instant,
    until: Duration,
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

impl Budget {
    /// The budget the environment sets, with these defaults.
    pub(crate) fn from_env(cases: u64, seconds: u64) -> Budget {
        Budget {
            cases: env_number("MOZT_FUZZ_CASES").unwrap_or(cases),
            seed: env_number("MOZT_FUZZ_SEED").unwrap_or(24),
            started: Instant::now(),
            until: Duration::from_secs(env_number("MOZT_FUZZ_SECONDS").unwrap_or(seconds)),
        }
    }

    /// Whether case number `case` (from 0) is to be tried; every 10,000 cases, `name` and the
    /// count so far are printed.
    pub(crate) fn go_on(&self, name: &str, case: u64) -> bool {
        if case > 0 && case.is_multiple_of(10_000) {
            eprintln!("{name}: {case} cases in {:?}", self.started.elapsed());
        }
        case < self.cases && self.started.elapsed() < self.until
    }
}

/// A case that runs longer than this is a hang (`MOZT_FUZZ_CASE_SECONDS`, default 60): no
/// case should take more than a fraction of a second.
fn case_limit() -> Duration {
    Duration::from_secs(env_number("MOZT_FUZZ_CASE_SECONDS").unwrap_or(60))
}

/// Watches the case under way: when one runs past `case_limit()`, prints its seed and input
/// and ends the process with a failure (a hang would otherwise run until the job's time-out,
/// with nothing to say which input it was).
pub(crate) struct Watchdog {
    current: std::sync::Arc<std::sync::Mutex<Option<(u64, String, Instant)>>>,
}

impl Watchdog {
    pub(crate) fn start(name: &'static str) -> Watchdog {
        let current: std::sync::Arc<std::sync::Mutex<Option<(u64, String, Instant)>>> = Default::default();
        let seen = current.clone();
        let limit = case_limit();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let Ok(guard) = seen.lock() else { return };
                if let Some((seed, input, started)) = guard.as_ref()
                    && started.elapsed() > limit
                {
                    eprintln!("{name}: seed {seed}: one case ran for over {limit:?} (a hang); its input:\n{input}");
                    std::process::exit(101);
                }
            }
        });
        Watchdog { current }
    }

    /// The case about to run: its seed and its input (printed with `MOZT_FUZZ_PRINT=1`, to
    /// see the input of a case that aborts the process, a stack overflow).
    pub(crate) fn case(&self, seed: u64, input: &str) {
        if std::env::var_os("MOZT_FUZZ_PRINT").is_some() {
            eprintln!("seed {seed}:\n{input}");
        }
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some((seed, input.to_string(), Instant::now()));
        }
    }
}
