// mimalloc instead of the system allocator: parsing and compiling allocate many small strings
// from several threads at once, where glibc's malloc spent about a third of the CPU time.
// Its arenas may use transparent huge pages: a 10,000-model compile then peaks higher (about
// 210 MB, against 160 MB without), with far fewer page faults and 4-9% less wall time
// (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(mozt::cli::main());
}
