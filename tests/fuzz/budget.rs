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
