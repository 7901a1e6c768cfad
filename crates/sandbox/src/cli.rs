//! The `vendor-sandbox` command line (clap), turned into a [`Config`].

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::config::{
    Config, Credentials, DEMO_ATENEA_CLIENT_ID, DEMO_ATENEA_CLIENT_SECRET, DEMO_ATTESTR_TOKEN,
    DEMO_PX_API_KEY, Limits, MAX_JSON_DEPTH_LIMIT, Redacted,
};

/// vendor-sandbox: a stateful local sandbox of the Attestr, Trust (Index + Atenea) and Gainsight
/// PX APIs. The first line printed on stdout is `listening on http://ADDR`.
#[derive(Debug, Parser)]
#[command(name = "vendor-sandbox", version)]
pub struct Cli {
    /// Listen address; port 0 picks a free one.
    #[arg(long, default_value = crate::config::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Keep the state in this SQLite database (created when missing; WAL; every acknowledged
    /// write is committed first). Without it the state is in memory.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Extra start data: Trust identities, Attestr profiles, Gainsight PX users (JSON).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// The sandbox clock's Unix time at start (default: the real time).
    #[arg(long, value_name = "UNIX_SECS", value_parser = parse_clock_start)]
    pub clock_start: Option<i64>,
    /// Gainsight PX requests per second per API key before 429 (0 = off).
    #[arg(long, value_name = "N", default_value_t = Config::default().gainsight_px_rate_limit)]
    pub rate_limit: u32,
    /// Gainsight PX requests per API key per day (UTC, sandbox clock) before 429 (0 = off).
    #[arg(long, value_name = "N", default_value_t = Config::default().gainsight_px_daily_quota)]
    pub daily_quota: u64,
    /// `expires_in` of issued Atenea tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = Config::default().atenea_token_ttl_secs,
          value_parser = clap::value_parser!(i64).range(1..=315_360_000))]
    pub token_ttl: i64,
    /// Records per vendor (profiles; identities and live tokens; users) before creates are refused.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_records_per_vendor,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_records: u64,
    /// Deepest JSON nesting accepted in a request body (at most 100).
    #[arg(long, value_name = "LEVELS", default_value_t = Limits::default().max_json_depth,
          value_parser = parse_json_depth)]
    pub max_json_depth: usize,
    /// Largest accepted request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().body_limit_bytes,
          value_parser = parse_positive)]
    pub body_limit: usize,
    /// Seconds a connection has to deliver a request head (from opening or going idle).
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().header_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=30))]
    pub header_timeout: u64,
    /// Seconds an idle keep-alive connection (no request in progress, no bytes) is kept open.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().idle_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
    /// Open connections at most; more wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections,
          value_parser = parse_positive)]
    pub max_connections: usize,
    /// Requests kept for `GET /_sandbox/requests`.
    #[arg(long, value_name = "N", default_value_t = Limits::default().request_log_capacity)]
    pub request_log: usize,
    /// Attestr Basic auth token.
    #[arg(long, value_name = "TOKEN", default_value = DEMO_ATTESTR_TOKEN, value_parser = secret)]
    pub attestr_token: Secret,
    /// Atenea client_id.
    #[arg(long, value_name = "ID", default_value = DEMO_ATENEA_CLIENT_ID, value_parser = non_empty)]
    pub atenea_client_id: String,
    /// Atenea client_secret.
    #[arg(long, value_name = "SECRET", default_value = DEMO_ATENEA_CLIENT_SECRET,
          value_parser = secret)]
    pub atenea_client_secret: Secret,
    /// Gainsight PX X-APTRINSIC-API-KEY; repeat the flag to accept several keys.
    #[arg(long, value_name = "KEY", default_value = DEMO_PX_API_KEY, value_parser = secret)]
    pub px_api_key: Vec<Secret>,
    /// error, warn, info, debug or trace (debug logs each vendor request: vendor, method, route
    /// template, status and time taken; never a body, a credential or an id from the path).
    #[arg(long, value_name = "LEVEL", default_value = "info",
          value_parser = ["error", "warn", "info", "debug", "trace"], ignore_case = true)]
    pub log_level: String,
    /// Print the `export` lines that configure the three vendor crates for this sandbox (base
    /// URLs as their `Config::from_env` reads them, and the demo credentials), then exit without
    /// starting. Give the port the sandbox listens on (`--listen`).
    #[arg(long)]
    pub print_env: bool,
}

impl Cli {
    /// The sandbox configuration the flags describe.
    pub fn config(&self) -> Config {
        Config {
            listen: self.listen,
            credentials: Credentials {
                attestr_auth_token: self.attestr_token.0.clone(),
                atenea_client_id: self.atenea_client_id.clone(),
                atenea_client_secret: self.atenea_client_secret.0.clone(),
                gainsight_px_api_keys: self.px_api_key.iter().map(|key| key.0.clone()).collect(),
            },
            gainsight_px_rate_limit: self.rate_limit,
            gainsight_px_daily_quota: self.daily_quota,
            atenea_token_ttl_secs: self.token_ttl,
            clock_start_unix_secs: self.clock_start,
            seed_file: self.seed.clone(),
            state_file: self.state.clone(),
            limits: Limits {
                max_records_per_vendor: self.max_records,
                max_json_depth: self.max_json_depth,
                body_limit_bytes: self.body_limit,
                header_timeout: Duration::from_secs(self.header_timeout),
                idle_timeout: Duration::from_secs(self.idle_timeout),
                max_connections: self.max_connections,
                request_log_capacity: self.request_log,
                ..Limits::default()
            },
        }
    }
}

