//! The first section of the review report: the vendor documentation pages (`spec/sources/`) that
//! changed, each with the operations that cite it and a unified diff of its text.
//!
//! Only pages that an operation cites (`x-vendor-doc.file`, at the base or in the working tree)
//! are read, each as a regular file under a size limit ([`spec_pipeline::fsguard`]): a file nobody cites
//! is not the review's business, and a link, a FIFO or a device is never opened.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::file_change::{FileStatus, cut};
use crate::git::{self, BaseRevision};
use crate::model::DiffError;
use spec_pipeline::document::Document;
use spec_pipeline::fsguard;
use spec_pipeline::outputs::unified_diff;
use spec_pipeline::vendors::Vendor;

/// A source diff longer than this many lines is cut, with a pointer to `git diff`.
pub const MAX_SOURCE_DIFF_LINES: usize = 200;

/// One vendor page that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceChange {
    /// Relative to the repository (`spec/sources/attestr-update-profile.txt`).
    pub path: String,
    /// Whether the page is new, gone or edited since the base revision.
    pub status: FileStatus,
    /// The operations that cite it, as `vendor: operationId`, on either side.
    pub cited_by: Vec<String>,
    /// A unified diff of the text (cut at [`MAX_SOURCE_DIFF_LINES`]); empty for a binary file.
    pub diff: String,
    /// How many diff lines were cut.
    pub lines_cut: usize,
}

/// Every cited page under `spec/sources/` that differs between `base` and the working tree, given
/// each vendor's spec at the base (`None` for a new vendor) and now.
pub fn source_changes<'a>(
    repo: &Path,
    base: &BaseRevision,
    documents: impl IntoIterator<Item = (Vendor, Option<&'a Document>, &'a Document)>,
) -> Result<Vec<SourceChange>, DiffError> {
    let citations = citations(documents);
    let mut changes = Vec::new();
    for (cited_path, cited_by) in &citations {
        // `x-vendor-doc.file` is relative to `spec/`; anything but a plain path under
        // `sources/` is refused by the spec checks and not read here.
        if !cited_path.starts_with("sources/") || fsguard::plain_relative(cited_path).is_err() {
            continue;
        }
        let path = format!("spec/{cited_path}");
        let old = git::file_at(repo, &base.commit, &path)?;
        let new =
            match fsguard::read_bytes(&repo.join("spec"), cited_path, fsguard::MAX_SOURCE_BYTES) {
                Ok(bytes) => Some(bytes),
                Err(err) if matches!(err.problem, fsguard::Problem::Missing) => None,
                Err(err) => return Err(spec_pipeline::Error::from(err).into()),
            };
        if old == new {
            continue;
        }
        let status = FileStatus::between(&old, &new);
        // An absent side is empty text; a binary side has no text diff.
        fn text(bytes: &Option<Vec<u8>>) -> Option<&str> {
            std::str::from_utf8(bytes.as_deref().unwrap_or_default()).ok()
        }
        let (diff, lines_cut) = match (text(&old), text(&new)) {
            (Some(old), Some(new)) => cut(&unified_diff(&path, old, new), MAX_SOURCE_DIFF_LINES),
            _ => (String::new(), 0),
        };
        changes.push(SourceChange {
            cited_by: cited_by.iter().cloned().collect(),
            path,
            status,
            diff,
            lines_cut,
        });
    }
    Ok(changes)
}

/// `sources/<page>` → the operations (`vendor: operationId`) whose `x-vendor-doc.file` cites it.
fn citations<'a>(
    documents: impl IntoIterator<Item = (Vendor, Option<&'a Document>, &'a Document)>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut cited: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (vendor, old, new) in documents {
        for doc in old.into_iter().chain([new]) {
            for operation in doc.operations() {
                if let Some(Value::String(file)) = operation
                    .operation
                    .get("x-vendor-doc")
                    .and_then(|source| source.get("file"))
                {
                    cited.entry(file.clone()).or_default().insert(format!(
                        "{}: {}",
                        vendor.name,
                        operation.label()
                    ));
                }
            }
        }
    }
    cited
}
