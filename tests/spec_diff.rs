//! Locks how `cargo xtask diff` classifies each kind of spec change the project relies on.
//!
//! Every directory under `tests/diff_fixtures/` is one rule: `old.yaml` and `new.yaml` differ by
//! exactly that change (its first line says which), and the snapshot holds the classified result
//! (severity, operations, message, reason, rule, and whether Redocly's rating was kept or
//! overridden). The comparison runs the real Redocly CLI from `node_modules` (`npm ci`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use spec_review::command::{Options, failures};
use spec_review::compile::{CompileCheck, CompileOptions, target_dir};
use spec_review::render::changes_text;
use spec_review::semver::{ApiLevel, rate};
use spec_review::{Change, RatedBy, Severity, diff_files};
use workspace_tests::{assert_contains_all, repo_root};

fn fixtures_dir() -> PathBuf {
    repo_root().join("tests/diff_fixtures")
}

fn classify(fixture: &str) -> Vec<Change> {
    let dir = fixtures_dir().join(fixture);
    diff_files(&repo_root(), &dir.join("old.yaml"), &dir.join("new.yaml"))
        .unwrap_or_else(|err| panic!("{fixture}: {err}"))
}

/// One test per fixture, named after it, so each snapshot fails on its own.
macro_rules! fixtures {
    ($($test:ident => $fixture:literal,)*) => {
        const FIXTURES: &[&str] = &[$($fixture),*];
        $(
            #[test]
            fn $test() {
                let changes = classify($fixture);
                insta::with_settings!({
                    snapshot_suffix => $fixture,
                    description => first_line(&fixtures_dir().join($fixture).join("new.yaml")),
                    omit_expression => true,
                }, {
                    insta::assert_snapshot!("rule", changes_text(&changes));
                });
            }
        )*
    };
}

fixtures! {
    operation_added => "operation-added",
    operation_removed => "operation-removed",
    operation_id_changed => "operation-id-changed",
    parameter_required_added => "parameter-required-added",
    parameter_optional_added => "parameter-optional-added",
    parameter_became_required => "parameter-became-required",
    parameter_became_optional => "parameter-became-optional",
    parameter_removed => "parameter-removed",
    request_property_required_added => "request-property-required-added",
    request_property_optional_added => "request-property-optional-added",
    request_property_removed => "request-property-removed",
    request_property_became_required => "request-property-became-required",
    request_property_became_optional => "request-property-became-optional",
    request_property_format_removed => "request-property-format-removed",
    request_property_became_nullable => "request-property-became-nullable",
    request_property_default_added => "request-property-default-added",
    request_property_max_length_removed => "request-property-max-length-removed",
    request_property_minimum_removed => "request-property-minimum-removed",
    request_enum_value_added => "request-enum-value-added",
    request_enum_value_removed => "request-enum-value-removed",
    response_property_added => "response-property-added",
    response_property_removed => "response-property-removed",
    response_property_became_optional => "response-property-became-optional",
    response_property_became_required => "response-property-became-required",
    response_property_type_changed => "response-property-type-changed",
    response_enum_value_added => "response-enum-value-added",
    response_enum_value_removed => "response-enum-value-removed",
    success_status_added => "success-status-added",
    success_status_removed => "success-status-removed",
    error_status_added => "error-status-added",
    error_status_removed => "error-status-removed",
    error_code_added => "error-code-added",
    error_code_removed => "error-code-removed",
    error_message_changed => "error-message-changed",
    error_name_changed => "error-name-changed",
    security_requirement_added => "security-requirement-added",
    security_requirement_removed => "security-requirement-removed",
    security_scheme_changed => "security-scheme-changed",
    server_added => "server-added",
    server_removed => "server-removed",
    vendor_doc_changed => "vendor-doc-changed",
    outcome_added => "outcome-added",
    outcome_removed => "outcome-removed",
    outcome_narrowed => "outcome-narrowed",
    documentation_changed => "documentation-changed",
}

fn first_line(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("# ")
        .to_string()
}

#[test]
fn every_fixture_directory_has_a_test() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/diff_fixtures exists")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let tested: BTreeSet<String> = FIXTURES.iter().map(|name| name.to_string()).collect();
    assert_eq!(on_disk, tested, "add the fixture to the `fixtures!` list");
}

