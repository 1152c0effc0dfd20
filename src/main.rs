fn main() {
    std::process::exit(mozt::cli::main());
}
