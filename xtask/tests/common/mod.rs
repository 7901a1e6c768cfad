//! What the xtask integration tests share: the repository, and a scratch copy of the files
//! `generate` and `sources fetch` read and write.

use std::path::{Path, PathBuf};

/// This repository (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

/// A copy of the specs and their pages, the generated crates' sources and the payload fixtures,
/// plus the two manifests that mark a workspace root and the generated rules guide; no
/// `node_modules` (a fresh clone's state); removed when dropped.
pub struct Scratch {
    pub root: PathBuf,
    _dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("clone");
        let repo = repo_root();
        for path in [
            "spec",
            "tests/fixtures",
            "crates/attestr/src",
            "crates/trust/src",
            "crates/gainsight-px/src",
        ] {
            copy_tree(&repo.join(path), &root.join(path));
        }
        for file in ["Cargo.toml", "xtask/Cargo.toml", "docs/diff-rules.md"] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::copy(repo.join(file), root.join(file)).unwrap();
        }
        Scratch { root, _dir: dir }
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
