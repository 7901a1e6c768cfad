//! The review tool's model: a classified [`Change`], its [`Severity`] and who rated it, the
//! [`Summary`] of a list of changes, and [`DiffError`]. Every other module of `diff` builds on
//! these; this module imports none of them.

use std::path::PathBuf;

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
