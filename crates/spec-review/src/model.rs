//! The review tool's model: a classified [`Change`], its [`Severity`] and who rated it, the
//! [`Summary`] of a list of changes, and [`DiffError`]. Every other module of the crate builds on
//! these; this module imports none of them.

use std::path::Path;

use serde::Serialize;

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
    /// The severity in words, as the reports and the rules table (`docs/diff-rules.md`) prints it.
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
    /// project decides instead (see the rules table, `rules.rs`).
    Override,
    /// Redocly cannot see the change (`x-` extensions); a rule of this project rates it.
    Xtask,
}

/// One change between two versions of a spec, classified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// How the change affects existing consumers.
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
    /// Whether the severity is Redocly's, or one of this project's rules decided it.
    pub rated_by: RatedBy,
    /// Redocly's own rating (`major`, `minor`, `patch`) when it saw the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redocly_impact: Option<String>,
}

/// Counts per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Changes rated [`Severity::Breaking`].
    pub breaking: usize,
    /// Changes rated [`Severity::PotentiallyBreaking`].
    pub potentially_breaking: usize,
    /// Changes rated [`Severity::NonBreaking`].
    pub non_breaking: usize,
}

impl Summary {
    /// The counts of `changes`.
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Self {
        let mut summary = Summary::default();
        for change in changes {
            match change.severity {
                Severity::Breaking => summary.breaking += 1,
                Severity::PotentiallyBreaking => summary.potentially_breaking += 1,
                Severity::NonBreaking => summary.non_breaking += 1,
            }
        }
        summary
    }
}

/// Why a diff could not be made, naming what is missing or wrong, and where. Its one reader
/// prints it (`cargo xtask diff`), so each failure is worded where it is found.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// Redocly (missing, off its diff rules, failed), git, a client crate's manifest or a file.
    #[error("{0}")]
    Failed(String),
    /// A spec could not be read or parsed.
    #[error(transparent)]
    Spec(#[from] spec_pipeline::Error),
}

impl DiffError {
    /// Creating, reading or writing the local file or directory `path` failed.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        DiffError::Failed(format!("{}: {source}", path.as_ref().display()))
    }
}
