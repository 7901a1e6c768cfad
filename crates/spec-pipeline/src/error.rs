//! Errors of the spec pipeline. Each names the document and, where there is one, the operation and
//! the rule it broke, so that an author can fix the spec without reading generator internals.

use std::fmt;
use std::path::PathBuf;

/// One problem found in an authored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The document, as a path relative to the repository (`spec/attestr.yaml`).
    pub document: String,
    /// The operation's `operationId` (or `METHOD /path` when it has none), if the problem is in one.
    pub operation: Option<String>,
    /// The rule's id, as listed in `spec/README.md`.
    pub rule: &'static str,
    /// What is wrong, and what the author should change.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.document)?;
        if let Some(operation) = &self.operation {
            write!(f, "operation `{operation}`: ")?;
        }
        write!(f, "{} [rule: {}]", self.message, self.rule)
    }
}

/// Why the pipeline (checking, normalizing, generating, writing) stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Creating, reading, writing or listing a file or directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file refused or unreadable: a link, a FIFO, a device, too large, not UTF-8.
    #[error(transparent)]
    File(#[from] crate::fsguard::FsError),
    /// A document does not parse as YAML (or JSON), has a key twice in one mapping, is not a
    /// mapping at the top, or could not be written back as YAML.
    #[error("{document}: not a valid YAML document: {message}")]
    Yaml {
        /// The document, as a path relative to the repository.
        document: String,
        /// The parser's message, with the line and column where it has them.
        message: String,
    },
    /// Problems found in an authored document, every one listed.
    #[error(
        "{} problem(s) in the spec:{}",
        .0.len(),
        .0.iter().map(|finding| format!("\n  - {finding}")).collect::<String>()
    )]
    Findings(Vec<Finding>),
    /// Errors from several vendors, gathered so that one run shows them all.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<Error>),
    #[error(
        "{document}: progenitor could not generate a client from the normalized document: {message}"
    )]
    /// progenitor could not generate the client, or the runtime tables could not be derived from
    /// the code it generated.
    Generator {
        /// The authored document the client is generated from.
        document: String,
        /// What failed: progenitor's error or panic, or the generated code the tables cannot read.
        message: String,
    },
    #[error("{document}: the reference site could not be built: {message}")]
    /// The reference site could not be rendered.
    Site {
        /// The document or file it failed on: a site page's source document, the site directory,
        /// or a file of the pinned Redocly CLI.
        document: String,
        /// What went wrong, and for a missing tool how to install it.
        message: String,
    },
}

impl Error {
    /// The one [`Finding`] of `rule` in `document` (and `operation`, where it is in one).
    pub fn finding(
        document: &str,
        operation: Option<String>,
        rule: &'static str,
        message: String,
    ) -> Self {
        Error::Findings(vec![Finding {
            document: document.to_string(),
            operation,
            rule,
            message,
        }])
    }

    /// An [`Error::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
