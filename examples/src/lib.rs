//! One tour per vendor client: every operation of the vendor, called with `?` into the vendor's
//! one error type, and that error matched where the tour expects one. Each module imports its
//! vendor crate and nothing else of this workspace.
//!
//! The binaries under `bin/` run a tour against the server the environment configures (the local
//! sandbox: `cargo run -p sandbox`, then the variables the README lists); `tests/tours.rs` runs
//! each tour against an in-process sandbox.

pub mod attestr;
pub mod gainsight_px;
pub mod trust;

/// A binary's exit status: success, or the error printed with its `Display` (what failed and
/// why) and status 1.
pub fn exit_code(result: Result<(), impl std::fmt::Display>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
