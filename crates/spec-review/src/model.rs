//! The review tool's model: a classified [`Change`], its [`Severity`] and who rated it, the
//! [`Summary`] of a list of changes, and [`DiffError`]. Every other module of the crate builds on
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

/// Why a diff could not be made. Each names what is missing or wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The pinned Redocly CLI is not in `node_modules`.
    #[error(
        "Redocly CLI is not installed ({}): run `npm ci` in the repository root (the version is pinned in package.json)",
        .path.display()
    )]
    RedoclyMissing {
        /// Where the `redocly` executable should be.
        path: PathBuf,
    },
    /// Redocly ran without its diff rules, so its ratings cannot be trusted.
    #[error(
        "{}: Redocly's diff rules are off; `extends` must list `diff-recommended`, or every change is rated as a patch",
        .config.display()
    )]
    NoDiffRules {
        /// The Redocly configuration it was given (`redocly.yaml`).
        config: PathBuf,
    },
    /// `redocly diff` failed, or wrote a report this xtask cannot read.
    #[error("`redocly diff {old} {new}` {problem}")]
    Redocly {
        /// The base side's file, as passed to Redocly.
        old: String,
        /// The working tree's file, as passed to Redocly.
        new: String,
        /// How it exited and what it printed (without its Node-version banner), or why its JSON
        /// report is missing or does not parse.
        problem: String,
    },
    /// Redocly could not be started.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program, as it was invoked.
        program: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    #[error("BASE `{revision}` is not a commit of this repository ({message})")]
    /// The BASE given on the command line does not resolve to a commit.
    BadBase {
        /// The revision, as given.
        revision: String,
        /// What git said.
        message: String,
    },
    #[error(
        "no default BASE: there is no `main` branch to take a merge-base with, and HEAD has no parent ({message}); pass BASE explicitly"
    )]
    /// No BASE was given and none could be chosen.
    NoDefaultBase {
        /// Why each default failed: the merge-bases with `main` and `origin/main`, then `HEAD~1`.
        message: String,
    },
    /// A git command reading files at the base revision failed.
    #[error("`git {args}` failed: {message}")]
    Git {
        /// Its arguments, space-separated.
        args: String,
        /// What git printed on stderr, or why it could not run.
        message: String,
    },
    /// A client crate's `Cargo.toml` is not valid TOML or has no `package.version` string.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest, relative to the repository (`@<short commit>` added for the base side's).
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// Creating, reading or writing a local file or directory failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A spec could not be read or parsed.
    #[error(transparent)]
    Spec(#[from] spec_pipeline::Error),
}

impl DiffError {
    /// A [`DiffError::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DiffError::Io {
            path: path.into(),
            source,
        }
    }
}
