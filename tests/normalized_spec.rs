//! Locks the normalized document each generator run sees: every accommodation made for
//! progenitor (see `spec/README.md`) shows up here, under `x-normalized`, in review.

use spec_pipeline::outputs::{load_checked, normalized};
use spec_pipeline::vendors::{Vendor, by_name};
use workspace_tests::repo_root;

fn assert_normalized(vendor: Vendor) {
    let doc = load_checked(&repo_root(), &vendor).unwrap_or_else(|err| panic!("{err}"));
    let normalized = normalized(&doc).unwrap_or_else(|err| panic!("{err}"));
    let yaml = serde_norway::to_string(&normalized).expect("a JSON value serializes as YAML");
    insta::assert_snapshot!(format!("normalized_{}", vendor.name), yaml);
}

#[test]
fn attestr() {
    assert_normalized(by_name("attestr").unwrap());
}

#[test]
fn trust() {
    assert_normalized(by_name("trust").unwrap());
}

#[test]
fn gainsight_px() {
    assert_normalized(by_name("gainsight-px").unwrap());
}
