//! The review tool behind `cargo xtask diff`: what a change to the authored specs means for the
//! people who consume them.
//!
//! Two revisions of a vendor's document
//! → Redocly CLI's `diff` (pinned in `package.json`, ruleset `diff-recommended` in
//! `redocly.yaml`), which rates every change by the semver bump it requires
//! → classification: each Redocly change is rated by the first row of the rules table (`rules.rs`) whose
//! matcher recognizes it (a loop over the table, as in oasdiff), and the changes of this
//! project's `x-` extensions (`x-error-codes`, `x-outcomes`, `x-vendor-doc`), which Redocly cannot
//! see, are compared row by row and rated by the table's rows for them; every operation a change
//! reaches is named, where Redocly names only the first use of a shared component
//! → the [`report`]: the vendor pages that changed, the classified changes, every generated file
//! that changes and the Rust API change rated by [`semver`], whether the hand-written code still
//! compiles ([`compile`]), and the versions
//! → [`render`] (text, markdown, JSON) and [`command`] (the gates of `cargo xtask diff`).
//!
//! Every change gets one of oasdiff's levels:
//!
//! - [`Severity::Breaking`] (oasdiff ERR): existing clients stop working;
//! - [`Severity::PotentiallyBreaking`] (WARN): some clients may stop working;
//! - [`Severity::NonBreaking`] (INFO): existing clients keep working.

mod classify;
pub mod command;
pub mod compile;
mod extension_rows;
mod extensions;
mod file_change;
mod generated;
mod git;
mod model;
mod operations;
mod redocly;
pub mod render;
pub mod report;
mod review;
mod rules;
pub mod semver;
mod versions;
mod view;

use std::path::Path;

pub use model::{Change, DiffError, RatedBy, Severity, Summary};
pub use redocly::QUIET_NODE_TOOLS;
pub use rules::table_outputs;

use spec_pipeline::document::Document;
use spec_pipeline::fsguard;

/// Every change from `old` to `new` (the documents Redocly compared into `report`), classified
/// and sorted (worst first): Redocly's changes, then the changes only this project's rules see.
pub(crate) fn classify_report(
    report: &redocly::Report,
    old: &Document,
    new: &Document,
) -> Vec<Change> {
    let old_index = operations::OperationIndex::new(old);
    let new_index = operations::OperationIndex::new(new);
    let sides = view::Sides {
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

/// The classified changes between two files on disk (the fixture tests' entry point).
pub fn diff_files(repo: &Path, old_path: &Path, new_path: &Path) -> Result<Vec<Change>, DiffError> {
    let load = |path: &Path| -> Result<Document, DiffError> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(DiffError::io(path, std::io::ErrorKind::InvalidInput.into()));
        };
        let text = fsguard::read_text(dir, &name.to_string_lossy(), fsguard::MAX_SPEC_BYTES)
            .map_err(spec_pipeline::Error::from)?;
        Ok(Document::parse(&path.display().to_string(), &text)?)
    };
    let (old, new) = (load(old_path)?, load(new_path)?);
    let report = redocly::run(repo, (old_path, &old), (new_path, &new))?;
    Ok(classify_report(&report, &old, &new))
}
