//! The pipeline's promises, end to end: broken documents get errors that name the operation and
//! the rule (never a generator panic); `--check` catches a stale generated file and a changed
//! vendor page; the output is deterministic.

use workspace_tests::{ScratchRepo, repo_root};
use xtask::Error;
use xtask::api_summary::summarize;
use xtask::codegen::{run_without_panicking, settings};
use xtask::document::Document;
use xtask::outputs::{Mode, client_source, generate, normalized, vendor_outputs};
use xtask::vendors::{VENDORS, by_name};

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
    // One new optional property on Update Profile's body.
    let anchor = "        - name\n      properties:\n";
    let edited = spec.replacen(
        anchor,
        &format!("{anchor}        department_code:\n          type: string\n"),
        1,
    );
    assert_ne!(spec, edited, "the edit must apply");
    scratch.write("spec/attestr.yaml", &edited);

    let old_summary = summarize(&scratch.read("crates/attestr/src/generated.rs")).unwrap();
    let report = generate(&scratch.root, Mode::Check).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        report.changed,
        [
            "crates/attestr/src/generated.rs",
            "spec/dist/attestr.dereferenced.json",
            "spec/dist/attestr.json",
            "spec/dist/attestr.yaml",
            "spec/dist/site/attestr.html",
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
