//! `cargo xtask test`'s sandbox step: schemathesis (pinned in `requirements.txt`) fuzzes the
//! vendor sandbox (`crates/sandbox`) with each published document in `spec/dist/`, bounded in
//! time, and must find 0 failures.
//!
//! The sandbox is started on a random loopback port (`--listen 127.0.0.1:0`; its first stdout line
//! names the address), seeded with the spec's example records so that the examples reach real
//! data, and killed at the end. Schemathesis only ever talks to that address: it runs against a
//! copy of each document whose every `servers` entry (document, path and operation level) is
//! rewritten to the sandbox. That matters for Trust's `createAccessToken`, whose operation-level
//! server is Atenea's production host: the copy points it at the sandbox's `/atenea` prefix, and
//! it is fuzzed in a run of its own whose `--url` is that prefix. Redirects are not followed.
//!
//! Each run's check configuration, and the reason for every adaptation of a check, is in
//! `crates/sandbox/schemathesis/<vendor>.toml`.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::sandbox_process::{SandboxProcess, sandbox_binary};

/// Seconds of fuzzing per run (schemathesis `--max-time`). Four runs keep the step near two
/// minutes on two cores.
const RUN_SECONDS: u64 = 25;
/// Gainsight PX's documented limit is "around 200 requests per second", which the sandbox
/// enforces; schemathesis stays below it so that the run tests the API, not the limiter.
const GAINSIGHT_PX_RATE: &str = "150/s";

/// One schemathesis run.
struct Run {
    label: &'static str,
    /// `spec/dist/<document>.json`, checked with `crates/sandbox/schemathesis/<document>.toml`.
    document: &'static str,
    /// The sandbox prefix standing in for the vendor's server.
    prefix: &'static str,
    /// Operations of the document this run covers (`--include-operation-id`), or all when
    /// empty; `exclude` names operations left to another run.
    include: &'static [&'static str],
    exclude: &'static [&'static str],
    rate_limit: Option<&'static str>,
}

impl Run {
    /// A run over every operation of `document`, without a rate limit.
    const fn all(label: &'static str, document: &'static str, prefix: &'static str) -> Run {
        Run {
            label,
            document,
            prefix,
            include: &[],
            exclude: &[],
            rate_limit: None,
        }
    }
}

const RUNS: [Run; 4] = [
    Run::all("Attestr", "attestr", "/attestr/api/v1"),
    Run {
        exclude: &["createAccessToken"],
        ..Run::all("Trust Index", "trust", "/trust/index/v1")
    },
    Run {
        include: &["createAccessToken"],
        ..Run::all("Trust Atenea", "trust", "/atenea")
    },
    Run {
        rate_limit: Some(GAINSIGHT_PX_RATE),
        ..Run::all("Gainsight PX", "gainsight-px", "/gainsight-px")
    },
];

/// The sandbox's demo credentials (its defaults, documented in its crate docs).
const ATTESTR_AUTHORIZATION: &str = "Authorization: Basic c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ=";
const GAINSIGHT_PX_KEY: &str = "X-APTRINSIC-API-KEY: sandbox-px-key";
const ATENEA_CREDENTIALS: &str = r#"{"client_id":"sandbox-client","client_secret":"sandbox-secret","grant_type":"client_credentials"}"#;

