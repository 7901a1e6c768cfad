//! How a sandbox is configured: listen address, demo credentials, limits, clock and files.
//! `vendor-sandbox` fills it in from its flags ([`crate::cli`]); tests build it in code.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The Attestr demo token: base64 of `sandbox-app:sandbox-secret`, a valid RFC 7617 Basic
/// credential (real Attestr tokens are base64 of `<appId>.<clientKey>:<clientSecret>`).
pub const DEMO_ATTESTR_TOKEN: &str = "c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ=";
/// The Atenea demo `client_id`.
pub const DEMO_ATENEA_CLIENT_ID: &str = "sandbox-client";
/// The Atenea demo `client_secret`.
pub const DEMO_ATENEA_CLIENT_SECRET: &str = "sandbox-secret";
/// The Gainsight PX demo API key.
pub const DEMO_PX_API_KEY: &str = "sandbox-px-key";

/// The credentials the sandbox accepts. They are demo values, printed at start; never real ones.
/// `Debug` shows `[redacted]` for the token, the secret and each API key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Attestr: the `{authToken}` in `Authorization: Basic {authToken}`.
    pub attestr_auth_token: String,
    /// Atenea: the `client_id` of the client-credentials token request.
    pub atenea_client_id: String,
    /// Atenea: the `client_secret` of the client-credentials token request.
    pub atenea_client_secret: String,
    /// Gainsight PX: the accepted values of the `X-APTRINSIC-API-KEY` header, each with its own
    /// rate limit and daily quota.
    pub gainsight_px_api_keys: Vec<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A config ends up in logs and failed assertions: the secrets stay out of them. The
        // client id names the client (OAuth does not treat it as a secret).
        f.debug_struct("Credentials")
            .field("attestr_auth_token", &Redacted)
            .field("atenea_client_id", &self.atenea_client_id)
            .field("atenea_client_secret", &Redacted)
            .field(
                "gainsight_px_api_keys",
                &vec![Redacted; self.gainsight_px_api_keys.len()],
            )
            .finish()
    }
}

/// What `Debug` shows in place of a secret: `[redacted]`.
#[derive(Clone, Copy)]
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            attestr_auth_token: DEMO_ATTESTR_TOKEN.to_string(),
            atenea_client_id: DEMO_ATENEA_CLIENT_ID.to_string(),
            atenea_client_secret: DEMO_ATENEA_CLIENT_SECRET.to_string(),
            gainsight_px_api_keys: vec![DEMO_PX_API_KEY.to_string()],
        }
    }
}

/// The most deeply nested JSON `--max-json-depth` may allow. serde_json refuses to read deeper
/// than 128 levels; a stored record sits a few levels below its request body, so 100 keeps every
/// accepted body readable after a restart.
pub const MAX_JSON_DEPTH_LIMIT: usize = 100;

/// Bounds on what one client can make the sandbox hold or wait for. Each is a flag of
/// `vendor-sandbox`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Records per vendor (Attestr profiles, Trust identities and live Atenea tokens, Gainsight
    /// PX users including soft-deleted ones). A create past it gets the vendor's error.
    pub max_records_per_vendor: u64,
    /// The deepest JSON nesting accepted in a request body (an object or array is one level).
    pub max_json_depth: usize,
    /// The largest request body accepted, in bytes; a larger one gets 413 in the vendor's shape.
    pub body_limit_bytes: usize,
    /// How long a connection may take to deliver a request head, counted from when it opens or
    /// goes idle. A slow client is cut off after it.
    pub header_timeout: Duration,
    /// How long a connection may stay silent (no bytes either way) while no request is being
    /// handled: an idle keep-alive connection is closed after it.
    pub idle_timeout: Duration,
    /// Open connections at most; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Requests kept for `GET /_sandbox/requests` (the oldest are dropped first).
    pub request_log_capacity: usize,
    /// With a state file, the size its WAL (`FILE-wal`) stays under, whatever the write load: the
    /// writer checkpoints and empties it once it passes a quarter of this.
    pub wal_limit_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_records_per_vendor: 250_000,
            max_json_depth: 32,
            body_limit_bytes: 1024 * 1024,
            header_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(15),
            max_connections: 512,
            request_log_capacity: 10_000,
            wal_limit_bytes: 64 * 1024 * 1024,
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
    /// Gainsight PX requests per second per API key before the sandbox answers 429 (the vendor
    /// documents "around 200"). 0 turns the limit off, for load runs.
    pub gainsight_px_rate_limit: u32,
    /// Gainsight PX requests per API key per day (UTC, sandbox clock) before 429 (the vendor
    /// documents "1 Million requests per day"). 0 turns the quota off.
    pub gainsight_px_daily_quota: u64,
    /// `expires_in` of the Atenea tokens the sandbox issues, in seconds (the vendor's sample: 7200).
    pub atenea_token_ttl_secs: i64,
    /// The sandbox clock's Unix time (seconds) at start; `None` starts at the real time. The clock
    /// then ticks with real time, and `/_sandbox/clock` moves it.
    pub clock_start_unix_secs: Option<i64>,
    /// A JSON file of extra start data (see [`crate::seed::Seed`]), added to the built-in Trust
    /// identity.
    pub seed_file: Option<PathBuf>,
    /// The SQLite database that holds the state. `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    /// Bounds on records, bodies, nesting, connections and the request log.
    pub limits: Limits,
}

/// The default listen address of `vendor-sandbox`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            credentials: Credentials::default(),
            gainsight_px_rate_limit: 200,
            gainsight_px_daily_quota: 1_000_000,
            atenea_token_ttl_secs: 7200,
            clock_start_unix_secs: None,
            seed_file: None,
            state_file: None,
            limits: Limits::default(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secrets() {
        let mut config = Config::default();
        config
            .credentials
            .gainsight_px_api_keys
            .push("second-px-key".to_string());
        let shown = format!("{config:?}");
        for secret in [
            DEMO_ATTESTR_TOKEN,
            DEMO_ATENEA_CLIENT_SECRET,
            DEMO_PX_API_KEY,
            "second-px-key",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains(
                "attestr_auth_token: [redacted], atenea_client_id: \"sandbox-client\", \
                 atenea_client_secret: [redacted], gainsight_px_api_keys: [[redacted], [redacted]]"
            ),
            "{shown}"
        );
    }
}
