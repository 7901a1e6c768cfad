//! Building an authenticated Attestr client, from code or from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `ATTESTR_AUTH_TOKEN` | the auth token from the Attestr dashboard (required) | |
//! | `ATTESTR_API_VERSION` | the `{version}` path segment | `v1` |
//! | `ATTESTR_BASE_URL` | the server, `{version}` substituted (tests, the sandbox) | `https://api.attestr.com/api/{version}` |

use std::sync::Arc;
use vendor_runtime::__private::{HeaderAuth, Runtime, checked_base_url};
use vendor_runtime::{ConfigError, RuntimeConfig, Secret, Vars};

use crate::{Client, OPERATIONS};

/// The documented server; `{version}` is the API version path segment.
pub const DEFAULT_BASE_URL: &str = "https://api.attestr.com/api/{version}";
/// The only version Attestr documents for factx.
pub const DEFAULT_API_VERSION: &str = "v1";

/// How to reach and authenticate to Attestr; [`Config::build`] makes the [`Client`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The auth token, sent as `Authorization: Basic <token>`.
    pub auth_token: Secret,
    /// The `{version}` path segment.
    pub api_version: String,
    /// The server URL; a `{version}` in it is replaced by `api_version`.
    pub base_url: String,
    /// Retries, timeouts and the body limit.
    pub runtime: RuntimeConfig,
}

impl Config {
    /// The environment variables [`Config::from_env`] reads, required ones first.
    pub const VARIABLES: [&'static str; 3] = [
        "ATTESTR_AUTH_TOKEN",
        "ATTESTR_API_VERSION",
        "ATTESTR_BASE_URL",
    ];

    /// A configuration for the production server with default retries and timeouts.
    pub fn new(auth_token: impl Into<Secret>) -> Self {
        Config {
            auth_token: auth_token.into(),
            api_version: DEFAULT_API_VERSION.to_string(),
            base_url: DEFAULT_BASE_URL.to_string(),
            runtime: RuntimeConfig::default(),
        }
    }

    /// Reads the variables in the module documentation from `vars`.
    pub fn from_vars(vars: Vars<'_>) -> Result<Self, ConfigError> {
        let [auth_token, api_version, base_url] = Self::VARIABLES;
        let mut config = Config::new(Secret::new(vars.required(auth_token)?));
        config.api_version = vars.optional(api_version)?.unwrap_or(config.api_version);
        config.base_url = vars.optional(base_url)?.unwrap_or(config.base_url);
        Ok(config)
    }

    /// Selects the `{version}` path segment.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Replaces the server URL (a `{version}` in it is filled in).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The server URL with the version filled in.
    pub fn resolved_base_url(&self) -> Result<String, ConfigError> {
        checked_base_url(&self.base_url.replace("{version}", &self.api_version))
    }

    /// A client that authenticates, retries and logs through the shared runtime.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = self.resolved_base_url()?;
        let auth = HeaderAuth::basic(&self.auth_token)?;
        let runtime = Runtime::new("attestr", OPERATIONS, Arc::new(auth), self.runtime);
        let http = runtime.http_client()?;
        Ok(Client::new_with_client(&base_url, http, runtime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let config = Config::new("tok-123456");
        let client = config.clone().build().unwrap();
        for text in [format!("{config:?}"), format!("{client:?}")] {
            assert!(!text.contains("tok-123456"), "{text}");
        }
    }

    #[test]
    fn the_version_is_selectable() {
        let config = Config::new("t").api_version("v3");
        assert_eq!(
            config.resolved_base_url().unwrap(),
            "https://api.attestr.com/api/v3"
        );
        let local = Config::new("t").base_url("http://127.0.0.1:9/attestr/api/{version}/");
        assert_eq!(
            local.resolved_base_url().unwrap(),
            "http://127.0.0.1:9/attestr/api/v1"
        );
    }

    #[test]
    fn an_empty_token_is_a_configuration_error() {
        let err = Config::new("  ").build().unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn configuration_from_variables() {
        let lookup = |name: &str| match name {
            "ATTESTR_AUTH_TOKEN" => Some("tok-from-vars".into()),
            "ATTESTR_API_VERSION" => Some("v2".into()),
            "ATTESTR_BASE_URL" => Some("http://127.0.0.1:9/api/{version}".into()),
            _ => None,
        };
        let config = Config::from_vars(Vars::from_fn(&lookup)).unwrap();
        assert_eq!(config.auth_token.expose(), "tok-from-vars");
        assert_eq!(
            config.resolved_base_url().unwrap(),
            "http://127.0.0.1:9/api/v2"
        );
        let defaults = Config::from_vars(Vars::from_fn(&|name| {
            (name == "ATTESTR_AUTH_TOKEN").then(|| "t".into())
        }))
        .unwrap();
        assert_eq!(
            defaults.resolved_base_url().unwrap(),
            "https://api.attestr.com/api/v1"
        );
        let missing = Config::from_vars(Vars::from_fn(&|_| None)).unwrap_err();
        assert!(
            matches!(missing, ConfigError::MissingEnv("ATTESTR_AUTH_TOKEN")),
            "{missing}"
        );
    }
}
