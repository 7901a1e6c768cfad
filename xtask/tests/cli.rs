//! The `cargo xtask` binary as a user meets it: `--help` everywhere, the repository found at run
//! time (a binary built from one clone acts on the clone it is run in), and `lint` refusing a
//! spec's external `$ref`s before any linter could fetch or open them.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use common::{Scratch, repo_root};

/// The binary, run in `dir` as a user would run it there: without Cargo's variables, so the
/// repository is found from the working directory.
fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("the xtask binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn help_exits_zero_on_every_command() {
    for args in [
        &["--help"][..],
        &["generate", "--help"],
        &["site", "--help"],
        &["lint", "--help"],
        &["test", "--help"],
        &["diff", "--help"],
        &["sources", "--help"],
        &["sources", "fetch", "--help"],
        &["help"],
    ] {
        let output = xtask(&repo_root(), args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        assert!(
            text(&output).contains("Usage: cargo xtask"),
            "{args:?}: {}",
            text(&output)
        );
    }
    let unknown = xtask(&repo_root(), &["frobnicate"]);
    assert!(!unknown.status.success());
}

#[test]
fn the_repository_is_the_one_the_command_runs_in() {
    let scratch = Scratch::new();
    // Only the copy's page changes: `generate --check` must fail there, naming the page, and
    // still pass in this repository.
    let page = scratch
        .root
        .join("spec/sources/attestr-archive-profile.txt");
    let text_before = scratch.read("spec/sources/attestr-archive-profile.txt");
    std::fs::write(&page, text_before.replace("irreversible", "reversible")).unwrap();

    let in_copy = xtask(&scratch.root.join("spec"), &["generate", "--check"]);
    assert!(!in_copy.status.success(), "{}", text(&in_copy));
    assert!(
        text(&in_copy)
            .contains("operation `archiveProfile`: cites `sources/attestr-archive-profile.txt`"),
        "{}",
        text(&in_copy)
    );
    let here = xtask(&repo_root().join("spec"), &["generate", "--check"]);
    assert!(here.status.success(), "{}", text(&here));

    // Cargo's runtime variable names the clone Cargo runs in, and wins over the directory.
    let via_cargo = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--check"])
        .current_dir(repo_root())
        .env("CARGO_MANIFEST_DIR", scratch.root.join("xtask"))
        .output()
        .unwrap();
    assert!(!via_cargo.status.success(), "{}", text(&via_cargo));
}

/// The main command needs only Rust: on a copy without `node_modules`, with no `node`, `npm` or
/// `python3` on the PATH, `generate --check` passes (the reference site is `cargo xtask site`'s).
#[test]
fn generate_check_runs_with_the_rust_toolchain_alone() {
    let scratch = Scratch::new();
    assert!(!scratch.root.join("node_modules").exists());
    let empty_path = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--check"])
        .current_dir(&scratch.root)
        .env_remove("CARGO_MANIFEST_DIR")
        .env("PATH", empty_path.path())
        .output()
        .expect("the xtask binary runs");
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output)
            .contains("generate --check: every generated and published file is up to date"),
        "{}",
        text(&output)
    );
}

#[test]
fn lint_refuses_external_refs_before_any_linter_runs() {
    let scratch = Scratch::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let fixture = std::fs::read_to_string(repo_root().join("spec/fixtures/external-ref.yaml"))
        .unwrap()
        .replace("LISTENER_PORT", &port);
    std::fs::write(scratch.root.join("spec/attestr.yaml"), fixture).unwrap();
    std::fs::copy(
        scratch.root.join("spec/fixtures/sources/fixture-notes.md"),
        scratch.root.join("spec/sources/fixture-notes.md"),
    )
    .unwrap();

    let output = xtask(&scratch.root, &["lint"]);
    let out = text(&output);
    assert!(!output.status.success(), "{out}");
    for reference in [
        format!("http://127.0.0.1:{port}/evil.yaml#/Thing"),
        "/etc/passwd#/Thing".to_string(),
        "file:///etc/passwd".to_string(),
    ] {
        assert!(
            out.contains(&format!("`$ref: {reference}` points outside the document")),
            "{reference}: {out}"
        );
    }
    assert!(out.contains("[rule: ref]"), "{out}");
    // No linter ran (none was even installed into the copy), and nothing connected.
    assert!(!out.contains("redocly lint"), "{out}");
    match listener.accept() {
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something connected to the listener: {other:?}"),
    }
}
