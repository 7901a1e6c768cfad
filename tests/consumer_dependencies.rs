//! What a consumer of a vendor crate compiles: its normal dependency tree, with default features,
//! holds neither `utoipa` nor `schemars` (the generated types' schema derive is behind the crate
//! feature `schemars`, which only the sandbox's fidelity test turns on; nothing needs utoipa), and
//! rustls's aws-lc-rs provider only without the opt-in `tls-ring` feature.

use std::process::Command;

const VENDOR_CRATES: [&str; 3] = ["attestr", "trust", "gainsight-px"];
const SCHEMA_CRATES: [&str; 2] = ["utoipa", "schemars"];

/// The package names (`name vX.Y.Z` lines, without the tree drawing) of `cargo tree` for
/// `package` with `args`.
fn tree(package: &str, args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_consumer_compiles_no_schema_crate() {
    for package in VENDOR_CRATES {
        let names = tree(package, &[]);
        assert!(
            names.iter().any(|name| name == "reqwest"),
            "{package}: {names:?}"
        );
        for schema in SCHEMA_CRATES {
            assert!(
                !names.iter().any(|name| name == schema),
                "`cargo tree -p {package} -e normal` has {schema}"
            );
        }
    }
}

#[test]
fn the_schema_derive_comes_with_its_feature() {
    // The check above would pass if schemars were simply gone; the feature still brings it.
    for package in VENDOR_CRATES {
        let names = tree(package, &["--features", &format!("{package}/schemars")]);
        assert!(
            names.iter().any(|name| name == "schemars"),
            "`{package}/schemars` does not bring schemars"
        );
    }
}

#[test]
fn tls_ring_leaves_aws_lc_out_and_the_default_keeps_it() {
    let has = |names: &[String], prefix: &str| names.iter().any(|name| name.starts_with(prefix));
    for package in VENDOR_CRATES {
        let default = tree(package, &[]);
        assert!(has(&default, "aws-lc-rs"), "{package}: {default:?}");
        let ring = tree(
            package,
            &[
                "--no-default-features",
                "--features",
                &format!("{package}/tls-ring"),
            ],
        );
        assert!(has(&ring, "ring"), "{package}/tls-ring: {ring:?}");
        assert!(
            !has(&ring, "aws-lc"),
            "`{package}/tls-ring` still brings aws-lc: {ring:?}"
        );
    }
}
