//! The review report's model: every vendor's classified changes, versions, generated-file and
//! Rust API changes, and the vendor pages that changed; and [`build_report`], which makes it by
//! comparing each vendor's spec at a base revision with the working tree.
//!
//! BASE is any git revision; by default the merge-base of HEAD with `main` (else `HEAD~1`). A
//! vendor whose spec and client crate do not exist at BASE is new: every operation shows as
//! added, and nothing it brings can break an existing client (a spec missing at BASE beside its
//! crate is refused). The report also runs the compile check ([`compile`])
//! on the working tree, and rates every vendor whose generated code changed breaking when the
//! workspace no longer compiles. The formatters ([`crate::render`]) and the command
//! ([`crate::command`]) read this model; it imports neither.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::compile::{self, CompileCheck, CompileOptions};
use crate::extensions;
use crate::generated::{self, GeneratedChange};
pub use crate::git::BaseRevision;

use crate::git;
use crate::model::{Change, DiffError, Summary};
use crate::review::{self, SourceChange};
use crate::semver::ApiLevel;
use crate::versions::{self, VendorVersions, VersionPair};
use crate::view::text_at;
use crate::{classify_report, redocly};
use spec_pipeline::document::Document;
use spec_pipeline::fsguard;
use spec_pipeline::vendors::{VENDORS, Vendor};

/// The whole report: every vendor's classified changes, versions and Rust API change, and the
/// vendor pages that changed.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The revision the working tree is compared with.
    pub base: BaseRevision,
    /// One report per vendor, in [`VENDORS`] order.
    pub vendors: Vec<VendorReport>,
    /// The cited vendor pages under `spec/sources/` that changed, across all vendors.
    pub sources: Vec<SourceChange>,
    /// Whether the workspace's hand-written code still compiles with the generated code.
    pub compile: CompileCheck,
}

/// One vendor's part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct VendorReport {
    /// The vendor's short name (`attestr`).
    pub vendor: String,
    /// Its authored document, relative to the repository (`spec/attestr.yaml`).
    pub spec: String,
    /// Neither the spec nor the crate exists at the base revision.
    pub new_vendor: bool,
    /// The number of [`VendorReport::changes`] per severity.
    pub summary: Summary,
    /// The classified spec changes, worst first.
    pub changes: Vec<Change>,
    /// The spec's and the crate's versions at the base revision and in the working tree.
    pub versions: VendorVersions,
    /// What `--check-version` would refuse; empty when the versions are right.
    pub version_problems: Vec<String>,
    /// When the changes include breaking ones and both versions carry the major bump they need:
    /// the bump that accepts them (`spec 0.1.0 → 0.2.0, crate 0.1.0+v1 → 0.2.0+v1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_by_bump: Option<String>,
    /// The generated files that change, and the Rust API change they make.
    pub generated: GeneratedChange,
}

impl Report {
    /// The counts per severity over every vendor's changes.
    pub fn summary(&self) -> Summary {
        Summary::of(self.vendors.iter().flat_map(|vendor| &vendor.changes))
    }
}

