//! `cargo xtask diff`: what a change to the authored specs means for the people who consume them.
//!
//! The comparison itself is Redocly CLI's `diff` (pinned in `package.json`, ruleset
//! `diff-recommended` in `redocly.yaml`), which rates every change by the semver bump it requires.
//! This module turns its JSON into the project's classification, modelled on oasdiff's levels:
//!
//! - [`Severity::Breaking`] (oasdiff ERR): existing clients stop working;
//! - [`Severity::PotentiallyBreaking`] (WARN): some clients may stop working;
//! - [`Severity::NonBreaking`] (INFO): existing clients keep working.
//!
//! and adds what Redocly cannot know:
//!
//! - [`extensions`]: `x-error-codes` (a new documented error is potentially breaking, a removed one
//!   is not breaking unless its `name`, the Rust variant, goes with it; a renamed error is
//!   breaking and a reworded message is not), `x-outcomes` (a removed or narrowed outcome is breaking for the Rust
//!   clients) and `x-vendor-doc` (which vendor page an operation is written from);
//! - [`classify`]: the cases Redocly rates in a way that misleads a consumer, each overridden by a
//!   named rule (the rows of [`rules::RULES`] decided by this project);
//! - [`operations`]: every operation a change reaches, where Redocly names only the first use of a
//!   shared component.
//!
//! The report ([`report`]) holds the whole chain of a change: the vendor pages that changed
//! ([`review`]), the classified spec changes, every generated file that changes and the Rust API
//! change rated by semver ([`generated`], [`semver`]) together with whether the hand-written code
//! still compiles ([`compile`]), and the versions ([`versions`]). The
//! formatters ([`render`]) and the command with its gates ([`command`]) sit downstream of the
//! report; every rating rule is a row of one table ([`rules`]).

pub mod classify;
pub mod command;
pub mod compile;
pub mod extensions;
pub mod file_change;
pub mod generated;
pub mod git;
pub mod model;
pub mod operations;
pub mod redocly;
pub mod render;
pub mod report;
pub mod review;
pub mod rules;
pub mod semver;
pub mod versions;

use std::path::Path;

pub use model::{Change, DiffError, RatedBy, Severity, Summary};

use crate::document::Document;

/// Two versions of one document: each parsed, and where Redocly reads it.
#[derive(Debug, Clone, Copy)]
pub struct SpecPair<'a> {
    /// The old version's file, which Redocly reads.
    pub old_path: &'a Path,
    /// The old version, parsed.
    pub old: &'a Document,
    /// The new version's file, which Redocly reads.
    pub new_path: &'a Path,
    /// The new version, parsed.
    pub new: &'a Document,
}

/// Every change from `old` to `new`, classified and sorted (worst first). Redocly runs from
/// `repo`, with `repo/redocly.yaml`.
pub fn diff_documents(repo: &Path, pair: SpecPair<'_>) -> Result<Vec<Change>, DiffError> {
    let report = redocly::run(repo, pair.old_path, pair.new_path)?;
    Ok(classify_report(&report, pair.old, pair.new))
}

/// Classifies a Redocly report, then adds the changes only this project's rules see.
pub fn classify_report(report: &redocly::Report, old: &Document, new: &Document) -> Vec<Change> {
    let old_index = operations::OperationIndex::new(old);
    let new_index = operations::OperationIndex::new(new);
    let sides = classify::Sides {
        old,
        new,
        old_operations: &old_index,
        new_operations: &new_index,
    };
    let mut changes: Vec<Change> = report
        .changes
        .iter()
        .filter_map(|change| classify::classify(change, &sides))
        .collect();
    changes.extend(extensions::error_code_changes(old, new));
    changes.extend(extensions::vendor_doc_changes(old, new));
    changes.extend(extensions::outcome_changes(old, new));
    changes.sort();
    changes.dedup();
    changes
}

/// [`diff_documents`] for two files on disk (the fixture tests' entry point).
pub fn diff_files(repo: &Path, old_path: &Path, new_path: &Path) -> Result<Vec<Change>, DiffError> {
    let load = |path: &Path| -> Result<Document, DiffError> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(DiffError::io(path, std::io::ErrorKind::InvalidInput.into()));
        };
        let text =
            crate::fsguard::read_text(dir, &name.to_string_lossy(), crate::fsguard::MAX_SPEC_BYTES)
                .map_err(crate::Error::from)?;
        Ok(Document::parse(&path.display().to_string(), &text)?)
    };
    let old = load(old_path)?;
    let new = load(new_path)?;
    diff_documents(
        repo,
        SpecPair {
            old_path,
            old: &old,
            new_path,
            new: &new,
        },
    )
}
