//! `cargo xtask lint`: the external OpenAPI linters, pinned in `package.json` and
//! `requirements.txt`, over every authored document. Each must report 0 errors and 0 warnings.

use std::path::Path;
use std::process::Command;

use xtask::vendors::VENDORS;

use crate::test::{ensure_tools, run_step};

pub fn run(repo: &Path) -> Result<(), String> {
    ensure_tools(repo)?;
    let specs: Vec<String> = VENDORS.iter().map(|vendor| vendor.spec_path()).collect();
    let node_bin = repo.join("node_modules/.bin");
    let mut redocly = Command::new(node_bin.join("redocly"));
    redocly.arg("lint").arg("--format=stylish").args(&specs);
    run_step(repo, "redocly lint", &mut redocly)?;
    let mut spectral = Command::new(node_bin.join("spectral"));
    spectral
        .args(["lint", "--fail-severity", "warn"])
        .args(&specs);
    run_step(repo, "spectral lint", &mut spectral)?;
    let mut validator = Command::new(repo.join(".venv/bin/openapi-spec-validator"));
    validator.args(&specs);
    run_step(repo, "openapi-spec-validator", &mut validator)?;
    // The Rust-side checks (x-vendor-doc, x-error-codes, progenitor limits) run in every
    // `cargo xtask generate`; running them here too makes `lint` a complete answer on its own.
    for vendor in &VENDORS {
        xtask::outputs::load_checked(repo, vendor).map_err(|err| err.to_string())?;
    }
    println!("lint: {} documents clean", specs.len());
    Ok(())
}
