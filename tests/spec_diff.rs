//! Locks how `cargo xtask diff` classifies each kind of spec change the project relies on.
//!
//! Every directory under `tests/diff_fixtures/` is one rule: `old.yaml` and `new.yaml` differ by
//! exactly that change (its first line says which), and the snapshot holds the classified result
//! (severity, operations, message, reason, rule, and whether Redocly's rating was kept or
//! overridden). The comparison runs the real Redocly CLI from `node_modules` (`npm ci`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use workspace_tests::repo_root;
use xtask::diff::render::changes_text;
use xtask::diff::{Change, RatedBy, Severity, diff_files};

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
