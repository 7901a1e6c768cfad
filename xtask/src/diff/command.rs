//! `cargo xtask diff [BASE] [--format text|markdown|json] [--fail-on breaking|potential]
//! [--check-version]`: compares each vendor's spec at BASE with the working tree.
//!
//! BASE is any git revision; by default the merge-base of HEAD with `main` (else `HEAD~1`). A
//! vendor whose spec does not exist at BASE is new: every operation shows as added, and nothing
//! it brings can break an existing client.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::git::{self, BaseRevision};
use super::review::{self, RustApiChange, SourceChange, VendorDocuments};
use super::versions::{self, VendorVersions, VersionPair};
use super::{Change, DiffError, RatedBy, Severity, SpecPair, Summary, diff_documents, render};
use crate::document::Document;
use crate::vendors::{VENDORS, Vendor};

pub const USAGE: &str = "usage: cargo xtask diff [BASE] [--format text|markdown|json] [--fail-on breaking|potential] [--check-version]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub base: Option<String>,
    pub format: Format,
    /// Fail when a change this severe (or worse) is present.
    pub fail_on: Option<Severity>,
    pub check_version: bool,
}

impl Options {
    pub fn parse(args: &[&str]) -> Result<Options, String> {
        let mut options = Options {
            base: None,
            format: Format::Text,
            fail_on: None,
            check_version: false,
        };
        let mut iter = args.iter().copied();
        while let Some(arg) = iter.next() {
            let (flag, inline_value) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
                _ => (arg, None),
            };
            let mut value = |name: &str| {
                inline_value
                    .or_else(|| iter.next())
                    .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
            };
            match flag {
                "--format" => {
                    options.format = match value("--format")? {
                        "text" => Format::Text,
                        "markdown" => Format::Markdown,
                        "json" => Format::Json,
                        other => {
                            return Err(format!(
                                "--format: unknown format `{other}` (text, markdown or json)"
                            ));
                        }
                    }
                }
                "--fail-on" => {
                    options.fail_on = Some(match value("--fail-on")? {
                        "breaking" => Severity::Breaking,
                        "potential" => Severity::PotentiallyBreaking,
                        other => {
                            return Err(format!(
                                "--fail-on: unknown level `{other}` (breaking or potential)"
                            ));
                        }
                    })
                }
                "--check-version" if inline_value.is_none() => options.check_version = true,
                _ if arg.starts_with('-') => {
                    return Err(format!("unknown option `{arg}`\n{USAGE}"));
                }
                _ if options.base.is_none() => options.base = Some(arg.to_string()),
                _ => return Err(format!("more than one BASE (`{arg}`)\n{USAGE}")),
            }
        }
        Ok(options)
    }
}

/// The whole report: every vendor's classified changes, versions and Rust API change, and the
/// vendor pages that changed.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub base: BaseInfo,
    pub vendors: Vec<VendorReport>,
    pub sources: Vec<SourceChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaseInfo {
    pub commit: String,
    pub chosen_as: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorReport {
    pub vendor: String,
    pub spec: String,
    /// The spec does not exist at the base revision.
    pub new_vendor: bool,
    pub summary: Summary,
    pub changes: Vec<Change>,
    pub versions: VendorVersions,
    /// What `--check-version` would refuse; empty when the versions are right.
    pub version_problems: Vec<String>,
    pub rust_api: RustApiChange,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let all: Vec<Change> = self
            .vendors
            .iter()
            .flat_map(|vendor| vendor.changes.iter().cloned())
            .collect();
        Summary::of(&all)
    }
}

/// Runs the command: prints the report, then fails when a gate asks for it.
pub fn run(repo: &Path, args: &[&str]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let report = build_report(repo, options.base.as_deref()).map_err(|err| err.to_string())?;
    let output = match options.format {
        Format::Text => render::text(&report),
        Format::Markdown => render::markdown(&report),
        Format::Json => render::json(&report),
    };
    print!("{output}");
    let mut failures = Vec::new();
    if let Some(threshold) = options.fail_on {
        failures.extend(gate_failures(&report, threshold));
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
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "diff against {} ({}) failed:\n  - {}",
            report.base.commit.get(..12).unwrap_or(&report.base.commit),
            report.base.chosen_as,
            failures.join("\n  - ")
        ))
    }
}

/// One line per change at `threshold` or worse, naming the vendor, operations and change.
pub fn gate_failures(report: &Report, threshold: Severity) -> Vec<String> {
    report
        .vendors
        .iter()
        .flat_map(|vendor| {
            vendor
                .changes
                .iter()
                .filter(move |change| change.severity <= threshold)
                .map(move |change| {
                    let operations = if change.operations.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", change.operations.join(", "))
                    };
                    format!(
                        "{} change in {}{operations}: {} [{}]",
                        change.severity.label(),
                        vendor.vendor,
                        change.message,
                        change.rule
                    )
                })
        })
        .collect()
}

