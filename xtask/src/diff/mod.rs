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
//!   is not breaking), `x-outcomes` (a removed or narrowed outcome is breaking for the Rust
//!   clients) and `x-vendor-doc` (which vendor page an operation is written from);
//! - [`classify`]: the cases Redocly rates in a way that misleads a consumer, each overridden by a
//!   named rule (the rows of [`rules::RULES`] decided by this project);
//! - [`operations`]: every operation a change reaches, where Redocly names only the first use of a
//!   shared component.
//!
//! The report ([`report`]) holds the whole chain of a change: the vendor pages that changed
//! ([`review`]), the classified spec changes, every generated file that changes and the Rust API
//! change rated by semver ([`generated`], [`semver`]), and the versions ([`versions`]). The
//! formatters ([`render`]) and the command with its gates ([`command`]) sit downstream of the
//! report; every rating rule is a row of one table ([`rules`]).

pub mod classify;
pub mod command;
pub mod extensions;
pub mod generated;
pub mod git;
pub mod operations;
pub mod redocly;
pub mod render;
pub mod report;
pub mod review;
pub mod rules;
pub mod semver;
pub mod versions;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::document::Document;

/// How a change affects existing consumers. Ordered from worst to mildest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Existing clients stop working (oasdiff ERR).
    Breaking,
    /// Some existing clients may stop working (oasdiff WARN).
    PotentiallyBreaking,
    /// Existing clients keep working (oasdiff INFO).
    NonBreaking,
}

impl Severity {
    pub const ALL: [Severity; 3] = [
        Severity::Breaking,
        Severity::PotentiallyBreaking,
        Severity::NonBreaking,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::PotentiallyBreaking => "potentially breaking",
            Severity::NonBreaking => "non-breaking",
        }
    }
}

/// Who rated a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RatedBy {
    /// Redocly's rating, kept.
    Redocly,
    /// Redocly saw the change but rates it in a way that misleads consumers; a rule of this
    /// project decides instead (see [`rules::RULES`]).
    Override,
    /// Redocly cannot see the change (`x-` extensions); a rule of this project rates it.
    Xtask,
}

/// One change between two versions of a spec, classified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    pub severity: Severity,
    /// Every operation the change reaches (`operationId`, or `METHOD /path`), sorted. Empty for a
    /// change that reaches none (document metadata).
    pub operations: Vec<String>,
    /// What changed, in words.
    pub message: String,
    /// The rule that rated it: a Redocly rule id, or one of this project's.
    pub rule: String,
    /// Why it has this severity, for the consumer.
    pub reason: String,
    /// Where, as a JSON pointer into the new document (the old one for a removal).
    pub location: String,
    pub rated_by: RatedBy,
    /// Redocly's own rating (`major`, `minor`, `patch`) when it saw the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redocly_impact: Option<String>,
}

/// Counts per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub breaking: usize,
    pub potentially_breaking: usize,
    pub non_breaking: usize,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Self {
        let count = |severity| {
            changes
                .iter()
                .filter(|change| change.severity == severity)
                .count()
        };
        Summary {
            breaking: count(Severity::Breaking),
            potentially_breaking: count(Severity::PotentiallyBreaking),
            non_breaking: count(Severity::NonBreaking),
        }
    }

    pub fn total(&self) -> usize {
        self.breaking + self.potentially_breaking + self.non_breaking
    }
}

/// Why a diff could not be made. Each names what is missing or wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(
        "Redocly CLI is not installed ({}): run `npm ci` in the repository root (the version is pinned in package.json)",
        .path.display()
    )]
    RedoclyMissing { path: PathBuf },
    #[error(
        "{}: Redocly's diff rules are off; `extends` must list `diff-recommended`, or every change is rated as a patch",
        .config.display()
    )]
    NoDiffRules { config: PathBuf },
    #[error("`redocly diff {old} {new}` failed ({status}):\n{stderr}")]
    Redocly {
        old: String,
        new: String,
        status: String,
        stderr: String,
    },
    #[error("`redocly diff {old} {new}` wrote a report this xtask cannot read: {message}")]
    RedoclyReport {
        old: String,
        new: String,
        message: String,
    },
    #[error("could not run {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("BASE `{revision}` is not a commit of this repository ({message})")]
    BadBase { revision: String, message: String },
    #[error(
        "no default BASE: there is no `main` branch to take a merge-base with, and HEAD has no parent ({message}); pass BASE explicitly"
    )]
    NoDefaultBase { message: String },
    #[error("`git {args}` failed: {message}")]
    Git { args: String, message: String },
    #[error("{path}: {message}")]
    Manifest { path: String, message: String },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Spec(#[from] crate::Error),
}

impl DiffError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DiffError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Two versions of one document: each parsed, and where Redocly reads it.
#[derive(Debug, Clone, Copy)]
pub struct SpecPair<'a> {
    pub old_path: &'a Path,
    pub old: &'a Document,
    pub new_path: &'a Path,
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
