//! The binary's allocator settings (src/main.rs), as mimalloc itself reports them.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// mimalloc's options as it prints them with `MIMALLOC_VERBOSE=1`.
fn mimalloc_options(env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mozt"));
    cmd.arg("--version")
        .env_remove("MIMALLOC_ARENA_RESERVE")
        .env("MIMALLOC_VERBOSE", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the mozt binary");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn mimalloc_arenas_are_32_mib() {
    let options = mimalloc_options(&[]);
    assert!(
        options.contains("option 'arena_reserve': 32768 KiB"),
        "the option set before mimalloc starts was not seen:\n{options}"
    );
}

#[test]
fn an_arena_size_set_in_the_environment_is_kept() {
    let options = mimalloc_options(&[("MIMALLOC_ARENA_RESERVE", "64MiB")]);
    assert!(options.contains("option 'arena_reserve': 65536 KiB"), "{options}");
}
