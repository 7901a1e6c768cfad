//! Running one external step of a CI command: its name before, its duration after, and an error
//! naming it when it fails. Every command of `cargo xtask` runs its tools through [`run_step`].

use std::path::Path;
use std::process::Command;

use xtask::diff::redocly::QUIET_NODE_TOOLS;
use xtask::progress::Step;

/// `cargo`, as the running Cargo names itself (`CARGO`), so a step uses the same toolchain.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
}

/// Runs one step from the repository root, failing with its name when it fails. The step's own
/// output goes straight to the terminal; the step's name comes before it and its time after.
pub fn run_step(repo: &Path, name: &str, command: &mut Command) -> Result<(), String> {
    let step = Step::announce(name);
    let status = command
        .current_dir(repo)
        .envs(QUIET_NODE_TOOLS)
        .status()
        .map_err(|err| format!("{name}: could not start {:?}: {err}", command.get_program()))?;
    if status.success() {
        step.finish();
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

/// A command for `program` that cannot reach any network: it runs in a network namespace of its
/// own (`unshare --net`, inside a user namespace so that no privilege is needed), which has only
/// a loopback interface of its own. Where namespaces are not available (not Linux, or user
/// namespaces turned off), the program runs as it is and a warning says so: the tools' inputs
/// have then been checked for external references only by xtask itself.
pub fn offline(program: &Path) -> Command {
    if namespaces_available() {
        let mut command = Command::new("unshare");
        command
            .args(["--net", "--map-root-user", "--"])
            .arg(program);
        command
    } else {
        eprintln!(
            "warning: `unshare --net` is not available here; {} runs with network access",
            program.display()
        );
        Command::new(program)
    }
}

/// Whether `unshare --net --map-root-user` works on this machine (asked once).
fn namespaces_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new("unshare")
            .args(["--net", "--map-root-user", "--", "true"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}
