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
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.operation {
            Some(operation) => write!(
                f,
                "{}: operation `{}`: {} [rule: {}]",
                self.document, operation, self.message, self.rule
            ),
            None => write!(
                f,
                "{}: {} [rule: {}]",
                self.document, self.message, self.rule
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{document}: not a valid YAML document: {message}")]
    Yaml { document: String, message: String },
    #[error("{}", findings_text(.0))]
    Findings(Vec<Finding>),
    #[error("{}", several_text(.0))]
    Several(Vec<Error>),
    #[error(
        "{document}: progenitor could not generate a client from the normalized document: {message}"
    )]
    Generator { document: String, message: String },
    #[error("{document}: the reference site could not be built: {message}")]
    Site { document: String, message: String },
}

fn findings_text(findings: &[Finding]) -> String {
    let mut text = format!("{} problem(s) in the spec:", findings.len());
    for finding in findings {
        text.push_str("\n  - ");
        text.push_str(&finding.to_string());
    }
    text
}

fn several_text(errors: &[Error]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