/// Compares every vendor's spec at `base` (by default the merge-base of HEAD with `main`, else
/// `HEAD~1`) with the working tree, and checks that the workspace compiles ([`compile`]) as
/// `compile_check` says; `None` skips the check (`--no-compile-check`), and the report says so.
pub fn build_report(
    repo: &Path,
    base: Option<&str>,
    compile_check: Option<&CompileOptions>,
) -> Result<Report, DiffError> {
    let base = git::resolve_base(repo, base)?;
    let scratch = tempfile::tempdir().map_err(|err| DiffError::io(std::env::temp_dir(), err))?;

    let inputs = VENDORS
        .into_iter()
        .map(|vendor| VendorInput::load(repo, &base, vendor, scratch.path()))
        .collect::<Result<Vec<_>, _>>()?;
    // Redocly takes about a second per document, most of it Node starting: run them together.
    let diffs: Vec<Result<Vec<Change>, DiffError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|input| {
                scope.spawn(move || match &input.old {
                    None => Ok(extensions::new_vendor_changes(&input.new)),
                    Some((old_path, old)) => {
                        let new = (input.new_path.as_path(), &input.new);
                        let report = redocly::run(repo, (old_path, old), new)?;
                        Ok(classify_report(&report, old, &input.new))
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a diff thread does not panic"))
            .collect()
    });

    let mut compared = Vec::new();
    for (input, changes) in inputs.iter().zip(diffs) {
        let changes = changes?;
        let generated = generated::generated_change(repo, &base, &input.vendor, &input.new)?;
        compared.push((input, changes, generated));
    }
    let generated = compared.iter().map(|(_, _, generated)| generated);
    let compile = check_compiles(repo, compile_check, generated);

    let mut vendors = Vec::new();
    for (input, changes, mut generated) in compared {
        let summary = Summary::of(&changes);
        let worst = changes.iter().map(|change| change.severity).min();
        let versions = input.versions(repo, &base)?;
        let regenerated_code_changed = generated
            .files
            .iter()
            .any(|file| file.path.ends_with(".rs"));
        if !compile.errors().is_empty() && regenerated_code_changed {
            let finding = compile::breaking_finding(compile.errors());
            generated
                .rust_api
                .findings
                .insert(0, (ApiLevel::Breaking, finding));
            generated.rust_api.level = ApiLevel::Breaking;
        }
        let version_problems = versions::problems(&versions, worst, generated.rust_api.level);
        let accepted_by_bump = versions::accepting_bump(&versions, worst, generated.rust_api.level)
            .filter(|_| version_problems.is_empty());
        vendors.push(VendorReport {
            vendor: input.vendor.name.to_string(),
            spec: input.vendor.spec_path(),
            new_vendor: input.old.is_none(),
            summary,
            changes,
            versions,
            version_problems,
            accepted_by_bump,
            generated,
        });
    }
    let documents = inputs.iter().map(|input| {
        let old = input.old.as_ref().map(|(_, old)| old);
        (input.vendor, old, &input.new)
    });
    let sources = review::source_changes(repo, &base, documents)?;
    Ok(Report {
        base,
        vendors,
        sources,
        compile,
    })
}

/// The compile check, when asked for and the working tree holds what the spec generates
/// (checking stale generated code would prove nothing).
fn check_compiles<'a>(
    repo: &Path,
    options: Option<&CompileOptions>,
    generated: impl Iterator<Item = &'a GeneratedChange>,
) -> CompileCheck {
    let Some(options) = options else {
        return CompileCheck::NotRun {
            reason: "skipped (`--no-compile-check`)".to_string(),
            skipped_on_request: true,
        };
    };
    let mut stale = Vec::new();
    for change in generated {
        if let Some(error) = &change.error {
            stale.push(format!("{} does not generate ({error})", change.vendor));
        }
        stale.extend(
            change
                .not_regenerated
                .iter()
                .filter(|path| path.ends_with(".rs"))
                .cloned(),
        );
    }
    if !stale.is_empty() {
        return CompileCheck::NotRun {
            reason: format!(
                "the working tree's generated code is not what the spec generates ({}); run `cargo xtask generate`, then review again",
                stale.join(", ")
            ),
            skipped_on_request: false,
        };
    }
    compile::check_workspace(repo, options)
}

/// One vendor's two documents, each where Redocly can read it.
struct VendorInput {
    vendor: Vendor,
    /// The spec at the base revision, copied where Redocly reads it; `None` for a new vendor.
    old: Option<(PathBuf, Document)>,
    new_path: PathBuf,
    new: Document,
}

impl VendorInput {
    fn load(
        repo: &Path,
        base: &BaseRevision,
        vendor: Vendor,
        scratch: &Path,
    ) -> Result<Self, DiffError> {
        let spec = vendor.spec_path();
        let new = Document::load(repo, &spec)?;
        let old = match git::file_at(repo, &base.commit, &spec)? {
            None => {
                // New only if its crate is new too: a crate without its spec at BASE (the spec
                // renamed or deleted there) has clients that its changes can break.
                let manifest = vendor.manifest_path();
                if git::file_at(repo, &base.commit, &manifest)?.is_some() {
                    return Err(DiffError::Failed(format!(
                        "{spec} does not exist at the base revision, but {manifest} does: clients depend on the crate, so its changes cannot be rated as a new vendor's; pass a BASE that has {spec}"
                    )));
                }
                None
            }
            Some(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let old = Document::parse(&format!("{spec}@{}", base.short()), &text)?;
                let path = scratch.join(format!("{}.base.yaml", vendor.name));
                std::fs::write(&path, text.as_bytes()).map_err(|err| DiffError::io(&path, err))?;
                Some((path, old))
            }
        };
        Ok(VendorInput {
            vendor,
            old,
            new_path: repo.join(&spec),
            new,
        })
    }

    fn versions(&self, repo: &Path, base: &BaseRevision) -> Result<VendorVersions, DiffError> {
        let manifest = self.vendor.manifest_path();
        // Through the guard, like every other file a pull request can change: a link or a FIFO
        // in its place must not be followed or hang the report.
        let current_text = fsguard::read_text(repo, &manifest, fsguard::MAX_SPEC_BYTES)
            .map_err(spec_pipeline::Error::from)?;
        let base_crate = git::file_at(repo, &base.commit, &manifest)?
            .map(|bytes| {
                let name = format!("{manifest}@{}", base.short());
                versions::crate_version(&name, &String::from_utf8_lossy(&bytes))
            })
            .transpose()?;
        let info_text = |doc: &Document, key| text_at(doc.root.get("info"), key);
        Ok(VendorVersions {
            spec: VersionPair {
                base: self
                    .old
                    .as_ref()
                    .and_then(|(_, old)| info_text(old, "version")),
                current: info_text(&self.new, "version").unwrap_or_default(),
            },
            crate_version: VersionPair {
                base: base_crate,
                current: versions::crate_version(&manifest, &current_text)?,
            },
            crate_manifest: manifest,
            vendor_api_version: info_text(&self.new, "x-vendor-api-version"),
        })
    }
}
