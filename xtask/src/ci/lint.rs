//! `cargo xtask lint`: the project's own checks, then the external OpenAPI linters (pinned in
//! `package.json` and `requirements.txt`) over every authored document. Each must report 0 errors
//! and 0 warnings.
//!
//! The own checks run first because they refuse what the linters would act on: a `$ref` to a URL
//! or a file (the linters would fetch or open it), a duplicate key, a document that is not UTF-8.
//! The linters then run without a network ([`process::offline`]), so that not even a setting
//! in `redocly.yaml` or `.spectral.yaml` can make them fetch anything.

use std::path::Path;

use spec_pipeline::vendors::VENDORS;

use super::process::{offline, run_step};
use super::tools::{ensure_node_tools, ensure_python_tools};

pub fn run(repo: &Path) -> Result<(), String> {
    // The Rust-side checks (x-vendor-doc, x-error-codes, the vendor pages' facts, `$ref`s,
    // progenitor's limits): the same as every `cargo xtask generate` runs.
    for vendor in &VENDORS {
        spec_pipeline::outputs::load_checked(repo, vendor).map_err(|err| err.to_string())?;
    }
    ensure_node_tools(repo)?;
    ensure_python_tools(repo)?;
    let specs: Vec<String> = VENDORS.iter().map(|vendor| vendor.spec_path()).collect();
    let node_bin = repo.join("node_modules/.bin");
    let mut redocly = offline(&node_bin.join("redocly"));
    redocly.arg("lint").arg("--format=stylish").args(&specs);
    run_step(repo, "redocly lint", &mut redocly)?;
    let mut spectral = offline(&node_bin.join("spectral"));
    spectral
        .args(["lint", "--fail-severity", "warn"])
        .args(&specs);
    run_step(repo, "spectral lint", &mut spectral)?;
    let mut validator = offline(&repo.join(".venv/bin/openapi-spec-validator"));
    validator.args(&specs);
    run_step(repo, "openapi-spec-validator", &mut validator)?;
    println!("lint: {} documents clean", specs.len());
    Ok(())
}