/// The generated Rust files of a fixture document, as a vendor crate would get them.
fn generated_rust(document: &Path) -> std::collections::BTreeMap<String, String> {
    let name = document.display().to_string();
    let text = std::fs::read_to_string(document).unwrap();
    let doc = spec_pipeline::document::Document::parse(&name, &text).unwrap();
    let normalized = spec_pipeline::outputs::normalized(&doc).unwrap_or_else(|err| panic!("{err}"));
    let client = spec_pipeline::codegen::generate_client(&name, &normalized)
        .unwrap_or_else(|err| panic!("{err}"));
    let operations = spec_pipeline::runtime_meta::operations_file(&doc, &client)
        .unwrap_or_else(|err| panic!("{err}"));
    let error_codes =
        spec_pipeline::runtime_meta::error_codes_file(&doc).unwrap_or_else(|err| panic!("{err}"));
    [
        ("crates/fixture/src/generated.rs", client),
        ("crates/fixture/src/operations.rs", operations),
        ("crates/fixture/src/error_codes.rs", error_codes),
    ]
    .into_iter()
    .map(|(path, source)| (path.to_string(), source))
    .collect()
}

/// The spec rating and the Rust API rating of one change can never contradict each other: a
/// change the spec rates non-breaking (or does not see) needs no major release of the Rust crate
/// either, and a change that breaks Rust code is one the spec rates at least potentially
/// breaking, for every rule the fixtures show. (The converse need not hold: a narrowed outcome
/// breaks what the client returns without changing a signature.)
#[test]
fn the_spec_rating_and_the_rust_api_rating_never_contradict() {
    let mut table = String::new();
    let mut contradictions = Vec::new();
    for fixture in FIXTURES {
        let dir = fixtures_dir().join(fixture);
        let changes = classify(fixture);
        let worst = changes.iter().map(|change| change.severity).min();
        let rating = rate(
            &generated_rust(&dir.join("old.yaml")),
            &generated_rust(&dir.join("new.yaml")),
        );
        let spec = worst.map_or("no change", Severity::label);
        table.push_str(&format!(
            "{fixture}: spec {spec}, Rust {}\n",
            rating.level.label()
        ));
        let spec_mild = matches!(worst, None | Some(Severity::NonBreaking));
        if spec_mild && rating.level == ApiLevel::Breaking {
            contradictions.push(format!(
                "{fixture}: the spec says {spec} ({}), the Rust API says {:?}",
                changes
                    .iter()
                    .map(|change| change.rule.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                rating.findings
            ));
        }
    }
    assert!(
        contradictions.is_empty(),
        "{}\n\n{table}",
        contradictions.join("\n")
    );
    insta::assert_snapshot!("ratings", table);
}

/// The published rules table is the table the code applies (`cargo xtask generate` writes it).
#[test]
fn the_published_rules_table_is_generated_from_the_rules() {
    let (path, expected) = spec_review::table_outputs(&repo_root())
        .unwrap()
        .expect("the repository has docs/diff-rules.md");
    let actual = std::fs::read_to_string(repo_root().join(&path)).unwrap();
    assert!(
        actual == expected,
        "{path}'s rules table is stale: run `cargo xtask generate`"
    );
}

/// The "Done when", on the real document: a required property added to Attestr's Update
/// Profile body is breaking, names the property, and reaches `updateProfile` (Redocly reports the
/// shared `ProfileInput` under `createProfile` only).
#[test]
fn a_required_property_on_attestr_update_profile_is_breaking() {
    let repo = repo_root();
    let spec = repo.join("spec/attestr.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let anchor = "      required:\n        - tag\n        - name\n      properties:\n";
    assert_eq!(
        text.matches(anchor).count(),
        1,
        "ProfileInput's required list moved"
    );
    let edited = text.replace(
        anchor,
        "      required:\n        - tag\n        - name\n        - country\n      properties:\n        country:\n          type: string\n          description: ISO 3166-1 alpha-2 country code\n",
    );
    let scratch = std::env::temp_dir().join(format!("spec-diff-done-when-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let new = scratch.join("attestr.yaml");
    std::fs::write(&new, edited).unwrap();
    let changes = diff_files(&repo, &spec, &new);
    let _ = std::fs::remove_dir_all(&scratch);
    let changes = changes.unwrap_or_else(|err| panic!("{err}"));

    let breaking: Vec<&Change> = changes
        .iter()
        .filter(|change| change.severity == Severity::Breaking)
        .collect();
    assert_eq!(breaking.len(), 1, "{}", changes_text(&changes));
    let change = breaking[0];
    assert_eq!(change.rule, "required-properties-added");
    assert_eq!(change.rated_by, RatedBy::Redocly);
    assert!(change.message.contains("`country`"), "{}", change.message);
    assert_eq!(change.operations, ["createProfile", "updateProfile"]);
}

/// A git repository holding a copy of files of this one (modification times kept, so that the
/// compile check's earlier runs stay valid for what did not change) and the installed Redocly
/// (linked), committed as the base; removed when dropped.
struct Scratch {
    root: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Scratch {
    /// What `cargo xtask diff` reads: the specs and their pages, the client crates' manifests and
    /// generated files, the snapshots the report compares and Redocly's configuration.
    fn review_inputs() -> Scratch {
        let repo = repo_root();
        let under = |dir: &str| spec_pipeline::outputs::files_under(&repo, dir).unwrap();
        let mut files = under("spec");
        files.extend(under("tests/fixtures"));
        for vendor in spec_pipeline::vendors::VENDORS {
            files.push(format!("{}/Cargo.toml", vendor.crate_dir));
            files.extend(under(&format!("{}/src", vendor.crate_dir)));
            for snapshot in ["api_summary__api", "normalized_spec__normalized"] {
                files.push(format!("tests/snapshots/{snapshot}_{}.snap", vendor.name));
            }
        }
        files.push("redocly.yaml".to_string());
        // One directory per copy: the tests that make one run in parallel.
        static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let copy = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("spec-diff-chain-{}-{copy}", std::process::id()));
        Scratch::of(root, files)
    }

    /// The whole workspace (every file git knows of), at a fixed place under the target
    /// directory's scratch space: the compile check's artifacts for this copy are found again on
    /// the next run.
    fn workspace() -> Scratch {
        let listing = std::process::Command::new("git")
            .current_dir(repo_root())
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .output()
            .unwrap();
        assert!(listing.status.success());
        let files = String::from_utf8(listing.stdout).unwrap();
        let files = files
            .split('\0')
            .filter(|path| repo_root().join(path).is_file());
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spec-diff-compile-check");
        Scratch::of(root, files.map(str::to_string))
    }

    fn of(root: PathBuf, files: impl IntoIterator<Item = String>) -> Scratch {
        let _ = std::fs::remove_dir_all(&root);
        let repo = repo_root();
        for path in files {
            let (source, target) = (repo.join(&path), root.join(&path));
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&source, &target).unwrap();
            let modified = std::fs::metadata(&source).unwrap().modified().unwrap();
            let file = std::fs::File::options().write(true).open(&target).unwrap();
            file.set_modified(modified).unwrap();
        }
        std::os::unix::fs::symlink(repo.join("node_modules"), root.join("node_modules")).unwrap();
        let scratch = Scratch { root };
        scratch.git(&["init", "--quiet", "--initial-branch=main"]);
        scratch.commit("base");
        scratch
    }

    fn git(&self, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(&self.root)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.test",
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            message,
        ]);
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }

    /// `cargo xtask generate` on the copy.
    fn regenerate(&self) {
        spec_pipeline::outputs::generate(&self.root, spec_pipeline::outputs::Mode::Write)
            .unwrap_or_else(|err| panic!("{err}"));
    }

    /// The review report of the working copy against the base commit, with the compile check
    /// run as `compile_check` says (`None`: skipped).
    fn report(&self, compile_check: Option<&CompileOptions>) -> spec_review::report::Report {
        spec_review::report::build_report(&self.root, Some("HEAD"), compile_check)
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// Edits Attestr's archive-profile page, and the hash that cites it in the spec.
    fn edit_archive_page(&self, from: &str, to: &str) {
        let page = "spec/sources/attestr-archive-profile.txt";
        let hash = |text: &str| spec_pipeline::checks::hex_sha256(text.as_bytes());
        let old = hash(&self.read(page));
        self.edit(page, from, to);
        self.edit("spec/attestr.yaml", &old, &hash(&self.read(page)));
    }

    /// The major bump of Attestr's spec and crate versions.
    fn bump_attestr_major(&self) {
        self.edit(
            "spec/attestr.yaml",
            "  version: 0.1.0\n",
            "  version: 0.2.0\n",
        );
        self.edit(
            "crates/attestr/Cargo.toml",
            "version = \"0.1.0+v1\"",
            "version = \"0.2.0+v1\"",
        );
    }

    fn edit(&self, path: &str, from: &str, to: &str) {
        let text = self.read(path);
        assert_eq!(
            text.matches(from).count(),
            1,
            "{path}: `{from}` must occur once"
        );
        std::fs::write(self.root.join(path), text.replace(from, to)).unwrap();
    }
}

/// The gates of `cargo xtask diff HEAD --check-version --fail-on breaking`.
fn breaking_gate() -> Options {
    Options {
        base: Some("HEAD".to_string()),
        format: spec_review::command::Format::Markdown,
        fail_on: Some(Severity::Breaking),
        check_version: true,
        compile_check: true,
    }
}

/// The walk-through, on a copy: a vendor adds an error code to a page; the report shows
/// the whole chain; a breaking change fails the pull-request check until the major bump, which
/// then lands it.
#[test]
fn the_review_report_shows_the_whole_chain_and_a_major_bump_lands_a_break() {
    // This scratch copy holds the specs and the client crates, not a whole workspace: there is
    // nothing to compile (the compile check has its own test below).
    let scratch = Scratch::review_inputs();
    scratch.edit_archive_page("40040039Async", "40040040Profile is locked\n40040039Async");
    scratch.edit(
        "spec/attestr.yaml",
        "        - status: 400\n          code: 40039\n",
        "        - status: 400\n          code: 40040\n          name: ProfileIsLocked\n          message: Profile is locked\n        - status: 400\n          code: 40039\n",
    );
    // Not a page any operation cites: the report never opens it (a FIFO would hang a reader).
    let fifo = scratch.root.join("spec/sources/not-cited.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    scratch.regenerate();

    let report = scratch.report(None);
    let markdown = spec_review::render::markdown(&report);
    assert_contains_all(
        &markdown,
        &[
            // 1. the page
            "### `spec/sources/attestr-archive-profile.txt`",
            "Modified (cited by attestr: archiveProfile).",
            "+40040040Profile is locked",
            // 2. the spec change
            "New documented error 400/40040 `ProfileIsLocked` \"Profile is locked\".",
            // 3. every generated file, and the snapshot
            "<code>crates/attestr/src/error_codes.rs</code> (modified)",
            "+    ProfileIsLocked,",
            "<code>tests/snapshots/normalized_spec__normalized_attestr.snap</code> (modified)",
            "Not regenerated yet",
            // 4. the Rust API, rated
            "### attestr: additive (minor)",
            "`ErrorCode` gained the variant `ProfileIsLocked` (the enum is `#[non_exhaustive]`)",
        ],
    );
    assert!(!markdown.contains("not-cited.fifo"), "{markdown}");
    let attestr = &report.vendors[0];
    assert_eq!(attestr.generated.rust_api.level, ApiLevel::Additive);
    let gate = breaking_gate();
    assert_eq!(failures(&report, &gate), Vec::<String>::new());

    // An intended break: Get Profile goes away.
    let spec = scratch.read("spec/attestr.yaml");
    let start = spec
        .find("    get:\n      operationId: getProfile")
        .unwrap();
    let end = spec
        .find("    put:\n      operationId: updateProfile")
        .unwrap();
    std::fs::write(
        scratch.root.join("spec/attestr.yaml"),
        format!("{}{}", &spec[..start], &spec[end..]),
    )
    .unwrap();
    let report = scratch.report(None);
    let refused = failures(&report, &gate);
    assert!(
        refused
            .iter()
            .any(|line| line.starts_with("breaking change in attestr getProfile")),
        "{refused:?}"
    );
    assert!(
        refused.iter().any(|line| line.contains(
            "attestr: the spec's info.version must get a major bump for the breaking change(s): 0.1.0 → 0.2.0 or later"
        )),
        "{refused:?}"
    );
    assert_eq!(
        report.vendors[0].generated.rust_api.level,
        ApiLevel::Breaking
    );

    // The major bump of both versions accepts it.
    scratch.bump_attestr_major();
    let report = scratch.report(None);
    assert_eq!(failures(&report, &gate), Vec::<String>::new());
    let markdown = spec_review::render::markdown(&report);
    assert!(
        markdown.contains(
            "**Accepted**: the breaking change(s) below are accepted by the major bump (spec 0.1.0 → 0.2.0, crate 0.1.0+v1 → 0.2.0+v1)."
        ),
        "{markdown}"
    );
    // The bump accepts the vendor's potentially breaking changes too (the new error code).
    let potential = Options {
        fail_on: Some(Severity::PotentiallyBreaking),
        ..gate
    };
    assert_eq!(failures(&report, &potential), Vec::<String>::new());
}

/// The two walk-throughs on a copy of the whole workspace, with the compile check:
///
/// 1. The vendor rewords a message: it regenerates with no variant renamed, the workspace still
///    compiles, and `diff --check-version --fail-on breaking` passes without a version bump.
/// 2. A field of Attestr's error body becomes required, with both versions bumped: the sandbox,
///    which builds that body with a struct literal, no longer compiles; the report names the file
///    and line, the Rust API is rated breaking, and the gate fails although the bump is there.
///
/// The check reuses the repository's target directory, with a workspace wrapper of its own so
/// that this copy's artifacts never pass for the repository's.
#[test]
fn the_review_report_compiles_the_workspace_and_names_what_no_longer_compiles() {
    let target = target_dir(&repo_root()).unwrap_or_else(|err| panic!("{err}"));
    // `env RUSTC ARGS…` runs rustc unchanged; under a path of its own it keys this copy's
    // artifacts apart. (A shell script would drop variables such as `CARGO_BIN_EXE_vendor-erase`,
    // whose names are no shell identifiers.)
    let wrapper = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spec-diff-compile-check-rustc");
    let _ = std::fs::remove_file(&wrapper);
    std::os::unix::fs::symlink("/usr/bin/env", &wrapper).unwrap();
    let compile = CompileOptions {
        target_dir: Some(target),
        workspace_wrapper: Some(wrapper),
    };
    let gate = breaking_gate();
    let scratch = Scratch::workspace();

    // 1. A reworded message.
    scratch.edit_archive_page(
        "4004003Request ID is invalid",
        "4004003Request ID is not valid",
    );
    scratch.edit(
        "spec/attestr.yaml",
        "          name: RequestIdIsInvalid\n          message: Request ID is invalid\n",
        "          name: RequestIdIsInvalid\n          message: Request ID is not valid\n",
    );
    scratch.regenerate();
    let codes = scratch.read("crates/attestr/src/error_codes.rs");
    assert!(
        codes.contains(
            "    /// 4003 (HTTP 400): \"Request ID is not valid\"\n    RequestIdIsInvalid,"
        ),
        "{codes}"
    );
    let report = scratch.report(Some(&compile));
    let markdown = spec_review::render::markdown(&report);
    assert!(
        matches!(report.compile, CompileCheck::Compiles { .. }),
        "{markdown}"
    );
    let attestr = &report.vendors[0];
    assert_eq!(attestr.changes.len(), 2, "{markdown}"); // the message and the page's hash
    assert!(
        attestr
            .changes
            .iter()
            .any(|change| change.rule == "error-message-changed"
                && change.severity == Severity::NonBreaking),
        "{markdown}"
    );
    assert_eq!(
        attestr.generated.rust_api.level,
        ApiLevel::Unchanged,
        "{markdown}"
    );
    assert_eq!(failures(&report, &gate), Vec::<String>::new(), "{markdown}");
    scratch.commit("reworded");

    // 2. A break that stops the sandbox compiling, with both versions bumped.
    scratch.edit(
        "spec/attestr.yaml",
        "      required:\n        - code\n        - message\n      properties:\n        code:\n          type: integer\n          description: Unique error codes",
        "      required:\n        - code\n        - message\n        - httpStatusCode\n      properties:\n        code:\n          type: integer\n          description: Unique error codes",
    );
    scratch.bump_attestr_major();
    scratch.regenerate();
    let report = scratch.report(Some(&compile));
    let markdown = spec_review::render::markdown(&report);
    let sandbox_error = "crates/sandbox/src/vendors/attestr/error.rs";
    assert!(
        report
            .compile
            .errors()
            .iter()
            .any(|error| error.file == sandbox_error && !error.generated),
        "{markdown}"
    );
    let rust_api = markdown.find("## 4. Rust API").unwrap();
    let versions = markdown.find("## 5. Versions").unwrap();
    let section = &markdown[rust_api..versions];
    assert!(
        section.contains(&format!("- `{sandbox_error}:")),
        "the file is named under the Rust API section:\n{section}"
    );
    assert!(
        section.contains("### attestr: 🔴 semver-breaking (major)"),
        "{section}"
    );
    let attestr = &report.vendors[0];
    assert_eq!(attestr.generated.rust_api.level, ApiLevel::Breaking);
    assert!(
        attestr.generated.rust_api.findings[0]
            .1
            .starts_with("the workspace no longer compiles"),
        "{:?}",
        attestr.generated.rust_api.findings
    );
    // The bump accepts the break for the crate's users, not the sandbox that no longer builds.
    assert!(attestr.accepted_by_bump.is_some(), "{markdown}");
    let refused = failures(&report, &gate);
    assert!(
        refused
            .iter()
            .any(|line| line
                .starts_with(&format!("the workspace does not compile: {sandbox_error}:"))),
        "{refused:?}"
    );
}

/// A renamed error (its `name`, the Rust variant, changes; code and message stay) is breaking:
/// the spec rating names it, the Rust API loses the variant, and the gate refuses it until the
/// major bump.
#[test]
fn a_renamed_error_name_is_breaking_until_the_major_bump() {
    let scratch = Scratch::review_inputs();
    let spec = scratch.read("spec/attestr.yaml");
    std::fs::write(
        scratch.root.join("spec/attestr.yaml"),
        spec.replace(
            "name: ProfileIsArchivedAlreadyOperationNotAllowed",
            "name: ProfileAlreadyArchived",
        ),
    )
    .unwrap();
    scratch.regenerate();
    let codes = scratch.read("crates/attestr/src/error_codes.rs");
    assert!(
        codes.contains("40038 => Self::ProfileAlreadyArchived,"),
        "{codes}"
    );
    let report = scratch.report(None);
    let attestr = &report.vendors[0];
    let renamed: Vec<_> = attestr
        .changes
        .iter()
        .filter(|change| change.rule == "error-name-changed")
        .collect();
    assert_eq!(renamed.len(), 2, "one per operation: {:?}", attestr.changes);
    assert!(
        renamed
            .iter()
            .all(|change| change.severity == Severity::Breaking)
    );
    assert_eq!(
        renamed[0].message,
        "The name of error 400/40038 changed from `ProfileIsArchivedAlreadyOperationNotAllowed` to `ProfileAlreadyArchived`."
    );
    assert_eq!(attestr.generated.rust_api.level, ApiLevel::Breaking);
    let gate = breaking_gate();
    let refused = failures(&report, &gate);
    assert!(
        refused
            .iter()
            .any(|line| line.starts_with("breaking change in attestr")
                && line.ends_with("[error-name-changed]")),
        "{refused:?}"
    );
}

/// A spec that is missing at BASE while its crate is there (renamed or deleted at that revision)
/// is no new vendor: clients depend on the crate, so its changes are not rated as a new vendor's
/// (every operation "added", nothing breaking, no version bump needed).
#[test]
fn a_spec_missing_at_base_beside_its_crate_is_not_a_new_vendor() {
    let scratch = Scratch::review_inputs();
    scratch.git(&["mv", "spec/attestr.yaml", "spec/attestr-renamed.yaml"]);
    scratch.commit("the spec under another name");
    scratch.git(&["mv", "spec/attestr-renamed.yaml", "spec/attestr.yaml"]);
    let outcome = spec_review::report::build_report(&scratch.root, Some("HEAD"), None);
    let err = match outcome {
        Ok(report) => panic!(
            "rated as a new vendor: {:?}",
            report.vendors[0].changes.first()
        ),
        Err(err) => err.to_string(),
    };
    assert!(
        err.contains("spec/attestr.yaml does not exist at the base revision, but crates/attestr/Cargo.toml does"),
        "{err}"
    );
}

/// Redocly follows every `$ref`: one to a file outside the repository (or a URL) in a pull
/// request's spec would be opened (or fetched) and its content shown in the report. The review
/// refuses such a spec before Redocly sees it, as `cargo xtask lint` does.
#[test]
fn a_ref_leaving_the_spec_is_refused_before_redocly_reads_it() {
    let scratch = Scratch::review_inputs();
    let outside =
        std::env::temp_dir().join(format!("spec-diff-outside-{}.yaml", std::process::id()));
    std::fs::write(
        &outside,
        "type: object\ndescription: outside-the-repository\n",
    )
    .unwrap();
    let spec = scratch.read("spec/attestr.yaml");
    let reference = format!("$ref: '{}'", outside.display());
    let edited = spec.replacen(
        "$ref: '#/components/schemas/",
        &format!("{reference}\n#"),
        1,
    );
    assert_ne!(spec, edited);
    std::fs::write(scratch.root.join("spec/attestr.yaml"), edited).unwrap();
    let outcome = spec_review::report::build_report(&scratch.root, Some("HEAD"), None);
    let _ = std::fs::remove_file(&outside);
    let err = match outcome {
        Ok(report) => panic!(
            "Redocly read it: {:?}",
            report.vendors[0]
                .changes
                .iter()
                .map(|change| &change.message)
                .collect::<Vec<_>>()
        ),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("points outside the document"), "{err}");
    assert!(!err.contains("outside-the-repository"), "{err}");
}
