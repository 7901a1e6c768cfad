//! `vendor-sandbox --print-env` and the start-up banner: both print the same `export` lines, the
//! configuration the three vendor crates read (`tests/tours.rs` of the examples runs each example
//! from those lines alone).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sandbox::Credentials;

fn vendor_sandbox() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vendor-sandbox"))
}

#[test]
fn print_env_prints_the_crates_variables_and_exits() {
    let output = vendor_sandbox()
        .args(["--listen", "127.0.0.1:18787", "--print-env"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let base = "http://127.0.0.1:18787";
    let credentials = Credentials::default();
    let expected = format!(
        "export ATTESTR_BASE_URL='{base}/attestr/api/{{version}}'\n\
         export ATTESTR_AUTH_TOKEN='{}'\n\
         export TRUST_ATENEA_BASE_URL='{base}/atenea'\n\
         export TRUST_INDEX_BASE_URL='{base}/trust/index/v1'\n\
         export TRUST_CLIENT_ID='{}'\n\
         export TRUST_CLIENT_SECRET='{}'\n\
         export GAINSIGHT_PX_BASE_URL='{base}/gainsight-px'\n\
         export GAINSIGHT_PX_API_KEY='{}'\n",
        credentials.attestr_auth_token,
        credentials.atenea_client_id,
        credentials.atenea_client_secret,
        credentials.gainsight_px_api_keys[0],
    );
    assert_eq!(stdout, expected);
}

#[test]
fn print_env_quotes_a_credential_for_the_shell() {
    let output = vendor_sandbox()
        .args(["--listen", "127.0.0.1:18787", "--print-env"])
        .args(["--px-api-key", "it's"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("export GAINSIGHT_PX_API_KEY='it'\\''s'\n"),
        "{stdout}"
    );
}

#[test]
fn print_env_refuses_port_zero() {
    let output = vendor_sandbox()
        .args(["--listen", "127.0.0.1:0", "--print-env"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}

#[test]
fn the_banner_prints_the_same_lines_as_print_env() {
    let mut child = vendor_sandbox()
        .args(["--listen", "127.0.0.1:0", "--log-level", "error"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = Vec::new();
    for _ in 0..12 {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let done = line.starts_with("# State");
        banner.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let addr = banner[0]
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .to_string();
    let exports: String = banner
        .iter()
        .filter(|line| line.starts_with("export "))
        .map(String::as_str)
        .collect();
    let printed = vendor_sandbox()
        .args(["--listen", &addr, "--print-env"])
        .output()
        .unwrap();
    assert_eq!(exports, String::from_utf8(printed.stdout).unwrap());
    // Nothing else in the banner is a command: the rest is shell comments.
    assert!(
        banner[1..]
            .iter()
            .all(|line| line.starts_with("export ") || line.starts_with('#')),
        "{banner:?}"
    );
}
