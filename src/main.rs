// mimalloc instead of the system allocator: parsing and compiling allocate many small strings
// from several threads at once, where glibc's malloc spent about a third of the CPU time.
// Its arenas may use transparent huge pages: a 10,000-model compile then peaks higher (about
// 175 MB, against 145 MB without), with far fewer page faults and less wall time
// (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's arenas are 32 MiB (one chunk of its page bitmap) instead of 1 GiB. Each thread
// starts its search for free pages in a different chunk of an arena, so in one large arena the
// threads' pages lie far apart, and each thread first-touches huge pages of its own. With one
// chunk per arena they are packed together: a 10,000-model compile touches about 20 MB (ten
// huge pages) less fresh memory, which the kernel must zero (docs/benchmarks.md).
//
// The option is set in the environment, where mimalloc reads it, by a constructor that runs
// before mimalloc's own (default-priority constructors run after those with a priority) and
// before any Rust code allocates. A value already in the environment is left as it is. The
// test `mimalloc_arenas_are_32_mib` checks that mimalloc sees it.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00101")]
static SET_MIMALLOC_OPTIONS: extern "C" fn() = set_mimalloc_options;

#[cfg(target_os = "linux")]
extern "C" fn set_mimalloc_options() {
    unsafe extern "C" {
        fn setenv(name: *const std::ffi::c_char, value: *const std::ffi::c_char, overwrite: i32) -> i32;
    }
    // No allocation here: the global allocator is mimalloc, which must not start first. A
    // failure leaves mimalloc's default, which works too.
    unsafe {
        setenv(c"MIMALLOC_ARENA_RESERVE".as_ptr(), c"32MiB".as_ptr(), 0);
    }
}

fn main() {
    std::process::exit(mozt::cli::main());
}