pub fn run(repo: &Path) -> Result<(), String> {
    println!("==> schemathesis against vendor-sandbox");
    let st = repo.join(".venv/bin/st");
    if !st.exists() {
        return Err(format!(
            "{} is missing: run `.venv/bin/pip install -r requirements.txt`",
            st.display()
        ));
    }
    let binary = sandbox_binary(repo)?;
    let work_dir = repo.join("target/schemathesis");
    std::fs::create_dir_all(&work_dir).map_err(|err| format!("{}: {err}", work_dir.display()))?;
    let sandbox = SandboxProcess::start(
        &binary,
        &[
            OsStr::new("--seed"),
            repo.join("crates/sandbox/schemathesis/seed.json")
                .as_os_str(),
        ],
    )?;
    let bearer = format!("Authorization: Bearer {}", atenea_token(sandbox.addr)?);
    let mut failed = Vec::new();
    for run in &RUNS {
        let base_url = format!("http://{}{}", sandbox.addr, run.prefix);
        let document = loopback_copy(repo, &work_dir, run, &sandbox)?;
        let header = match run.document {
            "attestr" => Some(ATTESTR_AUTHORIZATION),
            "gainsight-px" => Some(GAINSIGHT_PX_KEY),
            _ if run.include.is_empty() => Some(bearer.as_str()),
            // The token call takes its credentials in the body.
            _ => None,
        };
        let mut command = Command::new(&st);
        command
            .current_dir(&work_dir)
            .arg("--config-file")
            .arg(repo.join(format!("crates/sandbox/schemathesis/{}.toml", run.document)))
            .arg("run")
            .arg(&document)
            .args(["--url", &base_url])
            .args(["--max-time", &RUN_SECONDS.to_string()])
            .args(["--max-redirects", "0"])
            // No example database in the working tree.
            .args(["--generation-database", "none"]);
        if let Some(header) = header {
            command.args(["--header", header]);
        }
        for operation in run.include {
            command.args(["--include-operation-id", operation]);
        }
        for operation in run.exclude {
            command.args(["--exclude-operation-id", operation]);
        }
        if let Some(rate) = run.rate_limit {
            command.args(["--rate-limit", rate]);
        }
        println!("--> {} ({base_url})", run.label);
        if !run_bounded(&mut command, Duration::from_secs(RUN_SECONDS + 120))? {
            failed.push(run.label);
        }
    }
    drop(sandbox);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "schemathesis found failures in: {} (each run's report is above)",
            failed.join(", ")
        ))
    }
}

/// An Atenea token for the Trust Index run, from the sandbox's token call.
fn atenea_token(addr: SocketAddr) -> Result<String, String> {
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        // Only ever the sandbox on loopback, whatever proxy the environment names.
        .no_proxy()
        .build()
        .map_err(|err| err.to_string())?;
    let body = client
        .post(format!("http://{addr}/atenea/oauth/token/"))
        .header("content-type", "application/json")
        .body(ATENEA_CREDENTIALS)
        .send()
        .and_then(reqwest::blocking::Response::text)
        .map_err(|err| format!("cannot reach vendor-sandbox at {addr}: {err}"))?;
    serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|token| token["access_token"].as_str().map(str::to_string))
        .ok_or_else(|| format!("no access_token from the sandbox: {body:?}"))
}

/// A copy of `spec/dist/<document>.json` in which every `servers` entry is the sandbox, so that
/// no request can leave the loopback address whatever schemathesis does with operation servers.
fn loopback_copy(
    repo: &Path,
    work_dir: &Path,
    run: &Run,
    sandbox: &SandboxProcess,
) -> Result<PathBuf, String> {
    let source = repo.join(format!("spec/dist/{}.json", run.document));
    let text =
        std::fs::read_to_string(&source).map_err(|err| format!("{}: {err}", source.display()))?;
    let mut document: Value =
        serde_json::from_str(&text).map_err(|err| format!("{}: {err}", source.display()))?;
    let servers = json!([{ "url": format!("http://{}{}", sandbox.addr, run.prefix) }]);
    document["servers"] = servers.clone();
    let paths = document["paths"].as_object_mut().into_iter().flatten();
    for item in paths.filter_map(|(_, item)| item.as_object_mut()) {
        if let Some(entry) = item.get_mut("servers") {
            *entry = servers.clone();
        }
        // An operation's own servers (a non-object entry, such as `parameters`, has none).
        for operation in item.values_mut() {
            if let Some(entry) = operation.get_mut("servers") {
                *entry = servers.clone();
            }
        }
    }
    let target = work_dir.join(format!(
        "{}-{}.json",
        run.document,
        run.prefix.trim_matches('/').replace('/', "-")
    ));
    let pretty = serde_json::to_string_pretty(&document).map_err(|err| err.to_string())?;
    std::fs::write(&target, pretty).map_err(|err| format!("{}: {err}", target.display()))?;
    Ok(target)
}

/// Runs a command to completion, killing it past `limit`; whether it succeeded.
fn run_bounded(command: &mut Command, limit: Duration) -> Result<bool, String> {
    let mut child = command
        .spawn()
        .map_err(|err| format!("could not start {:?}: {err}", command.get_program()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.success()),
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                println!(
                    "schemathesis ran over {} s and was stopped",
                    limit.as_secs()
                );
                return Ok(false);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(err) => return Err(format!("waiting for schemathesis: {err}")),
        }
    }
}
