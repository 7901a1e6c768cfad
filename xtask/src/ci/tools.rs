//! Installing the pinned external tools when they are missing (a fresh clone): the Node tools from
//! `package-lock.json` (`npm ci`) and the Python tools from `requirements.txt` (a virtualenv in
//! `.venv`). CI's `.ci/run` does the same before calling `cargo xtask test`; every command that
//! needs a tool calls the matching function here first, so none refuses to run for want of one.

use std::path::Path;
use std::process::Command;

use super::process::run_step;

/// The Node tools' binaries every command may call; one missing means `npm ci` has not run.
const NODE_TOOLS: [&str; 4] = ["redocly", "spectral", "openapi-typescript", "tsc"];

/// The Python tools' binaries, all pinned in `requirements.txt`; one missing (a virtualenv made
/// before it was pinned) means `pip install -r requirements.txt` runs again.
const PYTHON_TOOLS: [&str; 4] = [
    "openapi-spec-validator",
    "openapi-python-client",
    "st",
    "actionlint",
];

/// `npm ci` when a Node tool is missing.
pub fn ensure_node_tools(repo: &Path) -> Result<(), String> {
    let bin = repo.join("node_modules/.bin");
    if NODE_TOOLS.iter().all(|tool| bin.join(tool).exists()) {
        return Ok(());
    }
    run_step(
        repo,
        "npm ci (the Node tools pinned in package-lock.json)",
        Command::new("npm").args(["ci", "--no-audit", "--no-fund"]),
    )
}

/// A virtualenv in `.venv` with `requirements.txt` installed, when a Python tool is missing.
pub fn ensure_python_tools(repo: &Path) -> Result<(), String> {
    let bin = repo.join(".venv/bin");
    if PYTHON_TOOLS.iter().all(|tool| bin.join(tool).exists()) {
        return Ok(());
    }
    if !bin.join("pip").exists() {
        run_step(
            repo,
            "python3 -m venv .venv",
            Command::new("python3").args(["-m", "venv", ".venv"]),
        )?;
    }
    install_python_requirements(repo)
}

/// `pip install -r requirements.txt` into `.venv`.
pub fn install_python_requirements(repo: &Path) -> Result<(), String> {
    run_step(
        repo,
        "pip install -r requirements.txt",
        Command::new(repo.join(".venv/bin/pip"))
            .args("install --quiet -r requirements.txt".split(' ')),
    )
}
