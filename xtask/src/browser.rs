//! What the browser tests need (`tests/support/browser.rs`: Debian's headless Chromium driven by
//! the pinned playwright-core), checked before `cargo test` so that a missing browser fails at
//! once with what to install, not after the workspace has built.

use std::path::Path;

/// Where the browser tests look for Chromium unless `CHROMIUM_PATH` says otherwise.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

pub fn require(repo: &Path) -> Result<(), String> {
    let chromium = std::env::var_os("CHROMIUM_PATH")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| DEFAULT_CHROMIUM.into());
    if !chromium.exists() {
        return Err(format!(
            "the browser tests need headless Chromium, and {} does not exist: install Debian's \
             package (`apt-get install -y --no-install-recommends chromium`, as .ci/run does) or \
             set CHROMIUM_PATH",
            chromium.display()
        ));
    }
    if !repo
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Err(
            "the browser tests drive Chromium with playwright-core, which is not installed: run \
             `npm ci` (it is pinned in package.json)"
                .to_string(),
        );
    }
    Ok(())
}
