//! The `vendor-sandbox` process behind `cargo xtask test`'s sandbox-backed steps (schemathesis,
//! the Python client check): found in the workspace test build, started on a free loopback port,
//! killed when dropped.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The `vendor-sandbox` binary built by the workspace test step: the same `cargo test` command
/// with `--no-run` is a no-op after it, and reports where the binary is. `VENDOR_SANDBOX_BIN`
/// names another binary instead (to run this step on its own against a given build).
pub fn sandbox_binary(repo: &Path) -> Result<PathBuf, String> {
    if let Some(binary) = std::env::var_os("VENDOR_SANDBOX_BIN") {
        return Ok(PathBuf::from(binary));
    }
    let output = super::process::cargo()
        .current_dir(repo)
        .args(
            "test --workspace --locked --no-run --message-format=json-render-diagnostics"
                .split(' '),
        )
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| format!("could not run cargo: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "building vendor-sandbox failed ({})",
            output.status
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|message| {
            message["reason"] == "compiler-artifact"
                && message["target"]["name"] == "vendor-sandbox"
                && message["profile"]["test"] == false
                && message["executable"].is_string()
        })
        .and_then(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo did not report a vendor-sandbox binary".to_string())
}

/// A running `vendor-sandbox`, killed (by its pid) when dropped.
pub struct SandboxProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl SandboxProcess {
    /// Starts `binary` on a free loopback port, with `extra_args` after the listen options.
    pub fn start(binary: &Path, extra_args: &[&OsStr]) -> Result<Self, String> {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--log-level", "warn"])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|err| format!("could not start {}: {err}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("vendor-sandbox has no stdout")?;
        let mut lines = BufReader::new(stdout);
        let mut first = String::new();
        let read = lines.read_line(&mut first);
        let addr = read
            .ok()
            .and_then(|_| first.trim().strip_prefix("listening on http://"))
            .and_then(|addr| addr.parse::<SocketAddr>().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "vendor-sandbox did not announce its address (first line: {first:?})"
            ));
        };
        if !addr.ip().is_loopback() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("vendor-sandbox listens on {addr}, not on loopback"));
        }
        // Keep reading its stdout so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = lines.read_to_end(&mut sink);
        });
        Ok(Self { child, addr })
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
