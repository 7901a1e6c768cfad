//! The pipeline's promises, end to end: broken documents get errors that name the operation and
//! the rule (never a generator panic); `--check` catches a stale generated file and a changed
//! vendor page; the output is deterministic.

use spec_pipeline::Error;
use spec_pipeline::api_summary::summarize;
use spec_pipeline::codegen::{run_without_panicking, settings};
use spec_pipeline::document::Document;
use spec_pipeline::outputs::{Mode, client_source, generate, normalized, vendor_outputs};
use spec_pipeline::vendors::{VENDORS, by_name};
use workspace_tests::{ScratchRepo, assert_contains_all, repo_root};

fn fixture(name: &str) -> Document {
    Document::load(&repo_root(), &format!("spec/fixtures/{name}"))
        .unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn unsupported_constructs_are_refused_by_operation_and_rule() {
    let err = client_source(&repo_root(), &fixture("unsupported.yaml"))
        .expect_err("the fixture must be refused");
    let Error::Findings(findings) = &err else {
        panic!("expected spec findings, got: {err}")
    };
    let found: Vec<(Option<&str>, &str)> = findings
        .iter()
        .map(|finding| (finding.operation.as_deref(), finding.rule))
        .collect();
    for expected in [
        (None, "ref"),
        (Some("searchThings"), "parameter-style"),
        (Some("searchThings"), "parameter-location"),
        (Some("POST /things"), "operation-id"),
        (Some("POST /things"), "request-media-type"),
        (Some("getThing"), "response-schema"),
        (Some("deleteThing"), "vendor-doc"),
        (Some("deleteThing"), "error-codes"),
        (Some("getThing"), "operation-id"),
        (Some("getThing"), "vendor-doc"),
    ] {
        assert!(
            found.contains(&expected),
            "no {expected:?} finding in:\n{err}"
        );
    }
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn malformed_yaml_says_where() {
    let err =
        Document::load(&repo_root(), "spec/fixtures/malformed.yaml").expect_err("broken YAML");
    let message = err.to_string();
    assert!(
        message.starts_with("spec/fixtures/malformed.yaml: not a valid YAML document"),
        "{message}"
    );
    assert!(
        message.contains("line 9"),
        "the error should give the line: {message}"
    );
}

#[test]
fn shapes_that_panic_progenitor_are_normalized_instead() {
    let doc = fixture("progenitor-panics.yaml");

    // Unnormalized, progenitor itself panics on this document.
    let authored: openapiv3::OpenAPI = serde_json::from_value(doc.root.clone()).unwrap();
    let raw = run_without_panicking(|| {
        progenitor::Generator::new(&settings()).generate_tokens(&authored)
    });
    let panic = raw.expect_err("progenitor 0.15 panics on two success shapes");
    assert!(
        panic.contains("response_types.len() <= 1"),
        "unexpected panic: {panic}"
    );

    // Through the pipeline it generates, and the normalized copy says what was changed.
    let source = client_source(&repo_root(), &doc).unwrap_or_else(|err| panic!("{err}"));
    assert!(source.contains("pub fn delete_thing"));
    let normalized = normalized(&doc).unwrap();
    let notes = &normalized["paths"]["/things/{id}"]["delete"]["x-normalized"];
    let rules: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|note| note["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["default-response", "raw-success", "error-ranges"]);
    insta::assert_snapshot!(summarize(&source).unwrap());
}

#[test]
fn the_checked_in_files_are_what_the_pipeline_produces() {
    let report = generate(&repo_root(), Mode::Check).unwrap_or_else(|err| panic!("{err}"));
    assert!(
        report.is_clean(),
        "run `cargo xtask generate`:\n{}",
        report.diff
    );
}

#[test]
fn a_schema_edit_makes_check_fail_until_regenerated() {
    let scratch = ScratchRepo::new("schema-edit");
    let spec = scratch.read("spec/attestr.yaml");
    // One new optional property on Get Profile's response (the Update Profile page lists the
    // request body's fields, so a field added there would be refused as not on the page).
    let anchor = "      properties:\n        _id:\n          type: string\n          description: Profile Id\n";
    let edited = spec.replacen(
        anchor,
        &anchor.replace(
            "properties:\n",
            "properties:\n        department_code:\n          type: string\n",
        ),
        1,
    );
    assert_ne!(spec, edited, "the edit must apply");
    scratch.write("spec/attestr.yaml", &edited);

    let old_summary = summarize(&scratch.read("crates/attestr/src/generated.rs")).unwrap();
    let report = generate(&scratch.root, Mode::Check).unwrap_or_else(|err| panic!("{err}"));
    // The reference site's page changes too, but `cargo xtask site` publishes it
    // (tests/reference_site.rs); `generate` runs with the Rust toolchain alone.
    assert_eq!(
        report.changed,
        [
            "crates/attestr/src/generated.rs",
            "spec/dist/attestr.dereferenced.json",
            "spec/dist/attestr.json",
            "spec/dist/attestr.yaml",
        ]
    );
    assert!(
        report
            .diff
            .contains("+++ b/crates/attestr/src/generated.rs")
    );
    assert!(
        report.diff.contains("department_code"),
        "the diff shows the new property:\n{}",
        report.diff
    );

    let written = generate(&scratch.root, Mode::Write).unwrap();
    assert_eq!(written.changed, report.changed);
    let new_summary = summarize(&scratch.read("crates/attestr/src/generated.rs")).unwrap();
    assert!(
        !old_summary.contains("department_code")
            && new_summary.contains("department_code: Option<String>")
    );
    assert!(
        generate(&scratch.root, Mode::Check).unwrap().is_clean(),
        "clean after regenerating"
    );
}

#[test]
fn a_changed_source_page_names_the_operations_that_cite_it() {
    let scratch = ScratchRepo::new("source-edit");
    let page = "spec/sources/attestr-archive-profile.txt";
    let text = scratch.read(page);
    scratch.write(
        page,
        &text.replace(
            "This operation is irreversible.",
            "This operation can be undone within 30 days.",
        ),
    );

    let err =
        generate(&scratch.root, Mode::Check).expect_err("a changed source must fail the check");
    let message = err.to_string();
    assert!(
        message.contains("spec/attestr.yaml: operation `archiveProfile`: cites `sources/attestr-archive-profile.txt`"),
        "{message}"
    );
    assert!(message.contains("[rule: vendor-doc-sha256]"), "{message}");
    assert!(
        !message.contains("updateProfile"),
        "only the citing operations are named: {message}"
    );
}

#[test]
fn generation_is_deterministic() {
    for vendor in VENDORS {
        let first = vendor_outputs(&repo_root(), &vendor).unwrap();
        let second = vendor_outputs(&repo_root(), &vendor).unwrap();
        assert_eq!(first, second, "{} differs between two runs", vendor.name);
    }
    assert!(by_name("attestr").is_some());
}

// Hostile specs and sources: each case is a document under `spec/fixtures/`, and each is refused
// with the document, the operation (where there is one) and the rule, or never reaches outside
// the repository's own output folders.

/// The findings of a fixture, as `(operation, rule)` pairs, and the whole message.
fn refusal(name: &str) -> (Vec<(Option<String>, &'static str)>, String) {
    let err = client_source(&repo_root(), &fixture(name)).expect_err("the fixture must be refused");
    let Error::Findings(findings) = &err else {
        panic!("expected spec findings (never a generator error), got: {err}")
    };
    let found = findings
        .iter()
        .map(|finding| (finding.operation.clone(), finding.rule))
        .collect();
    (found, err.to_string())
}

#[test]
fn operation_ids_that_collide_as_rust_methods_are_refused() {
    let (found, message) = refusal("operation-id-collision.yaml");
    assert!(
        found.contains(&(Some("get_user".to_string()), "operation-id")),
        "{message}"
    );
    assert_contains_all(
        &message,
        &[
            "`operationId` `get_user` becomes the Rust method `get_user`, as `operationId` `getUser` does",
            "`operationId` `New` becomes the Rust method `new`, as the generated `Client::new` does",
        ],
    );
}

#[test]
fn error_code_names_are_required_identifiers_naming_one_error() {
    let (found, message) = refusal("error-names.yaml");
    let on = |operation: &str| {
        found
            .iter()
            .filter(|(op, rule)| op.as_deref() == Some(operation) && *rule == "error-codes")
            .count()
    };
    assert_eq!((on("updateThing"), on("deleteThing")), (4, 1), "{message}");
    assert_contains_all(
        &message,
        &[
            "operation `updateThing`: `x-error-codes[0]` needs a string `name`: the Rust `ErrorCode` variant, kept when the vendor rewords the message (for example `ThingIsLocked`)",
            "operation `updateThing`: `x-error-codes[1].name` `thing-missing` is not a Rust variant name",
            "operation `updateThing`: `x-error-codes[2].name` `Unknown` is reserved",
            "operation `updateThing`: `x-error-codes[4].name` `ThingIsBusy` names another row of this operation too",
            "operation `deleteThing`: `x-error-codes[0].name` `Conflict` is used twice in the document: updateThing `x-error-codes[5]` names error 409/4009 with it, this row names error 409/4010",
        ],
    );
    // The same error (400/4004) on another page, its message worded differently, is no finding.
    assert!(
        !message.contains("deleteThing`: `x-error-codes[1]"),
        "{message}"
    );
}

#[test]
fn a_path_template_that_disagrees_with_its_parameters_is_refused() {
    let (found, message) = refusal("path-template-mismatch.yaml");
    assert!(
        found.contains(&(Some("getThing".to_string()), "path-parameters")),
        "{message}"
    );
    assert_contains_all(
        &message,
        &[
            "the path `/things/{thingId}` has `{thingId}`, but no path parameter `thingId` is declared",
            "the path parameter `id` is declared, but the path `/things/{thingId}` has no `{id}`",
            "operation `getPart`: `{` without `}` in `/parts/{partId`",
        ],
    );
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn a_key_written_twice_is_refused_with_its_line() {
    let err = Document::load(&repo_root(), "spec/fixtures/duplicate-keys.yaml")
        .expect_err("a duplicate key must be refused");
    let message = err.to_string();
    assert!(
        message.starts_with("spec/fixtures/duplicate-keys.yaml: not a valid YAML document"),
        "{message}"
    );
    // The path and line of the mapping that holds the key twice.
    assert!(
        message.contains("paths./things/{id}: the key `get` appears twice"),
        "{message}"
    );
    assert!(message.contains("line 7 column 5"), "{message}");
}

#[test]
fn invalid_utf8_and_syntax_errors_name_file_line_and_column() {
    let err = Document::load(&repo_root(), "spec/fixtures/invalid-utf8.yaml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "spec/fixtures/invalid-utf8.yaml: line 5, column 20: not valid UTF-8"
    );
    let err = Document::load(&repo_root(), "spec/fixtures/malformed.yaml").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("line 9 column"), "{message}");
}

#[test]
fn example_names_cannot_reach_outside_the_output_folders() {
    let scratch = ScratchRepo::new("hostile-example");
    // The fixture stands in for the Attestr spec; its page is the fixtures' stand-in page.
    scratch.write(
        "spec/attestr.yaml",
        &std::fs::read_to_string(repo_root().join("spec/fixtures/hostile-example-name.yaml"))
            .unwrap(),
    );
    scratch.write(
        "spec/sources/fixture-notes.md",
        &scratch.read("spec/fixtures/sources/fixture-notes.md"),
    );
    // Where the first example key used to lead: a file of the repository outside every output
    // folder. `--check` must neither print it nor `generate` overwrite it.
    scratch.write("escape-pwned.json", "SECRET-SENTINEL\n");

    let report = generate(&scratch.root, Mode::Check).unwrap_or_else(|err| panic!("{err}"));
    assert!(!report.diff.contains("SECRET-SENTINEL"), "{}", report.diff);
    let allowed = [
        "crates/attestr/src/",
        "spec/dist/",
        "tests/fixtures/attestr/",
    ];
    for path in report.changed.iter().chain(&report.stale) {
        assert!(
            allowed.iter().any(|prefix| path.starts_with(prefix))
                && path.split('/').all(|part| part != ".." && part != "."),
            "{path} is outside the output folders"
        );
    }
    generate(&scratch.root, Mode::Write).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(scratch.read("escape-pwned.json"), "SECRET-SENTINEL\n");
    assert!(!std::path::Path::new("/tmp/escape/pwned.json").exists());
    let fixtures =
        spec_pipeline::outputs::files_under(&scratch.root, "tests/fixtures/attestr").unwrap();
    assert_eq!(
        fixtures,
        [
            "tests/fixtures/attestr/Thing/getThing.200._._.._.._.._.._.._tmp_escape_pwned.json",
            "tests/fixtures/attestr/Thing/getThing.200._._.._.._.._.._escape-pwned.json",
        ]
    );
}

/// Runs `f` on another thread and fails the test if it takes more than 20 seconds (a FIFO
/// opened for reading blocks until a writer comes).
fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(f());
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the check hung")
}

#[test]
fn a_cited_page_must_be_a_small_regular_file() {
    let scratch = ScratchRepo::new("hostile-source");
    let page = scratch.root.join("spec/fixtures/sources/hostile-page.txt");
    let cases: [(&str, &dyn Fn()); 4] = [
        ("is a symbolic link", &|| {
            std::os::unix::fs::symlink("/dev/zero", &page).unwrap()
        }),
        ("is a FIFO", &|| {
            let status = std::process::Command::new("mkfifo")
                .arg(&page)
                .status()
                .unwrap();
            assert!(status.success());
        }),
        ("is a directory", &|| std::fs::create_dir(&page).unwrap()),
        ("is larger than the limit of 2097152 bytes", &|| {
            std::fs::write(&page, vec![b'a'; 3 << 20]).unwrap()
        }),
    ];
    for (expected, make) in cases {
        let _ = std::fs::remove_file(&page);
        let _ = std::fs::remove_dir(&page);
        make();
        let root = scratch.root.clone();
        let message = within_seconds(move || {
            let doc = Document::load(&root, "spec/fixtures/hostile-source.yaml").unwrap();
            spec_pipeline::outputs::check(&root, &doc)
                .unwrap_err()
                .to_string()
        });
        assert!(
            message.contains("operation `listThings`")
                && message.contains("sources/hostile-page.txt")
                && message.contains(expected)
                && message.contains("[rule: vendor-doc]"),
            "{expected}: {message}"
        );
    }
}

#[test]
fn a_page_fact_the_spec_contradicts_names_page_row_and_operation() {
    let scratch = ScratchRepo::new("page-facts");
    for (spec, page, from, to) in [
        (
            "spec/attestr.yaml",
            "spec/sources/attestr-archive-profile.txt",
            "4004003Request ID is invalid",
            "4004003Request ID is not valid",
        ),
        (
            "spec/attestr.yaml",
            "spec/sources/attestr-update-profile.txt",
            "StringmobileOptional contact mobile field (E.164 format)Optionalv1",
            "StringmobileOptional contact mobile field (E.164 format)Requiredv1",
        ),
        (
            "spec/trust.yaml",
            "spec/sources/trust-index-delete-identity.txt",
            "identity/:uuid",
            "identity/:id",
        ),
        (
            "spec/gainsight-px.yaml",
            "spec/sources/gainsight-px-delete-user.txt",
            "  • 429\n",
            "  • 409\n\n    Conflict\n\n  • 429\n",
        ),
    ] {
        scratch.edit_cited_page(spec, page, from, to);
    }
    let err = generate(&scratch.root, Mode::Check)
        .unwrap_err()
        .to_string();
    let expected = [
        "spec/attestr.yaml: operation `archiveProfile`: `sources/attestr-archive-profile.txt` line 45 lists the error 400/4003 \"Request ID is not valid\", which `x-error-codes` lacks [rule: page-facts]",
        "spec/attestr.yaml: operation `archiveProfile`: `x-error-codes` has the error 400/4003 \"Request ID is invalid\", which `sources/attestr-archive-profile.txt` does not list [rule: page-facts]",
        "spec/attestr.yaml: operation `updateProfile`: `sources/attestr-update-profile.txt` line 36 documents the body field `mobile` as required, the request schema as optional [rule: page-facts]",
        "spec/trust.yaml: operation `deleteIdentity`: `sources/trust-index-delete-identity.txt` line 14 documents the URL `https://api.trust.lat/index/v1/identity/{id}`, which is none of the operation's (https://api.trust.lat/index/v1/identity/{uuid}) [rule: page-facts]",
        "spec/trust.yaml: operation `deleteIdentity`: `sources/trust-index-delete-identity.txt` line 14 documents the path parameter `id`, which the operation does not declare [rule: page-facts]",
        "spec/trust.yaml: operation `deleteIdentity`: the path parameter `uuid` is not on `sources/trust-index-delete-identity.txt` [rule: page-facts]",
        "spec/gainsight-px.yaml: operation `deleteUser`: `sources/gainsight-px-delete-user.txt` line 55 documents the status 409, which is not among the operation's responses [rule: page-facts]",
        "spec/gainsight-px.yaml: operation `deleteUser`: `sources/gainsight-px-delete-user.txt` line 55 lists the error 409 \"Conflict\", which `x-error-codes` lacks [rule: page-facts]",
    ];
    assert_contains_all(&err, &expected);
    assert_eq!(
        err.matches("[rule: page-facts]").count(),
        expected.len(),
        "{err}"
    );
}
