//! Finding the repository the command acts on, at run time.
//!
//! The root is never compiled in (`env!("CARGO_MANIFEST_DIR")`): with a target directory shared by
//! two clones, a binary built from one would act on the other. `cargo xtask` runs from the clone
//! Cargo was started in, and Cargo passes that clone's manifest directory to the process; a binary
//! started by hand looks upwards from the working directory instead.

use std::path::{Path, PathBuf};

/// The workspace root: a directory holding `Cargo.toml` and `xtask/Cargo.toml`.
pub fn find_root() -> Result<PathBuf, String> {
    if let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let manifest_dir = PathBuf::from(manifest_dir);
        if let Some(root) = manifest_dir.parent().filter(|dir| is_root(dir)) {
            return Ok(root.to_path_buf());
        }
    }
    let cwd = std::env::current_dir()
        .map_err(|err| format!("cannot read the working directory: {err}"))?;
    let root = cwd.ancestors().find(|dir| is_root(dir));
    root.map(Path::to_path_buf).ok_or_else(|| {
        format!(
            "{} is not inside this project's repository (no directory above it holds Cargo.toml and xtask/Cargo.toml)",
            cwd.display()
        )
    })
}

fn is_root(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("xtask/Cargo.toml").is_file()
}
