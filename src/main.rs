// mimalloc instead of the system allocator: parsing and compiling allocate many small strings
// from several threads at once, where glibc's malloc spent about a third of the CPU time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(mozt::cli::main());
}
