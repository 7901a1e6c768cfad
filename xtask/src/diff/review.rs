//! The two sections of the review report that are not the spec diff itself:
//!
//! - the vendor documentation sources (`spec/sources/`) that changed, each with the operations
//!   that cite it and a unified diff of its text;
//! - the generated Rust API change, as the diff of the API summary (`tests/snapshots/
//!   api_summary__api_<vendor>.snap`) from the base revision to what the working-tree spec
//!   generates now. The current side is generated, not read from the snapshot, so the report is
//!   right even before the snapshot is accepted; it says when the snapshot is stale.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::DiffError;
use super::git::{self, BaseRevision};
use crate::document::Document;
use crate::outputs::unified_diff;
use crate::vendors::Vendor;

/// Where the vendor pages live, relative to the repository.
pub const SOURCES_DIR: &str = "spec/sources";

/// A source diff longer than this many lines is cut, with a pointer to `git diff`.
pub const MAX_SOURCE_DIFF_LINES: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Removed,
    Modified,
}

/// One vendor page that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceChange {
    /// Relative to the repository (`spec/sources/attestr-update-profile.txt`).
    pub path: String,
    pub status: FileStatus,
    /// The operations that cite it, as `vendor: operationId`, on either side.
    pub cited_by: Vec<String>,
    /// A unified diff of the text (cut at [`MAX_SOURCE_DIFF_LINES`]); empty for a binary file.
    pub diff: String,
    /// How many diff lines were cut.
    pub lines_cut: usize,
}

/// The documents of one vendor on both sides (the old one is absent for a new vendor).
pub struct VendorDocuments<'a> {
    pub vendor: Vendor,
    pub old: Option<&'a Document>,
    pub new: &'a Document,
}

