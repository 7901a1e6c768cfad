//! `cargo xtask`: the workspace's one entry point for generating and checking.
//!
//! - `cargo xtask generate [--check]`: check each spec, normalize it, generate the clients,
//!   publish `spec/dist/` and the sample fixtures; with `--check`, change nothing and fail with a
//!   unified diff when anything is stale.
//! - `cargo xtask lint`: Redocly, Spectral and openapi-spec-validator on every spec.
//! - `cargo xtask test`: everything CI runs (lint, `generate --check`, fmt, clippy, tests, and
//!   the TypeScript and Python clients built from `spec/dist/`).
//! - `cargo xtask diff [BASE] [--format text|markdown|json] [--fail-on breaking|potential]
//!   [--check-version]`: the spec changes since BASE, classified (see `xtask::diff`).

mod browser;
mod lint;
mod other_languages;
mod sandbox_process;
mod schemathesis;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use xtask::outputs::{self, Mode};

const USAGE: &str = "usage: cargo xtask <generate [--check] | lint | test | diff [BASE] [options]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let repo = repo_root();
    let result = match args.as_slice() {
        ["generate"] => generate(&repo, Mode::Write),
        ["generate", "--check"] => generate(&repo, Mode::Check),
        ["lint"] => lint::run(&repo),
        ["test"] => test::run(&repo),
        ["diff", options @ ..] => xtask::diff::command::run(&repo, options),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn repo_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

fn generate(repo: &std::path::Path, mode: Mode) -> Result<(), String> {
    let report = outputs::generate(repo, mode).map_err(|err| err.to_string())?;
    match mode {
        Mode::Write => {
            for path in &report.changed {
                println!("wrote   {path}");
            }
            for path in &report.stale {
                println!("removed {path}");
            }
            if report.is_clean() {
                println!("generate: everything was up to date");
            }
            Ok(())
        }
        Mode::Check if report.is_clean() => {
            println!("generate --check: every generated and published file is up to date");
            Ok(())
        }
        Mode::Check => {
            print!("{}", report.diff);
            let mut stale: Vec<&str> = report.changed.iter().map(String::as_str).collect();
            stale.extend(report.stale.iter().map(String::as_str));
            Err(format!(
                "{} generated file(s) are out of date with spec/: {}\nrun `cargo xtask generate` and commit the result",
                stale.len(),
                stale.join(", ")
            ))
        }
    }
}
