//! Whether the workspace still compiles with what the spec generates: the review report runs
//! `cargo check --workspace --all-targets --message-format json` on the working tree (the diff's
//! new side) and lists every error with its file and line, so a spec change that breaks the
//! hand-written code using the generated crates (the vendor crates' own layer, the sandbox,
//! erasure, the examples, the tests) is named where it breaks. This is the SDK vendors' practice
//! of compiling the previous release's code against the new SDK; the Rust API summary
//! ([`crate::semver`]) only guesses at it.
//!
//! The check reuses the repository's build: it runs in place, with the target directory `cargo
//! metadata` reports for the repository, so only what changed is checked again. It runs only when
//! the working tree's generated Rust files are what the spec generates; otherwise it would check
//! stale code, and the report says so instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use serde_json::Value;
use spec_pipeline::fsguard;

use crate::view::{code_list, items};

/// How the check runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// The target directory; `None` for the one `cargo metadata` reports for the repository.
    pub target_dir: Option<PathBuf>,
    /// A `RUSTC_WORKSPACE_WRAPPER` to check with. Cargo keys a workspace member's artifacts by its
    /// path relative to the workspace root, so a second copy of the workspace (a test's scratch
    /// copy) checked into the same target directory would pass its artifacts off as the original
    /// tree's; a wrapper of its own (its path is part of the key) keeps them apart, while the
    /// dependencies' artifacts are still shared.
    pub workspace_wrapper: Option<PathBuf>,
}

/// One compiler error, where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CompileError {
    /// The file, relative to the repository.
    pub file: String,
    /// The line of the error's primary span (1-based).
    pub line: u64,
    /// Its column (1-based).
    pub column: u64,
    /// The error in one line (`error[E0063]: missing field `x` in initializer of `Error``).
    pub message: String,
    /// The package (and target, when not the library) being checked.
    pub package: String,
    /// The file is generated (its first line says so) rather than hand-written.
    pub generated: bool,
}

/// The check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum CompileCheck {
    /// Every target of every workspace member compiles.
    Compiles {
        /// The command that ran.
        command: String,
    },
    /// Some targets do not compile.
    DoesNotCompile {
        /// The command that ran.
        command: String,
        /// Every error with a place in the repository, sorted, without repeats (a library and its
        /// unit tests report the same error twice).
        errors: Vec<CompileError>,
        /// What Cargo said when no compiler error explains the failure (a manifest error).
        #[serde(skip_serializing_if = "Option::is_none")]
        cargo_error: Option<String>,
    },
    /// The check did not run, and why.
    NotRun {
        /// Why.
        reason: String,
        /// Whether it was asked not to run (`--no-compile-check`); otherwise the gate fails closed.
        skipped_on_request: bool,
    },
}