/// Every file under `spec/sources/` that differs between `base` and the working tree.
pub fn source_changes(
    repo: &Path,
    base: &BaseRevision,
    documents: &[VendorDocuments<'_>],
) -> Result<Vec<SourceChange>, DiffError> {
    let mut paths: BTreeSet<String> = git::files_at(repo, &base.commit, SOURCES_DIR)?
        .into_iter()
        .collect();
    paths.extend(
        crate::outputs::files_under(repo, SOURCES_DIR).map_err(|err| match err {
            crate::Error::Io { path, source } => DiffError::io(path, source),
            other => DiffError::io(
                repo.join(SOURCES_DIR),
                std::io::Error::other(other.to_string()),
            ),
        })?,
    );
    let citations = citations(documents);
    let mut changes = Vec::new();
    for path in paths {
        let old = git::file_at(repo, &base.commit, &path)?;
        let new = match std::fs::read(repo.join(&path)) {
            Ok(bytes) => Some(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(DiffError::io(repo.join(&path), err)),
        };
        if old == new {
            continue;
        }
        let status = match (&old, &new) {
            (None, _) => FileStatus::Added,
            (_, None) => FileStatus::Removed,
            _ => FileStatus::Modified,
        };
        let as_text = |bytes: &Option<Vec<u8>>| match bytes {
            None => Some(String::new()),
            Some(bytes) => String::from_utf8(bytes.clone()).ok(),
        };
        let (diff, lines_cut) = match (as_text(&old), as_text(&new)) {
            (Some(old), Some(new)) => cut(&unified_diff(&path, &old, &new)),
            _ => (String::new(), 0),
        };
        let cited_path = path
            .strip_prefix("spec/")
            .unwrap_or(path.as_str())
            .to_string();
        changes.push(SourceChange {
            cited_by: citations
                .get(&cited_path)
                .map(|set| set.iter().cloned().collect())
                .unwrap_or_default(),
            path,
            status,
            diff,
            lines_cut,
        });
    }
    Ok(changes)
}

/// `sources/<page>` → the operations (`vendor: operationId`) whose `x-vendor-doc.file` cites it.
fn citations(documents: &[VendorDocuments<'_>]) -> BTreeMap<String, BTreeSet<String>> {
    let mut cited: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for documents in documents {
        for doc in documents.old.into_iter().chain([documents.new]) {
            for operation in doc.operations() {
                if let Some(Value::String(file)) = operation
                    .operation
                    .get("x-vendor-doc")
                    .and_then(|source| source.get("file"))
                {
                    cited.entry(file.clone()).or_default().insert(format!(
                        "{}: {}",
                        documents.vendor.name,
                        operation.label()
                    ));
                }
            }
        }
    }
    cited
}

fn cut(diff: &str) -> (String, usize) {
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= MAX_SOURCE_DIFF_LINES {
        return (diff.to_string(), 0);
    }
    let mut kept = lines[..MAX_SOURCE_DIFF_LINES].join("\n");
    kept.push('\n');
    (kept, lines.len() - MAX_SOURCE_DIFF_LINES)
}

/// The Rust API change of one vendor's generated crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RustApiChange {
    pub vendor: String,
    /// The snapshot the summary is locked in.
    pub snapshot: String,
    /// A unified diff of the API summary, base → working tree; empty when unchanged.
    pub diff: String,
    /// Why the current summary could not be generated, if it could not (the spec fails a check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The committed snapshot differs from what the working-tree spec generates.
    pub snapshot_stale: bool,
}

/// `tests/snapshots/api_summary__api_<vendor>.snap`.
pub fn api_summary_snapshot(vendor: &Vendor) -> String {
    format!("tests/snapshots/api_summary__api_{}.snap", vendor.name)
}

/// The Rust API change of `vendor`, base snapshot → summary generated from `new`.
pub fn rust_api_change(
    repo: &Path,
    base: &BaseRevision,
    vendor: &Vendor,
    new: &Document,
) -> Result<RustApiChange, DiffError> {
    let snapshot = api_summary_snapshot(vendor);
    let base_summary = git::file_at(repo, &base.commit, &snapshot)?
        .map(|bytes| snapshot_body(&String::from_utf8_lossy(&bytes)))
        .unwrap_or_default();
    let committed = std::fs::read_to_string(repo.join(&snapshot))
        .map(|text| snapshot_body(&text))
        .ok();
    let current = crate::outputs::client_source(repo, new)
        .map_err(|err| err.to_string())
        .and_then(|source| crate::api_summary::summarize(&source));
    Ok(match current {
        Ok(current) => {
            let current = format!("{}\n", current.trim_end());
            let diff = if current == base_summary {
                String::new()
            } else {
                unified_diff(&snapshot, &base_summary, &current)
            };
            RustApiChange {
                vendor: vendor.name.to_string(),
                snapshot_stale: committed.as_deref() != Some(current.as_str()),
                snapshot,
                diff,
                error: None,
            }
        }
        Err(message) => RustApiChange {
            vendor: vendor.name.to_string(),
            snapshot,
            diff: String::new(),
            error: Some(message),
            snapshot_stale: false,
        },
    })
}

/// An insta snapshot without its `---` header, ending in one newline.
fn snapshot_body(text: &str) -> String {
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .unwrap_or(text);
    format!("{}\n", body.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_body_is_what_follows_its_header() {
        let snap =
            "---\nsource: tests/api_summary.rs\nexpression: summary\n---\n# Operations\n\nx\n";
        assert_eq!(snapshot_body(snap), "# Operations\n\nx\n");
        assert_eq!(snapshot_body("no header\n\n"), "no header\n");
    }

    #[test]
    fn a_long_diff_is_cut_and_says_by_how_much() {
        let diff: String = (0..250).map(|i| format!("+line {i}\n")).collect();
        let (kept, cut_lines) = cut(&diff);
        assert_eq!(kept.lines().count(), MAX_SOURCE_DIFF_LINES);
        assert_eq!(cut_lines, 50);
        assert_eq!(cut("+a\n"), ("+a\n".to_string(), 0));
    }
}