/// Compares every vendor's spec at `base` (see [`git::resolve_base`]) with the working tree.
pub fn build_report(repo: &Path, base: Option<&str>) -> Result<Report, DiffError> {
    let base = git::resolve_base(repo, base)?;
    let scratch = tempfile::tempdir().map_err(|err| DiffError::io(std::env::temp_dir(), err))?;

    let mut inputs = Vec::new();
    for vendor in VENDORS {
        inputs.push(VendorInput::load(repo, &base, vendor, scratch.path())?);
    }
    // Redocly takes about a second per document, most of it Node starting: run them together.
    let diffs: Vec<Result<Vec<Change>, DiffError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|input| {
                scope.spawn(move || {
                    if !input.existed_at_base {
                        return Ok(new_vendor_changes(&input.new));
                    }
                    diff_documents(
                        repo,
                        SpecPair {
                            old_path: &input.old_path,
                            old: &input.old,
                            new_path: &input.new_path,
                            new: &input.new,
                        },
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a diff thread does not panic"))
            .collect()
    });

    let mut vendors = Vec::new();
    for (input, changes) in inputs.iter().zip(diffs) {
        let changes = changes?;
        let summary = Summary::of(&changes);
        let worst = changes.iter().map(|change| change.severity).min();
        let versions = input.versions(repo, &base)?;
        let version_problems = versions::problems(&versions, worst);
        vendors.push(VendorReport {
            vendor: input.vendor.name.to_string(),
            spec: input.vendor.spec_path(),
            new_vendor: !input.existed_at_base,
            summary,
            changes,
            versions,
            version_problems,
            rust_api: review::rust_api_change(repo, &base, &input.vendor, &input.new)?,
        });
    }
    let documents: Vec<VendorDocuments<'_>> = inputs
        .iter()
        .map(|input| VendorDocuments {
            vendor: input.vendor,
            old: input.existed_at_base.then_some(&input.old),
            new: &input.new,
        })
        .collect();
    let sources = review::source_changes(repo, &base, &documents)?;
    Ok(Report {
        base: BaseInfo {
            commit: base.commit.clone(),
            chosen_as: base.chosen_as.clone(),
        },
        vendors,
        sources,
    })
}

/// One vendor's two documents, each where Redocly can read it.
struct VendorInput {
    vendor: Vendor,
    existed_at_base: bool,
    old_path: PathBuf,
    old: Document,
    new_path: PathBuf,
    new: Document,
}

impl VendorInput {
    fn load(
        repo: &Path,
        base: &BaseRevision,
        vendor: Vendor,
        scratch: &Path,
    ) -> Result<Self, DiffError> {
        let spec = vendor.spec_path();
        let new = Document::load(repo, &spec)?;
        let (existed_at_base, old_text) = match git::file_at(repo, &base.commit, &spec)? {
            Some(bytes) => (true, String::from_utf8_lossy(&bytes).into_owned()),
            None => (false, empty_document(&new)),
        };
        let old_name = format!("{spec}@{}", base.short());
        let old = Document::parse(&old_name, &old_text)?;
        let old_path = scratch.join(format!("{}.base.yaml", vendor.name));
        std::fs::write(&old_path, &old_text).map_err(|err| DiffError::io(&old_path, err))?;
        Ok(VendorInput {
            vendor,
            existed_at_base,
            old_path,
            old,
            new_path: repo.join(&spec),
            new,
        })
    }

    fn versions(&self, repo: &Path, base: &BaseRevision) -> Result<VendorVersions, DiffError> {
        let manifest = format!("{}/Cargo.toml", self.vendor.crate_dir);
        let current_text = std::fs::read_to_string(repo.join(&manifest))
            .map_err(|err| DiffError::io(repo.join(&manifest), err))?;
        let base_crate = match git::file_at(repo, &base.commit, &manifest)? {
            Some(bytes) => Some(versions::crate_version(
                &format!("{manifest}@{}", base.short()),
                &String::from_utf8_lossy(&bytes),
            )?),
            None => None,
        };
        let info_text = |doc: &Document, key: &str| {
            doc.root
                .get("info")
                .and_then(|info| info.get(key))
                .map(|value| match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
        };
        Ok(VendorVersions {
            spec: VersionPair {
                base: self
                    .existed_at_base
                    .then(|| info_text(&self.old, "version"))
                    .flatten(),
                current: info_text(&self.new, "version").unwrap_or_default(),
            },
            crate_version: VersionPair {
                base: base_crate,
                current: versions::crate_version(&manifest, &current_text)?,
            },
            crate_manifest: manifest,
            vendor_api_version: info_text(&self.new, "x-vendor-api-version"),
        })
    }
}

/// A vendor new at this revision breaks no client: each of its operations is reported as added,
/// and nothing else (a diff against an empty document would list every component and `info`
/// field, and rate the document's `security` as newly required).
fn new_vendor_changes(new: &Document) -> Vec<Change> {
    let mut changes: Vec<Change> = new
        .operations()
        .into_iter()
        .map(|operation| Change {
            severity: Severity::NonBreaking,
            operations: vec![operation.label()],
            message: format!(
                "Operation `{} {}` was added with its new vendor.",
                operation.method.to_uppercase(),
                operation.path
            ),
            rule: "operation-added".to_string(),
            reason: "the vendor is new at this revision: no client depends on it yet".to_string(),
            location: format!("#{}", operation.pointer()),
            rated_by: RatedBy::Xtask,
            redocly_impact: None,
        })
        .collect();
    changes.sort();
    changes
}

/// The document a new vendor's base side is parsed from: the same OpenAPI version, no paths.
fn empty_document(new: &Document) -> String {
    let openapi = new
        .root
        .get("openapi")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("3.0.3");
    format!("openapi: {openapi}\ninfo:\n  title: (none)\n  version: 0.0.0\npaths: {{}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_option_form() {
        let options = Options::parse(&[
            "origin/main",
            "--format",
            "markdown",
            "--fail-on=potential",
            "--check-version",
        ])
        .unwrap();
        assert_eq!(
            options,
            Options {
                base: Some("origin/main".to_string()),
                format: Format::Markdown,
                fail_on: Some(Severity::PotentiallyBreaking),
                check_version: true,
            }
        );
        assert_eq!(Options::parse(&[]).unwrap().format, Format::Text);
    }

    fn change(severity: Severity, message: &str) -> Change {
        Change {
            severity,
            operations: vec!["updateProfile".to_string()],
            message: message.to_string(),
            rule: "rule".to_string(),
            reason: "reason".to_string(),
            location: "#/x".to_string(),
            rated_by: RatedBy::Redocly,
            redocly_impact: None,
        }
    }

    fn report_of(changes: Vec<Change>) -> Report {
        let pair = |version: &str| VersionPair {
            base: Some(version.to_string()),
            current: version.to_string(),
        };
        Report {
            base: BaseInfo {
                commit: "0123456789abcdef".to_string(),
                chosen_as: "merge-base with main".to_string(),
            },
            vendors: vec![VendorReport {
                vendor: "attestr".to_string(),
                spec: "spec/attestr.yaml".to_string(),
                new_vendor: false,
                summary: Summary::of(&changes),
                changes,
                versions: VendorVersions {
                    spec: pair("0.1.0"),
                    crate_version: pair("0.1.0+v1"),
                    crate_manifest: "crates/attestr/Cargo.toml".to_string(),
                    vendor_api_version: Some("v1".to_string()),
                },
                version_problems: Vec::new(),
                rust_api: RustApiChange {
                    vendor: "attestr".to_string(),
                    snapshot: "tests/snapshots/api_summary__api_attestr.snap".to_string(),
                    diff: String::new(),
                    error: None,
                    snapshot_stale: false,
                },
            }],
            sources: Vec::new(),
        }
    }

    #[test]
    fn fail_on_names_every_change_at_or_above_the_threshold() {
        let report = report_of(vec![
            change(
                Severity::Breaking,
                "Properties of `ProfileInput` became required: `country`.",
            ),
            change(
                Severity::PotentiallyBreaking,
                "New documented error 400/40038.",
            ),
            change(Severity::NonBreaking, "Server added."),
        ]);
        assert_eq!(
            gate_failures(&report, Severity::Breaking),
            [
                "breaking change in attestr updateProfile: Properties of `ProfileInput` became required: `country`. [rule]"
            ]
        );
        assert_eq!(
            gate_failures(&report, Severity::PotentiallyBreaking).len(),
            2
        );
        let harmless = report_of(vec![change(Severity::NonBreaking, "Server added.")]);
        assert!(gate_failures(&harmless, Severity::PotentiallyBreaking).is_empty());
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        for args in [
            &["--format", "html"][..],
            &["--fail-on", "minor"],
            &["--fail-on"],
            &["--frobnicate"],
            &["a", "b"],
        ] {
            assert!(Options::parse(args).is_err(), "{args:?}");
        }
    }
}
