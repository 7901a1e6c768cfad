//! How a sandbox is configured: listen address, demo credentials, limits, clock and files, and the
//! `vendor-sandbox` command line that fills them in.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The credentials the sandbox accepts. They are demo values, printed at start; never real ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Attestr: the `{authToken}` in `Authorization: Basic {authToken}`.
    pub attestr_auth_token: String,
    /// Atenea: the `client_id` of the client-credentials token request.
    pub atenea_client_id: String,
    /// Atenea: the `client_secret` of the client-credentials token request.
    pub atenea_client_secret: String,
    /// Gainsight PX: the value of the `X-APTRINSIC-API-KEY` header.
    pub gainsight_px_api_key: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            attestr_auth_token: "sandbox-token".to_string(),
            atenea_client_id: "sandbox-client".to_string(),
            atenea_client_secret: "sandbox-secret".to_string(),
            gainsight_px_api_key: "sandbox-px-key".to_string(),
        }
    }
}

/// Everything a sandbox needs to start. `Config::default()` is what `vendor-sandbox` runs with no
/// flags; [`Config::ephemeral`] is what a test wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where to listen. Port 0 picks a free port; [`crate::RunningSandbox::addr`] tells which.
    pub listen: SocketAddr,
    /// The credentials each vendor accepts.
    pub credentials: Credentials,
    /// Gainsight PX requests per second before the sandbox answers 429 (the vendor documents
    /// "around 200"). 0 turns the limit off, for load runs.
    pub gainsight_px_rate_limit: u32,
    /// `expires_in` of the Atenea tokens the sandbox issues, in seconds (the vendor's sample: 7200).
    pub atenea_token_ttl_secs: i64,
    /// The largest request body accepted, in bytes; a larger one gets 413 in the vendor's shape.
    pub body_limit_bytes: usize,
    /// The sandbox clock's Unix time (seconds) at start; `None` starts at the real time. The clock
    /// then ticks with real time, and `/_sandbox/clock` moves it.
    pub clock_start_unix_secs: Option<i64>,
    /// A JSON file of extra start data (see [`crate::seed`]), added to the built-in Trust identity.
    pub seed_file: Option<PathBuf>,
    /// Where to persist the state as JSON. `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
}

/// The default listen address of `vendor-sandbox`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            credentials: Credentials::default(),
            gainsight_px_rate_limit: 200,
            atenea_token_ttl_secs: 7200,
            body_limit_bytes: 1024 * 1024,
            clock_start_unix_secs: None,
            seed_file: None,
            state_file: None,
        }
    }
}

impl Config {
    /// The defaults, but on a free loopback port: what an in-process test starts.
    pub fn ephemeral() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Self::default()
        }
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Start the sandbox with this configuration.
    Run(Box<Config>),
    /// Print the usage text.
    Help,
    /// Print the version.
    Version,
}

/// The `--help` text of `vendor-sandbox`.
pub const USAGE: &str = "\
vendor-sandbox: a stateful local sandbox of the Attestr, Trust (Index + Atenea) and Gainsight PX APIs

usage: vendor-sandbox [options]

  --listen ADDR                 listen address (default 127.0.0.1:8787; port 0 picks a free one)
  --state FILE                  persist the state to FILE as JSON (atomic writes; loaded at start)
  --seed FILE                   extra start data (Trust identities, Attestr profiles, PX users)
  --clock-start UNIX_SECS       the sandbox clock's time at start (default: the real time)
  --rate-limit N                Gainsight PX requests per second before 429 (default 200; 0 = off)
  --token-ttl SECS              expires_in of issued Atenea tokens (default 7200)
  --body-limit BYTES            largest accepted request body (default 1048576)
  --attestr-token TOKEN         Attestr Basic auth token (default sandbox-token)
  --atenea-client-id ID         Atenea client_id (default sandbox-client)
  --atenea-client-secret SECRET Atenea client_secret (default sandbox-secret)
  --px-api-key KEY              Gainsight PX X-APTRINSIC-API-KEY (default sandbox-px-key)
  --log-level LEVEL             error|warn|info|debug|trace (default info; debug logs each request)
  -h, --help                    this text
  -V, --version                 the version

The first line printed on stdout is `listening on http://ADDR`.";

