//! Every file `cargo xtask generate` derives from the authored documents, and writing or checking
//! them. Checking compares byte for byte and reports a unified diff, so `--check` shows in review
//! exactly what a regeneration would change.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::document::Document;
use crate::progress::Step;
use crate::vendors::{VENDORS, Vendor};
use crate::{Error, Finding, checks, codegen, examples, fsguard, normalize, runtime_meta};

/// Where the reference site is published, relative to the repository: `generate` leaves it to
/// `cargo xtask site`.
pub const SITE_DIR: &str = "spec/dist/site";

/// Directories whose every file is generated: a file there that the pipeline no longer produces
/// is stale.
pub(crate) fn managed_dirs() -> Vec<String> {
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

/// Every vendor's document, loaded and checked; every vendor is checked before an error is
/// returned, so all problems show at once.
pub fn load_all_checked(
    repo: &Path,
    step: &Step,
) -> Result<Vec<(&'static Vendor, Document)>, Error> {
    gather(VENDORS.iter().map(|vendor| {
        step.say(format!("checking {}", vendor.spec_path()));
        Ok((vendor, load_checked(repo, vendor)?))
    }))
}

/// Every value of `results`, or else every error among them, so that one run shows them all.
pub fn gather<T>(results: impl Iterator<Item = Result<T, Error>>) -> Result<Vec<T>, Error> {
    let (mut values, mut errors) = (Vec::new(), Vec::new());
    for result in results {
        match result {
            Ok(value) => values.push(value),
            Err(err) => errors.push(err),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(Error::Several(errors))
    }
}

/// The normalized document for a checked one.
pub fn normalized(doc: &Document) -> Result<Value, Error> {
    normalize::normalize(doc)
        .map_err(|message| Error::finding(&doc.name, None, "normalize", message))
}

/// Checks, normalizes and generates one document: the generated client, then nothing else.
pub fn client_source(repo: &Path, doc: &Document) -> Result<String, Error> {
    check(repo, doc)?;
    codegen::generate_client(&doc.name, &normalized(doc)?)
}

/// Every file derived from one vendor's document, by path relative to the repository.
pub fn vendor_outputs(repo: &Path, vendor: &Vendor) -> Result<BTreeMap<String, String>, Error> {
    checked_outputs(repo, vendor, &Document::load(repo, &vendor.spec_path())?)
}

/// [`vendor_outputs`] for a loaded document: checked, then generated.
pub fn checked_outputs(
    repo: &Path,
    vendor: &Vendor,
    doc: &Document,
) -> Result<BTreeMap<String, String>, Error> {
    check(repo, doc)?;
    outputs_of(vendor, doc)
}

/// [`vendor_outputs`] for a document that passed [`check`].
fn outputs_of(vendor: &Vendor, doc: &Document) -> Result<BTreeMap<String, String>, Error> {
    let mut files = BTreeMap::new();
    let client = codegen::generate_client(&doc.name, &normalized(doc)?)?;
    files.insert(
        vendor.operations_path(),
        runtime_meta::operations_file(doc, &client)?,
    );
    if vendor.has_error_codes {
        files.insert(
            vendor.error_codes_path(),
            runtime_meta::error_codes_file(doc)?,
        );
    }
    files.insert(vendor.generated_path(), client);
    files.extend(crate::publish::dist_files(doc, vendor)?);
    let mut sample_files: BTreeMap<String, String> = BTreeMap::new();
    let mut collisions = Vec::new();
    for sample in examples::samples(doc) {
        let path = format!("{}/{}", vendor.fixtures_dir(), sample.file_name());
        let label = format!(
            "`{}` {} example `{}`",
            sample.operation_id, sample.position, sample.name
        );
        if let Some(other) = sample_files.insert(path.clone(), label.clone()) {
            collisions.push(Finding {
                document: doc.name.clone(),
                operation: Some(sample.operation_id.clone()),
                rule: "example-file-name",
                message: format!(
                    "{label} and {other} both become the fixture `{path}` (file names keep only \
                     ASCII letters, digits, `-`, `_` and `.`); rename one"
                ),
            });
        }
        files.insert(path, crate::publish::json_text(&sample.value));
    }
    if !collisions.is_empty() {
        return Err(Error::Findings(collisions));
    }
    Ok(files)
}

/// Whether [`generate`] brings the files on disk up to date or only reports how they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every changed file and delete every stale one (`cargo xtask generate`).
    Write,
    /// Touch nothing; the [`Report`] says what a write would change (`--check`).
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
    /// Whether every generated file on disk is already what the pipeline produces.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.stale.is_empty()
    }
}

/// Runs the whole pipeline for every vendor under `repo`, then writes or checks the results.
/// See [`generate_with`].
pub fn generate(repo: &Path, mode: Mode) -> Result<Report, Error> {
    generate_with(repo, mode, BTreeMap::new())
}

