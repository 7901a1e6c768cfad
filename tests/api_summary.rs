//! Locks the public Rust API of each generated crate, one line per operation call and one block per
//! type, so a reviewer sees the Rust change next to the spec change.

use spec_pipeline::api_summary::summarize;
use spec_pipeline::vendors::{Vendor, by_name};
use workspace_tests::repo_root;

fn assert_summary(vendor: Vendor) {
    let path = repo_root().join(vendor.generated_path());
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let summary = summarize(&source).unwrap_or_else(|err| panic!("{err}"));
    insta::assert_snapshot!(format!("api_{}", vendor.name), summary);
}

#[test]
fn attestr() {
    assert_summary(by_name("attestr").unwrap());
}

#[test]
fn trust() {
    assert_summary(by_name("trust").unwrap());
}

#[test]
fn gainsight_px() {
    assert_summary(by_name("gainsight-px").unwrap());
}
