//! Ctrl-C, one mechanism for every warehouse: a process-wide cancel flag and the interrupt
//! hooks that connections register (DuckDB: its connection's interrupt handle; Snowflake: an
//! abort request for each running statement).
//!
//! While a run is in progress (a `Graceful` guard is alive) the first Ctrl-C sets the flag and
//! calls every hook: the scheduler starts no more nodes, the statements running now fail, the
//! run records what was cancelled, writes run_results.json, drops its temporary relations and
//! exits with 130. Statements started after the flag was set fail at once (`check`), until the
//! run calls `cleaning_up` for the statements of its clean-up. A second Ctrl-C exits at once.
//! Outside a run, Ctrl-C calls the hooks and exits with 130.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// The exit code after Ctrl-C (128 + SIGINT, as a shell reports it).
pub(crate) const EXIT_CANCELLED: i32 = 130;

const IDLE: u8 = 0;
const GRACEFUL: u8 = 1;
const CANCELLING: u8 = 2;
const CLEANING: u8 = 3;

static STATE: AtomicU8 = AtomicU8::new(IDLE);
static NEXT_HOOK: AtomicU64 = AtomicU64::new(1);

type Hook = Arc<dyn Fn() + Send + Sync>;
static HOOKS: Mutex<Vec<(u64, Hook)>> = Mutex::new(Vec::new());

/// The message of the error a statement fails with once the run is cancelled.
pub(crate) const CANCELLED_MESSAGE: &str = "cancelled by Ctrl-C";

/// Install the Ctrl-C handler (once per process; a handler someone else installed first is
/// left in place).
pub(crate) fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(on_signal);
    });
}

fn on_signal() {
    let state = STATE.load(Ordering::SeqCst);
    match state {
        GRACEFUL => {
            STATE.store(CANCELLING, Ordering::SeqCst);
            eprintln!("\nCancelling: interrupting the running statements (Ctrl-C again to exit at once) ...");
            // The hooks may wait on the network (Snowflake): run them aside so that a second
            // Ctrl-C is still heard.
            std::thread::spawn(run_hooks);
        }
        IDLE => {
            STATE.store(CANCELLING, Ordering::SeqCst);
            eprintln!("\nCancelled.");
            run_hooks();
            std::process::exit(EXIT_CANCELLED);
        }
        _ => {
            eprintln!("\nExiting at once.");
            std::process::exit(EXIT_CANCELLED);
        }
    }
}

/// Call every registered hook (they interrupt what their connection runs now).
fn run_hooks() {
    let hooks: Vec<Hook> = match HOOKS.lock() {
        Ok(list) => list.iter().map(|(_, h)| Arc::clone(h)).collect(),
        Err(_) => return,
    };
    for hook in hooks {
        hook();
    }
}

/// Whether the user asked to stop (the run is cancelling or cleaning up after it).
pub(crate) fn requested() -> bool {
    STATE.load(Ordering::SeqCst) >= CANCELLING
}

/// An error when statements must not start any more (the run is cancelling).
pub(crate) fn check() -> Result<()> {
    match STATE.load(Ordering::SeqCst) {
        CANCELLING => Err(Error::runtime(CANCELLED_MESSAGE)),
        _ => Ok(()),
    }
}

/// The run stopped its workers after a cancel: the statements of its clean-up may run.
pub(crate) fn cleaning_up() {
    let _ = STATE.compare_exchange(CANCELLING, CLEANING, Ordering::SeqCst, Ordering::SeqCst);
}

/// While alive, the first Ctrl-C cancels the run instead of ending the process.
pub(crate) struct Graceful(());

impl Graceful {
    pub(crate) fn enter() -> Graceful {
        install();
        let _ = STATE.compare_exchange(IDLE, GRACEFUL, Ordering::SeqCst, Ordering::SeqCst);
        Graceful(())
    }
}

impl Drop for Graceful {
    /// The run is over: Ctrl-C ends the process again, and a later run starts uncancelled.
    fn drop(&mut self) {
        STATE.store(IDLE, Ordering::SeqCst);
    }
}

/// A registered hook; dropping it unregisters the hook.
pub(crate) struct HookGuard(u64);

/// Register `hook`, called when the user cancels (from the signal handler's side thread).
pub(crate) fn register(hook: impl Fn() + Send + Sync + 'static) -> HookGuard {
    let id = NEXT_HOOK.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut list) = HOOKS.lock() {
        list.push((id, Arc::new(hook)));
    }
    HookGuard(id)
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        if let Ok(mut list) = HOOKS.lock() {
            list.retain(|(id, _)| *id != self.0);
        }
    }
}
