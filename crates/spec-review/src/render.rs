//! The three output formats of `cargo xtask diff`.
//!
//! - text: the classified spec changes per vendor, for a terminal;
//! - markdown: the review report a reviewer pastes into a pull request, the whole chain in the
//!   crate docs' order (the vendor pages first), with the bump that accepts a break;
//! - json: everything, for tools.
//!
//! Every list is sorted before it gets here, so the output is deterministic.

use std::fmt::Write;

use crate::compile::CompileCheck;
use crate::file_change::FileStatus;
use crate::model::{Change, RatedBy, Severity, Summary};
use crate::report::{Report, VendorReport};
use crate::semver::ApiLevel;
use crate::versions::VersionPair;
use crate::view::{capitalized, code_list};

/// The changes of one document as text, one block per change (what the fixture tests lock).
pub fn changes_text(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let operations = if change.operations.is_empty() {
            "(document)".to_string()
        } else {
            change.operations.join(", ")
        };
        let _ = writeln!(out, "[{}] {operations}", change.severity.label());
        let _ = writeln!(out, "    {}", change.message);
        let _ = writeln!(
            out,
            "    why: {} [{}; {}]",
            change.reason,
            change.rule,
            rated_by(change)
        );
        let _ = writeln!(out, "    at {}", change.location);
    }
    out
}

fn rated_by(change: &Change) -> String {
    match (change.rated_by, &change.redocly_impact) {
        (RatedBy::Redocly, Some(impact)) => format!("Redocly: {impact}"),
        (RatedBy::Redocly, None) => "Redocly".to_string(),
        (RatedBy::Override, Some(impact)) => format!("overrides Redocly's {impact}"),
        (RatedBy::Override, None) => "overrides Redocly".to_string(),
        (RatedBy::Xtask, _) => "xtask rule; Redocly does not see it".to_string(),
    }
}

fn summary_text(summary: &Summary) -> String {
    format!(
        "{} breaking, {} potentially breaking, {} non-breaking",
        summary.breaking, summary.potentially_breaking, summary.non_breaking
    )
}

fn versions_text(vendor: &VendorReport) -> String {
    let pair = |pair: &VersionPair| match &pair.base {
        Some(base) if *base == pair.current => pair.current.clone(),
        Some(base) => format!("{base} → {}", pair.current),
        None => format!("(new) {}", pair.current),
    };
    let versions = &vendor.versions;
    format!(
        "spec {} · crate {}",
        pair(&versions.spec),
        pair(&versions.crate_version)
    )
}

/// The text report.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Spec changes from {} ({}) to the working tree: {}",
        report.base.short(),
        report.base.chosen_as,
        summary_text(&report.summary())
    );
    for vendor in &report.vendors {
        let _ = writeln!(out);
        let new = new_at_revision(vendor);
        let summary = match vendor.changes.is_empty() {
            true => "no changes".to_string(),
            false => summary_text(&vendor.summary),
        };
        let _ = writeln!(out, "{} ({}){new}: {summary}", vendor.vendor, vendor.spec);
        for line in changes_text(&vendor.changes).lines() {
            let _ = writeln!(out, "  {line}");
        }
        let _ = writeln!(out, "  versions: {}", versions_text(vendor));
        for problem in &vendor.version_problems {
            let _ = writeln!(out, "  version check: {problem}");
        }
        if let Some(bump) = &vendor.accepted_by_bump {
            let _ = writeln!(
                out,
                "  accepted: the breaking change(s) are accepted by the major bump ({bump})"
            );
        }
        let generated = &vendor.generated;
        if let Some(error) = &generated.error {
            let _ = writeln!(
                out,
                "  generated files: the working-tree spec does not generate: {error}"
            );
        } else {
            if !generated.files.is_empty() {
                let files: Vec<&str> = generated.files.iter().map(|f| f.path.as_str()).collect();
                let _ = writeln!(
                    out,
                    "  generated files changed (diffs: --format markdown): {}",
                    files.join(", ")
                );
            }
            let _ = writeln!(out, "  Rust API: {}", generated.rust_api.level.label());
            for (level, finding) in &generated.rust_api.findings {
                let _ = writeln!(out, "    [{}] {finding}", level.label());
            }
            if !generated.not_regenerated.is_empty() {
                let _ = writeln!(
                    out,
                    "  not regenerated yet: {}",
                    generated.not_regenerated.join(", ")
                );
            }
        }
    }
    let _ = write!(out, "\n{}", compile_text(&report.compile));
    if !report.sources.is_empty() {
        let _ = writeln!(out, "\nVendor documentation sources changed:");
        for source in &report.sources {
            let _ = writeln!(
                out,
                "  {} {}{}",
                status_word(source.status),
                source.path,
                cited(&source.cited_by)
            );
        }
    }
    out
}

