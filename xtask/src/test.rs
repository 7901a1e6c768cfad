//! `cargo xtask test`: every check CI runs, in the order that fails fastest.

use std::path::Path;
use std::process::Command;

/// Environment for the npm tools: no telemetry, no update banners.
const QUIET_NODE_TOOLS: [(&str, &str); 3] = [
    ("SCARF_ANALYTICS", "false"),
    ("REDOCLY_TELEMETRY", "off"),
    ("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
];

pub fn run(repo: &Path) -> Result<(), String> {
    crate::lint::run(repo)?;
    run_step(
        repo,
        "generate --check",
        cargo().args(["xtask", "generate", "--check"]),
    )?;
    run_step(
        repo,
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    run_step(
        repo,
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    crate::browser::require(repo)?;
    run_tests(repo)?;
    crate::schemathesis::run(repo)?;
    crate::other_languages::run(repo)?;
    println!("xtask test: all checks passed");
    Ok(())
}

/// `cargo test` with snapshot writing refused (as in CI), then a check that every committed
/// snapshot was used by some test: a snapshot nobody asserts against any more is an error.
fn run_tests(repo: &Path) -> Result<(), String> {
    let references = repo.join("target/insta-references.txt");
    // `target/` is missing on a fresh clone whose CARGO_TARGET_DIR points elsewhere; insta needs
    // the directory to exist to record the snapshots it reads.
    std::fs::create_dir_all(repo.join("target")).map_err(|err| format!("target/: {err}"))?;
    let _ = std::fs::remove_file(&references);
    run_step(
        repo,
        "cargo test",
        cargo()
            .args(["test", "--workspace", "--locked"])
            .env("CI", "true")
            .env("INSTA_UPDATE", "no")
            .env("INSTA_SNAPSHOT_REFERENCES_FILE", &references),
    )?;
    let referenced = std::fs::read_to_string(&references).unwrap_or_default();
    let referenced: std::collections::BTreeSet<std::path::PathBuf> = referenced
        .lines()
        .filter_map(|line| std::fs::canonicalize(line).ok())
        .collect();
    let mut unreferenced = Vec::new();
    for snapshot in snapshot_files(&repo.join("tests"))? {
        let canonical = std::fs::canonicalize(&snapshot).map_err(|err| err.to_string())?;
        if !referenced.contains(&canonical) {
            unreferenced.push(snapshot.display().to_string());
        }
    }
    if unreferenced.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} snapshot(s) are not referenced by any test; delete them or restore their test:\n  {}",
            unreferenced.len(),
            unreferenced.join("\n  ")
        ))
    }
}

fn snapshot_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries =
            std::fs::read_dir(&current).map_err(|err| format!("{}: {err}", current.display()))?;
        for entry in entries {
            let path = entry.map_err(|err| err.to_string())?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "snap") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
}

/// Runs one step from the repository root, failing with its name when it fails.
pub fn run_step(repo: &Path, name: &str, command: &mut Command) -> Result<(), String> {
    println!("==> {name}");
    let status = command
        .current_dir(repo)
        .envs(QUIET_NODE_TOOLS)
        .status()
        .map_err(|err| format!("{name}: could not start {:?}: {err}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

/// Installs the pinned linters when they are missing (a fresh clone): `npm ci` from the lockfile
/// and a virtualenv from `requirements.txt`. CI's `.ci/run` does the same before calling us.
pub fn ensure_tools(repo: &Path) -> Result<(), String> {
    if !repo.join("node_modules/.bin/redocly").exists() {
        run_step(
            repo,
            "npm ci",
            Command::new("npm").args(["ci", "--no-audit", "--no-fund"]),
        )?;
    }
    let validator = repo.join(".venv/bin/openapi-spec-validator");
    if !validator.exists() {
        run_step(
            repo,
            "python3 -m venv .venv",
            Command::new("python3").args(["-m", "venv", ".venv"]),
        )?;
        install_python_requirements(repo)?;
    }
    Ok(())
}

/// `pip install -r requirements.txt` into `.venv`.
pub fn install_python_requirements(repo: &Path) -> Result<(), String> {
    run_step(
        repo,
        "pip install -r requirements.txt",
        Command::new(repo.join(".venv/bin/pip")).args([
            "install",
            "--quiet",
            "-r",
            "requirements.txt",
        ]),
    )
}
