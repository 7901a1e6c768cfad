//! Building an authenticated Trust client, from code or from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TRUST_CLIENT_ID` | Atenea client id (required) | |
//! | `TRUST_CLIENT_SECRET` | Atenea client secret (required) | |
//! | `TRUST_INDEX_BASE_URL` | the Index server (tests, the sandbox) | `https://api.trust.lat/index/v1` |
//! | `TRUST_ATENEA_BASE_URL` | the Atenea server | `https://atenea.trust.lat` |

use std::sync::Arc;
use std::time::Duration;
use vendor_runtime::__private::{NoAuth, Runtime, checked_base_url};
use vendor_runtime::{ConfigError, RuntimeConfig, Secret, Vars};

use crate::token::{AteneaTokens, DEFAULT_EXPIRY_MARGIN};
use crate::{ATENEA_BASE_URL, Client, INDEX_BASE_URL, OPERATIONS};

/// How to reach Trust Index and Atenea, and the Atenea client credentials; [`Config::build`]
/// makes the [`Client`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The Atenea client id.
    pub client_id: String,
    /// The Atenea client secret.
    pub client_secret: Secret,
    /// The Index server.
    pub index_base_url: String,
    /// The Atenea server.
    pub atenea_base_url: String,
    /// How long before its expiry a token is renewed.
    pub token_expiry_margin: Duration,
    /// Retries, timeouts and the body limit.
    pub runtime: RuntimeConfig,
}

impl Config {
    /// The environment variables [`Config::from_env`] reads, required ones first.
    pub const VARIABLES: [&'static str; 4] = [
        "TRUST_CLIENT_ID",
        "TRUST_CLIENT_SECRET",
        "TRUST_INDEX_BASE_URL",
        "TRUST_ATENEA_BASE_URL",
    ];

    /// A configuration for the production servers with default retries and timeouts.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Config {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            index_base_url: INDEX_BASE_URL.to_string(),
            atenea_base_url: ATENEA_BASE_URL.to_string(),
            token_expiry_margin: DEFAULT_EXPIRY_MARGIN,
            runtime: RuntimeConfig::default(),
        }
    }

    /// Reads the variables in the module documentation from `vars`.
    pub fn from_vars(vars: Vars<'_>) -> Result<Self, ConfigError> {
        let [client_id, client_secret, index_base_url, atenea_base_url] = Self::VARIABLES;
        let id = vars.required(client_id)?;
        let mut config = Config::new(id, Secret::new(vars.required(client_secret)?));
        let index_base_url = vars.optional(index_base_url)?;
        config.index_base_url = index_base_url.unwrap_or(config.index_base_url);
        let atenea_base_url = vars.optional(atenea_base_url)?;
        config.atenea_base_url = atenea_base_url.unwrap_or(config.atenea_base_url);
        Ok(config)
    }

    /// Replaces the Index server URL.
    pub fn index_base_url(mut self, url: impl Into<String>) -> Self {
        self.index_base_url = url.into();
        self
    }

    /// Replaces the Atenea server URL.
    pub fn atenea_base_url(mut self, url: impl Into<String>) -> Self {
        self.atenea_base_url = url.into();
        self
    }

    /// An Index client whose calls carry Atenea tokens.
    pub fn build(self) -> Result<Client, ConfigError> {
        let index_url = checked_base_url(&self.index_base_url)?;
        let atenea_url = checked_base_url(&self.atenea_base_url)?;
        if self.client_id.trim().is_empty() || self.client_secret.expose().trim().is_empty() {
            return Err(ConfigError::Credentials(vendor_runtime::AuthError(
                "the Atenea client id and secret must not be empty".to_string(),
            )));
        }
        // The token call is an operation of the same generated client, sent to Atenea's server
        // without credentials (normalization rule `operation-servers`).
        let atenea_runtime =
            Runtime::new("trust", OPERATIONS, Arc::new(NoAuth), self.runtime.clone());
        let atenea =
            Client::new_with_client(&atenea_url, atenea_runtime.http_client()?, atenea_runtime);
        let tokens = AteneaTokens::new(
            atenea,
            self.client_id,
            self.client_secret,
            self.token_expiry_margin,
        );
        let runtime = Runtime::new("trust", OPERATIONS, Arc::new(tokens), self.runtime);
        let http = runtime.http_client()?;
        Ok(Client::new_with_client(&index_url, http, runtime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let config = Config::new("client-1", "very-secret-value");
        let client = config.clone().build().unwrap();
        for text in [format!("{config:?}"), format!("{client:?}")] {
            assert!(!text.contains("very-secret-value"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn configuration_from_variables() {
        let lookup = |name: &str| match name {
            "TRUST_CLIENT_ID" => Some("client-from-vars".into()),
            "TRUST_CLIENT_SECRET" => Some("secret-from-vars".into()),
            "TRUST_INDEX_BASE_URL" => Some("http://127.0.0.1:9/index/v1".into()),
            "TRUST_ATENEA_BASE_URL" => Some("http://127.0.0.1:9/atenea".into()),
            _ => None,
        };
        let config = Config::from_vars(Vars::from_fn(&lookup)).unwrap();
        assert_eq!(config.client_id, "client-from-vars");
        assert_eq!(config.client_secret.expose(), "secret-from-vars");
        assert_eq!(config.index_base_url, "http://127.0.0.1:9/index/v1");
        assert_eq!(config.atenea_base_url, "http://127.0.0.1:9/atenea");
        let no_secret = Config::from_vars(Vars::from_fn(&|name| {
            (name == "TRUST_CLIENT_ID").then(|| "client".into())
        }))
        .unwrap_err();
        assert!(
            matches!(no_secret, ConfigError::MissingEnv("TRUST_CLIENT_SECRET")),
            "{no_secret}"
        );
    }
}
