//! The CI side of `cargo xtask`: `lint` and `test`, and the external tools they drive.
//!
//! [`test`] runs every check CI runs, in the order that fails fastest. The tools it calls are
//! installed by [`tools`] and run through [`process`]; nothing here imports back from the steps.

pub mod browser;
pub mod lint;
pub mod other_languages;
pub mod process;
pub mod sandbox_process;
pub mod schemathesis;
pub mod tools;
pub mod workflows;

use std::path::Path;

use process::{cargo, run_step};

/// `cargo xtask test`: lint, `generate --check`, `site --check`, fmt, clippy, the documentation, the workspace
/// tests (the browser tests among them), a call with the `tls-ring` feature alone, schemathesis
/// against the sandbox, and the TypeScript and Python clients of the published spec.
pub fn test(repo: &Path) -> Result<(), String> {
    lint::run(repo)?;
    workflows::lint(repo)?;
    // The reference site is checked apart from generate because it needs the Node tools (lint
    // installed them above).
    for (name, args) in [
        ("cargo xtask generate --check", "xtask generate --check"),
        ("cargo xtask site --check", "xtask site --check"),
        ("cargo fmt --check", "fmt --all --check"),
        (
            "cargo clippy",
            "clippy --workspace --all-targets --locked -- -D warnings",
        ),
    ] {
        run_step(repo, name, cargo().args(args.split(' ')))?;
    }
    // Every public item documented, and no broken link or stray HTML in the docs.
    run_step(
        repo,
        "cargo doc",
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--locked"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    browser::require(repo)?;
    run_tests(repo)?;
    // The workspace run has aws-lc on; with `tls-ring` alone the runtime installs the provider.
    run_step(
        repo,
        "cargo test -p attestr --no-default-features --features tls-ring",
        cargo().args(
            "test -p attestr --no-default-features --features tls-ring --locked --test tls_ring"
                .split(' '),
        ),
    )?;
    schemathesis::run(repo)?;
    other_languages::run(repo)?;
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
    let snapshots =
        spec_pipeline::outputs::files_under(repo, "tests").map_err(|err| err.to_string())?;
    for snapshot in snapshots.iter().filter(|path| path.ends_with(".snap")) {
        let canonical = std::fs::canonicalize(repo.join(snapshot))
            .map_err(|err| format!("{snapshot}: {err}"))?;
        if !referenced.contains(&canonical) {
            unreferenced.push(snapshot.clone());
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
