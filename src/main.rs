// mimalloc instead of the system allocator: parsing and compiling allocate many small strings
// from several threads at once, where glibc's malloc spent about a third of the CPU time.
// Its arenas may use transparent huge pages: a 10,000-model compile takes about 60 MB more at
// peak (about 285 MB) and fewer page faults, 4-9% less wall time (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(mozt::cli::main());
}
