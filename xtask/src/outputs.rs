//! Every file `cargo xtask generate` derives from the authored documents, and writing or checking
//! them. Checking compares byte for byte and reports a unified diff, so `--check` shows in review
//! exactly what a regeneration would change.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::document::Document;
use crate::vendors::{VENDORS, Vendor};
use crate::{Error, Finding, checks, codegen, examples, normalize, runtime_meta};

/// Directories whose every file is generated: a file there that the pipeline no longer produces
/// is stale.
pub fn managed_dirs() -> Vec<String> {
    let mut dirs = vec!["spec/dist".to_string()];
    dirs.extend(VENDORS.iter().map(|vendor| vendor.fixtures_dir()));
    dirs
}

/// Loads a vendor's authored document and refuses it if any check fails.
pub fn load_checked(repo: &Path, vendor: &Vendor) -> Result<Document, Error> {
    let doc = Document::load(repo, &vendor.spec_path())?;
    check(repo, &doc)?;
    Ok(doc)
}

/// Runs the checks on a loaded document. `x-vendor-doc` files are looked up next to the document
/// (`spec/sources/` for `spec/<vendor>.yaml`).
pub fn check(repo: &Path, doc: &Document) -> Result<(), Error> {
    let document_dir = repo.join(&doc.name);
    let spec_dir = document_dir.parent().unwrap_or(repo);
    let findings = checks::check_document(doc, spec_dir);
    if findings.is_empty() {
        Ok(())
    } else {
        Err(Error::Findings(findings))
    }
}

/// The normalized document for a checked one.
pub fn normalized(doc: &Document) -> Result<Value, Error> {
    normalize::normalize(doc).map_err(|message| {
        Error::Findings(vec![Finding {
            document: doc.name.clone(),
            operation: None,
            rule: "normalize",
            message,
        }])
    })
}

/// Checks, normalizes and generates one document: the generated client, then nothing else.
pub fn client_source(repo: &Path, doc: &Document) -> Result<String, Error> {
    check(repo, doc)?;
    codegen::generate_client(&doc.name, &normalized(doc)?)
}

fn json_file(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// Every file derived from one vendor's document, by path relative to the repository.
pub fn vendor_outputs(repo: &Path, vendor: &Vendor) -> Result<BTreeMap<String, String>, Error> {
    let doc = Document::load(repo, &vendor.spec_path())?;
    let mut files = BTreeMap::new();
    let client = client_source(repo, &doc)?;
    files.insert(
        vendor.operations_path(),
        runtime_meta::operations_file(&doc, &client)?,
    );
    if vendor.has_error_codes {
        files.insert(
            vendor.error_codes_path(),
            runtime_meta::error_codes_file(&doc)?,
        );
    }
    files.insert(vendor.generated_path(), client);
    files.extend(crate::publish::dist_files(&doc, vendor)?);
    for sample in examples::samples(&doc) {
        files.insert(
            format!("{}/{}", vendor.fixtures_dir(), sample.file_name()),
            json_file(&sample.value),
        );
    }
    Ok(files)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// What a run changed (write mode) or would change (check mode).
#[derive(Debug, Default)]
pub struct Report {
    /// Paths whose content differs from what the pipeline produces, or that are missing.
    pub changed: Vec<String>,
    /// Paths in a generated directory that the pipeline no longer produces.
    pub stale: Vec<String>,
    /// A unified diff of every change, old (on disk) to new (generated).
    pub diff: String,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.stale.is_empty()
    }
}

/// Runs the whole pipeline for every vendor under `repo`, then writes or checks the results.
/// Every vendor is processed before an error is returned, so all problems show at once.
pub fn generate(repo: &Path, mode: Mode) -> Result<Report, Error> {
    let mut expected = BTreeMap::new();
    let mut errors = Vec::new();
    for vendor in &VENDORS {
        match vendor_outputs(repo, vendor) {
            Ok(files) => expected.extend(files),
            Err(err) => errors.push(err),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Several(errors));
    }
    // The reference site spans every vendor, so it is built once the documents have passed.
    expected.extend(crate::site::site_files(repo)?);

    let mut report = Report::default();
    for (path, contents) in &expected {
        let full = repo.join(path);
        let current = match std::fs::read(&full) {
            Ok(bytes) => Some(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(Error::io(full, err)),
        };
        if current.as_deref() == Some(contents.as_bytes()) {
            continue;
        }
        let old = current
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        report.diff.push_str(&unified_diff(path, &old, contents));
        report.changed.push(path.clone());
        if mode == Mode::Write {
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
            }
            std::fs::write(&full, contents).map_err(|err| Error::io(&full, err))?;
        }
    }
    for dir in managed_dirs() {
        for path in files_under(repo, &dir)? {
            if expected.contains_key(&path) {
                continue;
            }
            let full = repo.join(&path);
            let old = std::fs::read_to_string(&full).unwrap_or_default();
            report.diff.push_str(&unified_diff(&path, &old, ""));
            report.stale.push(path);
            if mode == Mode::Write {
                std::fs::remove_file(&full).map_err(|err| Error::io(&full, err))?;
            }
        }
    }
    Ok(report)
}

/// A unified diff from `old` to `new`, with `a/` and `b/` headers naming `path`.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Every file below `dir` (relative to `repo`), as sorted relative paths with `/` separators.
/// A missing `dir` has no files.
pub fn files_under(repo: &Path, dir: &str) -> Result<Vec<String>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_string()];
    while let Some(current) = pending.pop() {
        let full = repo.join(&current);
        let entries = match std::fs::read_dir(&full) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(Error::io(full, err)),
        };
        for entry in entries {
            let entry = entry.map_err(|err| Error::io(&full, err))?;
            let path = format!("{current}/{}", entry.file_name().to_string_lossy());
            let is_dir = entry
                .file_type()
                .map_err(|err| Error::io(entry.path(), err))?
                .is_dir();
            if is_dir {
                pending.push(path)
            } else {
                found.push(path)
            }
        }
    }
    found.sort();
    Ok(found)
}