/// The log level the command line asks for (kept out of [`Config`]: logging belongs to the binary).
pub fn log_level_from_args(args: &[String]) -> Result<String, String> {
    let mut level = "info".to_string();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--log-level" {
            level = iter
                .next()
                .ok_or("--log-level needs a value")?
                .to_ascii_lowercase();
        } else if let Some(value) = arg.strip_prefix("--log-level=") {
            level = value.to_ascii_lowercase();
        }
    }
    match level.as_str() {
        "error" | "warn" | "info" | "debug" | "trace" => Ok(level),
        other => Err(format!(
            "--log-level: unknown level {other:?} (use error, warn, info, debug or trace)"
        )),
    }
}

/// Parses the arguments after the program name.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut config = Config::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        // `--flag=value` and `--flag value` are both accepted.
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match &inline_value {
                Some(value) => Ok(value.clone()),
                None => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => {
                let text = value(flag)?;
                config.listen = text.parse().map_err(|_| {
                    format!("--listen: {text:?} is not an address like 127.0.0.1:8787")
                })?;
            }
            "--state" => config.state_file = Some(PathBuf::from(value(flag)?)),
            "--seed" => config.seed_file = Some(PathBuf::from(value(flag)?)),
            "--clock-start" => {
                let secs = parse_number::<i64>(flag, &value(flag)?)?;
                if !crate::clock::is_representable(secs) {
                    return Err(format!(
                        "--clock-start: {secs} is outside years 1970..=9999"
                    ));
                }
                config.clock_start_unix_secs = Some(secs);
            }
            "--rate-limit" => config.gainsight_px_rate_limit = parse_number(flag, &value(flag)?)?,
            "--token-ttl" => {
                let secs = parse_number::<i64>(flag, &value(flag)?)?;
                if !(1..=10 * 365 * 86_400).contains(&secs) {
                    return Err("--token-ttl: use 1 to 315360000 seconds".to_string());
                }
                config.atenea_token_ttl_secs = secs;
            }
            "--body-limit" => {
                let bytes = parse_number::<usize>(flag, &value(flag)?)?;
                if bytes == 0 {
                    return Err("--body-limit: must be at least 1 byte".to_string());
                }
                config.body_limit_bytes = bytes;
            }
            "--attestr-token" => {
                config.credentials.attestr_auth_token = non_empty(flag, value(flag)?)?
            }
            "--atenea-client-id" => {
                config.credentials.atenea_client_id = non_empty(flag, value(flag)?)?
            }
            "--atenea-client-secret" => {
                config.credentials.atenea_client_secret = non_empty(flag, value(flag)?)?
            }
            "--px-api-key" => {
                config.credentials.gainsight_px_api_key = non_empty(flag, value(flag)?)?
            }
            // Read by `log_level_from_args`; only its value is skipped here.
            "--log-level" => {
                value(flag)?;
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(Command::Run(Box::new(config)))
}

fn parse_number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{flag}: {text:?} is not a valid number"))
}

fn non_empty(flag: &str, value: String) -> Result<String, String> {
    if value.is_empty() {
        Err(format!("{flag}: must not be empty"))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn no_flags_give_the_documented_defaults() {
        let Command::Run(config) = parse_args(&[]).unwrap() else {
            panic!("expected a run")
        };
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.gainsight_px_rate_limit, 200);
        assert_eq!(config.atenea_token_ttl_secs, 7200);
        assert_eq!(config.credentials.attestr_auth_token, "sandbox-token");
        assert_eq!(config.credentials.atenea_client_id, "sandbox-client");
        assert_eq!(config.credentials.atenea_client_secret, "sandbox-secret");
        assert_eq!(config.credentials.gainsight_px_api_key, "sandbox-px-key");
    }

    #[test]
    fn flags_override_defaults_in_both_spellings() {
        let parsed = parse_args(&args(&[
            "--listen=127.0.0.1:0",
            "--rate-limit",
            "0",
            "--px-api-key",
            "other",
            "--log-level",
            "debug",
        ]))
        .unwrap();
        let Command::Run(config) = parsed else {
            panic!("expected a run")
        };
        assert_eq!(config.listen.port(), 0);
        assert_eq!(config.gainsight_px_rate_limit, 0);
        assert_eq!(config.credentials.gainsight_px_api_key, "other");
    }

    #[test]
    fn bad_flags_are_errors_not_panics() {
        for bad in [
            &["--listen", "nowhere"][..],
            &["--rate-limit", "-1"],
            &["--token-ttl", "0"],
            &["--attestr-token", ""],
            &["--clock-start", "99999999999999"],
            &["--what"],
            &["--state"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?} was accepted");
        }
        assert!(log_level_from_args(&args(&["--log-level", "loud"])).is_err());
    }
}