/// The note after a vendor's name when its spec is new at this revision.
fn new_at_revision(vendor: &VendorReport) -> &'static str {
    match vendor.new_vendor {
        true => " (new at this revision)",
        false => "",
    }
}

fn status_word(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Added => "added",
        FileStatus::Removed => "removed",
        FileStatus::Modified => "modified",
    }
}

fn cited(cited_by: &[String]) -> String {
    if cited_by.is_empty() {
        " (cited by no operation)".to_string()
    } else {
        format!(" (cited by {})", cited_by.join(", "))
    }
}

fn marker(severity: Severity) -> &'static str {
    match severity {
        Severity::Breaking => "🔴 breaking",
        Severity::PotentiallyBreaking => "🟠 potentially breaking",
        Severity::NonBreaking => "🟢 non-breaking",
    }
}

/// Text safe in a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A fenced block whose fence is longer than any backtick run inside it.
fn fenced(language: &str, body: &str) -> String {
    let longest = body.split(|ch| ch != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let mut body = body.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    format!("{fence}{language}\n{body}{fence}\n")
}

/// A diff, fenced, and how many lines it lost and where to see them (`rest`), when it was cut.
fn diff_block(diff: &str, lines_cut: usize, rest: &str) -> String {
    let mut out = fenced("diff", diff);
    if lines_cut > 0 {
        let _ = writeln!(out, "\n{lines_cut} more diff lines: {rest}");
    }
    out
}

/// The review report.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let summary = report.summary();
    let _ = writeln!(
        out,
        "# API review: `{}` ({}) → working tree\n",
        report.base.short(),
        report.base.chosen_as
    );
    let _ = writeln!(
        out,
        "**{}** breaking · **{}** potentially breaking · **{}** non-breaking\n",
        summary.breaking, summary.potentially_breaking, summary.non_breaking
    );
    let _ = writeln!(
        out,
        "| vendor | breaking | potentially breaking | non-breaking | Rust API | versions | version check |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for vendor in &report.vendors {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            vendor.vendor,
            vendor.summary.breaking,
            vendor.summary.potentially_breaking,
            vendor.summary.non_breaking,
            api_cell(vendor),
            versions_text(vendor),
            version_check(vendor)
        );
    }
    let _ = writeln!(out, "\n## 1. Vendor documentation sources\n");
    if report.sources.is_empty() {
        let _ = writeln!(out, "No page under `spec/sources/` changed.");
    }
    for source in &report.sources {
        let _ = writeln!(
            out,
            "### `{}`\n\n{}{}.\n",
            source.path,
            capitalized(status_word(source.status)),
            cited(&source.cited_by)
        );
        if source.diff.is_empty() {
            let _ = writeln!(out, "Binary content changed.\n");
        } else {
            let rest = format!("`git diff {} -- {}`", report.base.short(), source.path);
            let _ = writeln!(out, "{}", diff_block(&source.diff, source.lines_cut, &rest));
        }
    }

    let _ = writeln!(out, "## 2. Spec changes\n");
    for vendor in &report.vendors {
        let new = new_at_revision(vendor);
        let _ = writeln!(out, "### {} (`{}`){new}\n", vendor.vendor, vendor.spec);
        if vendor.changes.is_empty() {
            let _ = writeln!(out, "No changes.\n");
            continue;
        }
        if let Some(bump) = &vendor.accepted_by_bump {
            let _ = writeln!(
                out,
                "**Accepted**: the breaking change(s) below are accepted by the major bump ({bump}).\n"
            );
        }
        let _ = writeln!(out, "| | operations | change | why | rule |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for change in &vendor.changes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | `{}` ({}) |",
                marker(change.severity),
                cell(&code_list(&change.operations)),
                cell(&change.message),
                cell(&change.reason),
                cell(&change.rule),
                cell(&rated_by(change))
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## 3. Generated files\n");
    for vendor in &report.vendors {
        let generated = &vendor.generated;
        let _ = writeln!(out, "### {}\n", vendor.vendor);
        if let Some(error) = &generated.error {
            let _ = writeln!(
                out,
                "The working-tree spec does not generate: {}\n",
                cell(error)
            );
            continue;
        }
        if generated.files.is_empty() && generated.other_outputs.is_empty() {
            let _ = writeln!(out, "No generated file changes.\n");
        }
        for file in &generated.files {
            let _ = writeln!(
                out,
                "<details><summary><code>{}</code> ({})</summary>\n",
                file.path,
                status_word(file.status)
            );
            let rest = format!(
                "run `cargo xtask generate`, then `git diff -- {}`",
                file.path
            );
            let diff = diff_block(&file.diff, file.lines_cut, &rest);
            let _ = writeln!(out, "{diff}\n</details>\n");
        }
        if !generated.other_outputs.is_empty() {
            let files = code_list(&generated.other_outputs);
            let _ = writeln!(out, "Also changed: {files}.\n");
        }
        if !generated.not_regenerated.is_empty() {
            let files = code_list(&generated.not_regenerated);
            let _ = writeln!(
                out,
                "Not regenerated yet (run `cargo xtask generate`, and accept the snapshots with `INSTA_UPDATE=always cargo test -p workspace-tests --test api_summary --test normalized_spec`): {files}.\n"
            );
        }
    }

    let _ = writeln!(out, "## 4. Rust API\n");
    let _ = writeln!(
        out,
        "Rated from the public items of the generated files (the API summary of `generated.rs`, and the enums, structs, constants and functions of the other generated files); see `crates/spec-review/src/semver.rs` for the rules. The hand-written code that uses them is compiled (below): where it no longer compiles, the vendors whose generated code changed are rated breaking.\n"
    );
    for vendor in &report.vendors {
        let rating = &vendor.generated.rust_api;
        let _ = writeln!(out, "### {}: {}\n", vendor.vendor, api_cell(vendor));
        for (level, finding) in &rating.findings {
            let _ = writeln!(out, "- {}: {}", level.label(), finding);
        }
        if !rating.findings.is_empty() {
            out.push('\n');
        }
    }

    out.push_str(&compile_markdown(&report.compile));

    let _ = writeln!(out, "## 5. Versions\n");
    for vendor in &report.vendors {
        let _ = writeln!(
            out,
            "- **{}**: {} ({}): {}",
            vendor.vendor,
            versions_text(vendor),
            vendor.versions.crate_manifest,
            version_check(vendor)
        );
    }
    out
}

fn api_cell(vendor: &VendorReport) -> String {
    if vendor.generated.error.is_some() {
        return "does not generate".to_string();
    }
    let level = vendor.generated.rust_api.level;
    match level {
        ApiLevel::Breaking => format!("🔴 {}", level.label()),
        _ => level.label().to_string(),
    }
}

fn version_check(vendor: &VendorReport) -> String {
    match (&vendor.accepted_by_bump, vendor.version_problems.is_empty()) {
        (Some(bump), true) => format!("ok: the break is accepted by the major bump ({bump})"),
        (None, true) => "ok".to_string(),
        (_, false) => cell(&vendor.version_problems.join("; ")),
    }
}

/// The JSON report.
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("the report always serializes");
    text.push('\n');
    text
}

