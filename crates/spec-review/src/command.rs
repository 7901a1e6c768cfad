//! `cargo xtask diff [BASE] [--format text|markdown|json] [--fail-on breaking|potential]
//! [--check-version] [--no-compile-check]`: prints the review report ([`crate::report`]) in one
//! format, then applies the gates the options ask for.
//!
//! A vendor whose spec and crate carry the major bump its breaking changes need has those changes
//! *accepted by the bump*: they are still listed, and the report says which bump accepts them,
//! but `--fail-on` no longer counts them. That is how an intended break lands. No bump accepts a
//! workspace that no longer compiles ([`crate::compile`]): `--fail-on` fails on it, and on a
//! compile check that could not run, until the hand-written code is fixed in the same change.

use std::path::Path;

use crate::compile::CompileOptions;
use crate::model::Severity;
use crate::render;
use crate::report::{Report, build_report};

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The classified spec changes per vendor, for a terminal.
    Text,
    /// The whole review report, for a pull request.
    Markdown,
    /// The whole [`Report`], for tools.
    Json,
}

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The revision to compare with; `None` for the default (the merge-base of HEAD with `main`, else `HEAD~1`).
    pub base: Option<String>,
    /// How the report is printed.
    pub format: Format,
    /// Fail when a change this severe (or worse) is present and not accepted by a major bump.
    pub fail_on: Option<Severity>,
    /// Fail when a vendor's versions disagree or lack the bump its changes need.
    pub check_version: bool,
    /// Run `cargo check` on the workspace ([`crate::compile`]); off with `--no-compile-check`.
    pub compile_check: bool,
}

/// Runs the command: prints the report, then fails when a gate asks for it.
pub fn run(repo: &Path, options: &Options) -> Result<(), String> {
    let compile_check = options.compile_check.then(CompileOptions::default);
    let report = build_report(repo, options.base.as_deref(), compile_check.as_ref())
        .map_err(|err| err.to_string())?;
    let output = match options.format {
        Format::Text => render::text(&report),
        Format::Markdown => render::markdown(&report),
        Format::Json => render::json(&report),
    };
    print!("{output}");
    let failures = failures(&report, options);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "diff against {} ({}) failed:\n  - {}",
            report.base.short(),
            report.base.chosen_as,
            failures.join("\n  - ")
        ))
    }
}

/// Every reason the options give to fail, one line each.
pub fn failures(report: &Report, options: &Options) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(threshold) = options.fail_on {
        for vendor in report
            .vendors
            .iter()
            .filter(|v| v.accepted_by_bump.is_none())
        {
            for change in vendor.changes.iter().filter(|c| c.severity <= threshold) {
                let operations = if change.operations.is_empty() {
                    String::new()
                } else {
                    format!(" {}", change.operations.join(", "))
                };
                failures.push(format!(
                    "{} change in {}{operations}: {} [{}]",
                    change.severity.label(),
                    vendor.vendor,
                    change.message,
                    change.rule
                ));
            }
        }
        // A major bump accepts a break for the crates' users, not code in this repository that
        // no longer builds; and a check that could not run proves nothing (fail closed).
        failures.extend(report.compile.failures());
    }
    if options.check_version {
        for vendor in &report.vendors {
            failures.extend(
                vendor
                    .version_problems
                    .iter()
                    .map(|problem| format!("{}: {problem}", vendor.vendor)),
            );
        }
    }
    failures
}