/// [`generate`], with more files to write or check beside the pipeline's own (`extra`, by path
/// relative to the repository): the command adds the diff rules table (`docs/diff-rules.md`),
/// which the review tool (`spec_review::rules`) generates, so the pipeline does not depend on
/// the review tool. The reference site is not among the outputs: `cargo xtask site` publishes it
/// (`xtask::site::publish`), so this runs with the Rust toolchain alone.
///
/// Every document is checked before anything is generated: the checks (cited pages and their
/// facts, `$ref`s, names) take well under a second, so a stale page or a wrong fact fails at
/// once. Every vendor is processed before an error is returned, so all problems show at once.
pub fn generate_with(
    repo: &Path,
    mode: Mode,
    extra: BTreeMap<String, String>,
) -> Result<Report, Error> {
    let step = Step::start(match mode {
        Mode::Write => "generate",
        Mode::Check => "generate --check",
    });
    let documents = load_all_checked(repo, &step)?;
    let outputs = gather(documents.iter().map(|(vendor, doc)| {
        step.say(format!("generating {} from {}", vendor.crate_dir, doc.name));
        outputs_of(vendor, doc)
    }))?;
    let expected: BTreeMap<_, _> = outputs.into_iter().flatten().chain(extra).collect();
    let report = sync(repo, mode, &expected, &managed_dirs(), &[SITE_DIR], &step)?;
    step.finish();
    Ok(report)
}

/// Writes (`Mode::Write`) or compares (`Mode::Check`) every file of `expected` (by path relative
/// to `repo`). A file under one of the `managed` directories that `expected` lacks is stale
/// (deleted in write mode), unless it lies under one of `published_elsewhere` (a directory another
/// command owns inside a managed one).
pub fn sync(
    repo: &Path,
    mode: Mode,
    expected: &BTreeMap<String, String>,
    managed: &[String],
    published_elsewhere: &[&str],
    step: &Step,
) -> Result<Report, Error> {
    step.say("comparing with the files on disk");
    let mut report = Report::default();
    for (path, contents) in expected {
        let current = match fsguard::read_bytes(repo, path, fsguard::MAX_GENERATED_BYTES) {
            Ok(bytes) => Some(bytes),
            Err(err) if matches!(err.problem, fsguard::Problem::Missing) => None,
            Err(err) => return Err(err.into()),
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
            fsguard::write(repo, path, contents.as_bytes())?;
        }
    }
    for dir in managed {
        for path in files_under(repo, dir)? {
            let elsewhere = published_elsewhere.iter().any(|other| {
                path.strip_prefix(other)
                    .is_some_and(|rest| rest.starts_with('/'))
            });
            if expected.contains_key(&path) || elsewhere {
                continue;
            }
            // A stale entry is shown, never followed: a link or a FIFO is named, not read.
            let old = match fsguard::read_bytes(repo, &path, fsguard::MAX_GENERATED_BYTES) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(err) => format!("(not read: {err})\n"),
            };
            report.diff.push_str(&unified_diff(&path, &old, ""));
            report.stale.push(path.clone());
            if mode == Mode::Write {
                fsguard::remove(repo, &path)?;
            }
        }
    }
    Ok(report)
}

/// How long [`unified_diff`] may search for the smallest diff: Myers' time grows with the square
/// of the lines that differ, and both sides may come from a pull request.
const DIFF_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A unified diff from `old` to `new`, with `a/` and `b/` headers naming `path`; after two
/// seconds of search (`DIFF_TIMEOUT`) a coarser one, as complete.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new)
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
        // A directory that is a link is listed as an entry of its own, never entered.
        if std::fs::symlink_metadata(&full).is_ok_and(|meta| meta.file_type().is_symlink()) {
            found.push(current);
            continue;
        }
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
#[cfg(test)]
mod tests {
    #[test]
    fn a_diff_of_two_large_unlike_texts_ends_in_seconds() {
        // Myers' time grows with the square of the lines that differ: 80 000 lines on each side
        // took minutes. Past a deadline the diff is coarser, and still complete.
        let old: String = (0..80_000).map(|i| format!("a{i}\n")).collect();
        let new: String = (0..80_000).map(|i| format!("b{i}\n")).collect();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || sender.send(super::unified_diff("x.json", &old, &new)));
        let diff = receiver
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the diff must end within seconds");
        let count = |prefix: &str| {
            diff.lines()
                .filter(|line| {
                    line.starts_with(prefix) && !line.starts_with("---") && !line.starts_with("+++")
                })
                .count()
        };
        assert_eq!((count("-a"), count("+b")), (80_000, 80_000));
    }
}