/// The compile check, as the end of the Rust API section.
fn compile_markdown(check: &CompileCheck) -> String {
    let mut out = String::from("### Does the workspace still compile?\n\n");
    match check {
        CompileCheck::Compiles { command } => {
            let _ = writeln!(out, "Yes: `{command}` passes with the regenerated code.\n");
        }
        CompileCheck::NotRun { reason, .. } => {
            let _ = writeln!(out, "Not checked: {reason}.\n");
        }
        CompileCheck::DoesNotCompile {
            command,
            errors,
            cargo_error,
        } => {
            let _ = writeln!(
                out,
                "**No**: `{command}` fails. Each place that no longer compiles (no major bump accepts this; fix the code in the same change):\n"
            );
            for error in errors {
                let generated = if error.generated { " (generated)" } else { "" };
                let _ = writeln!(
                    out,
                    "- `{}:{}:{}`{generated} in {}: {}",
                    error.file,
                    error.line,
                    error.column,
                    error.package,
                    error.message.replace('`', "'")
                );
            }
            if let Some(cargo_error) = cargo_error {
                let _ = writeln!(out, "- cargo: {cargo_error}");
            }
            out.push('\n');
        }
    }
    out
}

/// The compile check, as lines of the text report.
fn compile_text(check: &CompileCheck) -> String {
    match check {
        CompileCheck::Compiles { command } => format!("Compile check: `{command}` passes.\n"),
        CompileCheck::NotRun { reason, .. } => format!("Compile check: not run: {reason}.\n"),
        CompileCheck::DoesNotCompile { .. } => {
            let mut out = String::from("Compile check: the workspace does not compile:\n");
            for line in check.failures() {
                let _ = writeln!(
                    out,
                    "  {}",
                    line.trim_start_matches("the workspace does not compile: ")
                );
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_outgrows_the_backticks_inside() {
        assert_eq!(fenced("diff", "+a\n"), "```diff\n+a\n```\n");
        assert_eq!(fenced("", "has ``` inside"), "````\nhas ``` inside\n````\n");
    }

    #[test]
    fn table_cells_escape_pipes_and_newlines() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
