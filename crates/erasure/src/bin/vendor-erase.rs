//! `vendor-erase`: see `vendor-erase --help` and the crate documentation.

fn main() -> std::process::ExitCode {
    erasure::cli::main()
}