/// The shell lines (`export NAME='value'`) that point the three vendor crates'
/// `Config::from_env` at a sandbox served under `base_url` (`http://ADDR`) with `credentials`:
/// each crate's base URL variable (with the vendor prefixes the sandbox serves) and credentials.
/// Gainsight PX gets the first accepted key. Values are single-quoted, so the lines paste as they
/// are (`{version}` stays literal: the Attestr crate fills it in).
pub fn env_lines(base_url: &str, credentials: &Credentials) -> String {
    use crate::vendor::{Api, Vendor};
    let px_key = credentials.gainsight_px_api_keys.first().cloned();
    let url = |api: Api| format!("{base_url}{}", api.prefix());
    let vars = [
        ("ATTESTR_BASE_URL", url(Vendor::Attestr.into())),
        ("ATTESTR_AUTH_TOKEN", credentials.attestr_auth_token.clone()),
        ("TRUST_ATENEA_BASE_URL", url(Api::Atenea)),
        ("TRUST_INDEX_BASE_URL", url(Vendor::Trust.into())),
        ("TRUST_CLIENT_ID", credentials.atenea_client_id.clone()),
        (
            "TRUST_CLIENT_SECRET",
            credentials.atenea_client_secret.clone(),
        ),
        ("GAINSIGHT_PX_BASE_URL", url(Vendor::GainsightPx.into())),
        ("GAINSIGHT_PX_API_KEY", px_key.unwrap_or_default()),
    ];
    vars.iter()
        .map(|(name, value)| format!("export {name}='{}'\n", value.replace('\'', "'\\''")))
        .collect()
}

/// `--print-env`'s output for `listen`, or why it cannot be printed (port 0: the real port is
/// known only once a sandbox binds it).
pub fn print_env(listen: SocketAddr, credentials: &Credentials) -> Result<String, String> {
    if listen.port() == 0 {
        return Err(
            "--print-env needs the port the sandbox listens on: give `--listen ADDR:PORT` (port 0 is chosen at start; the banner of a running sandbox prints the same lines)"
                .to_string(),
        );
    }
    Ok(env_lines(&format!("http://{listen}"), credentials))
}

fn parse_clock_start(text: &str) -> Result<i64, String> {
    let secs: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if crate::clock::is_representable(secs) {
        Ok(secs)
    } else {
        Err(format!("{secs} is outside years 1970..=9999"))
    }
}

fn parse_json_depth(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(depth) if (1..=MAX_JSON_DEPTH_LIMIT).contains(&depth) => Ok(depth),
        _ => Err(format!("use 1 to {MAX_JSON_DEPTH_LIMIT}, not {text:?}")),
    }
}

fn parse_positive(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(format!("use a whole number of at least 1, not {text:?}")),
    }
}

/// A secret flag's value: `Debug` shows `[redacted]`.
#[derive(Clone)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Redacted, f)
    }
}

fn secret(text: &str) -> Result<Secret, String> {
    non_empty(text).map(Secret)
}

fn non_empty(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("must not be empty".to_string())
    } else {
        Ok(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("vendor-sandbox").chain(args.iter().copied()))
    }

    #[test]
    fn no_flags_give_the_documented_defaults() {
        let config = parse(&[]).unwrap().config();
        let expected = Config::default();
        assert_eq!(config, expected);
        assert_eq!(config.listen.to_string(), crate::config::DEFAULT_LISTEN);
        assert_eq!(config.credentials.attestr_auth_token, DEMO_ATTESTR_TOKEN);
        assert_eq!(config.credentials.gainsight_px_api_keys, [DEMO_PX_API_KEY]);
    }

    #[test]
    fn flags_override_defaults_in_both_spellings() {
        let config = parse(&[
            "--listen=127.0.0.1:0",
            "--rate-limit",
            "0",
            "--px-api-key",
            "one",
            "--px-api-key=two",
            "--max-records",
            "10",
            "--header-timeout",
            "2",
            "--log-level",
            "DEBUG",
        ])
        .unwrap()
        .config();
        assert_eq!(config.listen.port(), 0);
        assert_eq!(config.gainsight_px_rate_limit, 0);
        assert_eq!(config.credentials.gainsight_px_api_keys, ["one", "two"]);
        assert_eq!(config.limits.max_records_per_vendor, 10);
        assert_eq!(config.limits.header_timeout, Duration::from_secs(2));
    }

    #[test]
    fn debug_redacts_the_secret_flags() {
        let cli = parse(&[
            "--attestr-token=flag-token",
            "--atenea-client-secret=flag-secret",
            "--px-api-key=flag-key-1",
            "--px-api-key=flag-key-2",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        for secret in ["flag-token", "flag-secret", "flag-key"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("px_api_key: [[redacted], [redacted]]"),
            "{shown}"
        );
        assert!(shown.contains("rate_limit: 200"), "{shown}");
    }

    #[test]
    fn bad_flags_are_errors_not_panics() {
        for bad in [
            &["--listen", "nowhere"][..],
            &["--rate-limit", "-1"],
            &["--token-ttl", "0"],
            &["--attestr-token", ""],
            &["--clock-start", "99999999999999"],
            &["--max-json-depth", "101"],
            &["--header-timeout", "31"],
            &["--max-records", "0"],
            &["--body-limit", "0"],
            &["--log-level", "loud"],
            &["--what"],
            &["--state"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