impl CompileCheck {
    /// The compiler errors, if the workspace does not compile.
    pub fn errors(&self) -> &[CompileError] {
        match self {
            CompileCheck::DoesNotCompile { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Every reason the check gives a gate to fail, one line each: the errors of a workspace that
    /// does not compile, or why the check could not run when it was meant to.
    pub fn failures(&self) -> Vec<String> {
        match self {
            CompileCheck::Compiles { .. }
            | CompileCheck::NotRun {
                skipped_on_request: true,
                ..
            } => Vec::new(),
            CompileCheck::NotRun { reason, .. } => {
                vec![format!("the compile check did not run: {reason}")]
            }
            CompileCheck::DoesNotCompile {
                errors,
                cargo_error,
                ..
            } => {
                let mut lines: Vec<String> = errors
                    .iter()
                    .map(|error| {
                        format!(
                            "the workspace does not compile: {}:{}:{}: {} ({})",
                            error.file, error.line, error.column, error.message, error.package
                        )
                    })
                    .collect();
                if lines.is_empty() {
                    lines.push(format!(
                        "the workspace does not compile: {}",
                        cargo_error.as_deref().unwrap_or("cargo check failed")
                    ));
                }
                lines
            }
        }
    }
}

/// The Rust API finding a workspace that does not compile adds to a vendor whose generated code
/// changed: breaking, whatever the summary of the generated code says.
pub(crate) fn breaking_finding(errors: &[CompileError]) -> String {
    let mut files: Vec<&str> = errors.iter().map(|error| error.file.as_str()).collect();
    files.dedup();
    format!(
        "the workspace no longer compiles with the regenerated code: {} error(s) in {} (see the compile check)",
        errors.len(),
        code_list(files)
    )
}

/// The cargo the xtask runs under, else `cargo` on the PATH.
fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The target directory `cargo metadata` reports for the workspace at `repo`.
pub fn target_dir(repo: &Path) -> Result<PathBuf, String> {
    let output = Command::new(cargo())
        .current_dir(repo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|err| format!("could not run cargo metadata: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("cargo metadata wrote no JSON: {err}"))?;
    metadata
        .get("target_directory")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata reports no target_directory".to_string())
}

/// Runs `cargo check --workspace --all-targets --message-format json` in `repo`.
pub(crate) fn check_workspace(repo: &Path, options: &CompileOptions) -> CompileCheck {
    let not_run = |reason: String| CompileCheck::NotRun {
        reason,
        skipped_on_request: false,
    };
    let target = match options
        .target_dir
        .clone()
        .map_or_else(|| target_dir(repo), Ok)
    {
        Ok(dir) => dir,
        Err(reason) => return not_run(reason),
    };
    let args = [
        "check",
        "--workspace",
        "--all-targets",
        "--message-format",
        "json",
    ];
    let command = format!("cargo {}", args.join(" "));
    let mut cargo = Command::new(cargo());
    cargo
        .current_dir(repo)
        .args(args)
        .env("CARGO_TARGET_DIR", &target)
        // Set by `cargo test` or `cargo clippy` around the xtask; they are not this build's.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_MANIFEST_DIR");
    if let Some(wrapper) = &options.workspace_wrapper {
        cargo.env("RUSTC_WORKSPACE_WRAPPER", wrapper);
    }
    let output = match cargo.output() {
        Ok(output) => output,
        Err(err) => return not_run(format!("could not run cargo: {err}")),
    };
    if output.status.success() {
        return CompileCheck::Compiles { command };
    }
    let errors = parse_messages(repo, &String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let cargo_error = errors.is_empty().then(|| {
        stderr
            .lines()
            .filter(|line| line.trim_start().starts_with("error"))
            .collect::<Vec<_>>()
            .join("; ")
    });
    CompileCheck::DoesNotCompile {
        command,
        errors,
        cargo_error,
    }
}

/// The errors in Cargo's JSON messages, each at its primary span, relative to `repo`. A field a
/// message lacks reads as empty.
pub(crate) fn parse_messages(repo: &Path, stdout: &str) -> Vec<CompileError> {
    let mut errors = Vec::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let text = |pointer| message.pointer(pointer).and_then(Value::as_str);
        if text("/reason") != Some("compiler-message") || text("/message/level") != Some("error") {
            continue;
        }
        // "aborting due to N previous errors" and the like: no place of their own.
        let mut spans = items(message.pointer("/message/spans"));
        let Some(span) = spans.find(|span| span["is_primary"] == true) else {
            continue;
        };
        let Some(file) = span["file_name"]
            .as_str()
            .and_then(|name| relative(repo, name))
        else {
            continue;
        };
        let said = text("/message/message").unwrap_or_default();
        let summary = match text("/message/code/code") {
            Some(code) => format!("error[{code}]: {said}"),
            None => format!("error: {said}"),
        };
        // `vendor_sandbox` (a library), `e2e_sandbox (test)`, `attestr (example)`.
        let name = text("/target/name").unwrap_or_default();
        let package = match text("/target/kind/0") {
            None | Some("lib" | "rlib" | "proc-macro") => name.to_string(),
            Some(kind) => format!("{name} ({kind})"),
        };
        let generated = fsguard::read_text(repo, &file, fsguard::MAX_GENERATED_BYTES)
            .is_ok_and(|text| text.starts_with("// @generated"));
        errors.push(CompileError {
            line: span["line_start"].as_u64().unwrap_or_default(),
            column: span["column_start"].as_u64().unwrap_or_default(),
            message: summary,
            package,
            generated,
            file,
        });
    }
    errors.sort();
    errors.dedup_by(|a, b| {
        (&a.file, a.line, a.column, &a.message) == (&b.file, b.line, b.column, &b.message)
    });
    errors
}

/// `file` relative to `repo` when it is inside it (rustc names workspace files relative to the
/// workspace root, and dependencies' files absolute).
fn relative(repo: &Path, file: &str) -> Option<String> {
    let path = Path::new(file);
    let inside = if path.is_absolute() {
        let repo = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
        path.strip_prefix(&repo).ok()?.to_path_buf()
    } else {
        path.to_path_buf()
    };
    fsguard::plain_relative(&inside.to_string_lossy()).ok()?;
    Some(inside.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_at_their_primary_span_once_and_notes_are_not_errors() {
        let error = r#"{"reason":"compiler-message","package_id":"x","target":{"name":"vendor_sandbox","kind":["lib"]},"message":{"level":"error","message":"mismatched types","code":{"code":"E0308"},"spans":[{"file_name":"crates/sandbox/src/vendors/attestr/error.rs","line_start":113,"column_start":31,"is_primary":true},{"file_name":"crates/sandbox/src/x.rs","line_start":1,"column_start":1,"is_primary":false}]}}"#;
        let same_in_tests = error.replace(r#""kind":["lib"]"#, r#""kind":["test"]"#);
        let warning = error.replace(r#""level":"error""#, r#""level":"warning""#);
        let aborting = r#"{"reason":"compiler-message","target":{"name":"vendor_sandbox","kind":["lib"]},"message":{"level":"error","message":"aborting due to 1 previous error","code":null,"spans":[]}}"#;
        let elsewhere = error.replace(
            "crates/sandbox/src/vendors/attestr/error.rs",
            "/root/.cargo/registry/src/x/lib.rs",
        );
        let stdout = [
            error,
            &same_in_tests,
            &warning,
            aborting,
            &elsewhere,
            "not json",
            r#"{"reason":"build-finished","success":false}"#,
        ]
        .join("\n");
        let errors = parse_messages(Path::new("/nonexistent-repo"), &stdout);
        assert_eq!(
            errors,
            [CompileError {
                file: "crates/sandbox/src/vendors/attestr/error.rs".to_string(),
                line: 113,
                column: 31,
                message: "error[E0308]: mismatched types".to_string(),
                package: "vendor_sandbox".to_string(),
                generated: false,
            }]
        );
        let check = CompileCheck::DoesNotCompile {
            command: "cargo check".to_string(),
            errors,
            cargo_error: None,
        };
        assert_eq!(
            check.failures(),
            [
                "the workspace does not compile: crates/sandbox/src/vendors/attestr/error.rs:113:31: error[E0308]: mismatched types (vendor_sandbox)"
            ]
        );
        assert!(
            CompileCheck::NotRun {
                reason: "asked".to_string(),
                skipped_on_request: true
            }
            .failures()
            .is_empty()
        );
        assert_eq!(
            CompileCheck::NotRun {
                reason: "stale".to_string(),
                skipped_on_request: false
            }
            .failures(),
            ["the compile check did not run: stale"]
        );
    }
}
