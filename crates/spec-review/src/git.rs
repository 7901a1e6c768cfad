//! The base revision of a diff, and reading files as they were at it.
//!
//! Only `git` plumbing is used (`rev-parse`, `merge-base`, `ls-tree`, `cat-file`), so the work tree
//! and the index are never touched.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

use crate::model::DiffError;

/// The revision the working tree is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseRevision {
    /// The full commit id.
    pub commit: String,
    /// How it was chosen, for the report (`merge-base with main`, `HEAD~1 (no merge-base with
    /// main)`, or the BASE given).
    pub chosen_as: String,
}

impl BaseRevision {
    /// The first 12 characters of the commit id.
    pub fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }
}

/// `requested` when given (any revision git understands), otherwise the merge-base of HEAD with
/// `main`, otherwise `HEAD~1`.
pub fn resolve_base(repo: &Path, requested: Option<&str>) -> Result<BaseRevision, DiffError> {
    if let Some(revision) = requested {
        let commit = rev_parse(repo, revision).map_err(|message| {
            DiffError::Failed(format!(
                "BASE `{revision}` is not a commit of this repository ({message})"
            ))
        })?;
        return Ok(BaseRevision {
            commit,
            chosen_as: revision.to_string(),
        });
    }
    // CI checkouts often have only the remote-tracking branch.
    let mut merge_base_errors = Vec::new();
    for main in ["main", "origin/main"] {
        match git(repo, &["merge-base", "HEAD", main]) {
            Ok(commit) => {
                return Ok(BaseRevision {
                    commit,
                    chosen_as: format!("merge-base with {main}"),
                });
            }
            Err(message) => merge_base_errors.push(format!("merge-base with {main}: {message}")),
        }
    }
    match rev_parse(repo, "HEAD~1") {
        Ok(commit) => Ok(BaseRevision {
            commit,
            chosen_as: "HEAD~1 (no merge-base with main)".to_string(),
        }),
        Err(parent_error) => Err(DiffError::Failed(format!(
            "no default BASE: there is no `main` branch to take a merge-base with, and HEAD has no parent ({}; HEAD~1: {parent_error}); pass BASE explicitly",
            merge_base_errors.join("; ")
        ))),
    }
}

fn rev_parse(repo: &Path, revision: &str) -> Result<String, String> {
    git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{revision}^{{commit}}"),
        ],
    )
    .map_err(|message| {
        if message.is_empty() {
            "git rev-parse finds no such commit".to_string()
        } else {
            message
        }
    })
}

/// A file's bytes at `commit`, or `None` when the commit has no such file.
pub fn file_at(repo: &Path, commit: &str, path: &str) -> Result<Option<Vec<u8>>, DiffError> {
    if files_at(repo, commit, path)?.is_empty() {
        return Ok(None);
    }
    let args = ["cat-file", "blob", &format!("{commit}:{path}")];
    let bytes = run(repo, &args).map_err(|message| failed(&args, message))?;
    Ok(Some(bytes))
}

/// Every file at or below `path` at `commit`, sorted.
pub fn files_at(repo: &Path, commit: &str, path: &str) -> Result<Vec<String>, DiffError> {
    let args = ["ls-tree", "-r", "--name-only", commit, "--", path];
    let listing = git(repo, &args).map_err(|message| failed(&args, message))?;
    let mut files: Vec<String> = listing.lines().map(str::to_string).collect();
    files.sort();
    Ok(files)
}

/// `git args` failed: `message` is what git printed on stderr, or why it could not run.
fn failed(args: &[&str], message: String) -> DiffError {
    DiffError::Failed(format!("`git {}` failed: {message}", args.join(" ")))
}

/// Runs git in `repo`; its trimmed stdout, or its trimmed stderr as the error.
fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let stdout = run(repo, args)?;
    Ok(String::from_utf8_lossy(&stdout).trim().to_string())
}

/// Runs git in `repo`; its stdout, or its trimmed stderr as the error.
fn run(repo: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .current_dir(repo)
        .args(args)
        .output()
        .map_err(|err| format!("could not run git: {err}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}
