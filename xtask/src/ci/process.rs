//! Running one external step of a CI command: its name before, its duration after, and an error
//! naming it when it fails. Every command of `cargo xtask` runs its tools through [`run_step`].

use std::path::Path;
use std::process::Command;

use spec_pipeline::progress::Step;
use spec_review::QUIET_NODE_TOOLS;

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

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A program run through [`offline`] cannot reach even this machine's loopback: the linters
    /// run like this, so no setting or `$ref` can make them fetch anything.
    #[test]
    fn an_offline_program_cannot_connect() {
        if !namespaces_available() {
            eprintln!("skipped: `unshare --net` is not available here");
            return;
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let connect = format!(
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n    print('connected')\nexcept OSError as err:\n    print('refused', err)"
        );
        let output = offline(Path::new("python3"))
            .args(["-c", &connect])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.starts_with("refused"), "{stdout}");
        match listener.accept() {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("something connected: {other:?}"),
        }
        // The same program, not offline, does connect: the test can fail.
        let output = Command::new("python3")
            .args(["-c", &connect])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&output.stdout).starts_with("connected"));
    }
}
