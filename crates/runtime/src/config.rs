//! Pieces every vendor's configuration shares: reading environment variables and checking a
//! base URL, with errors that name the variable or the value at fault.

use std::time::Duration;

use crate::RuntimeConfig;
use crate::auth::AuthError;

/// The retry and timeout setters every vendor configuration offers, written once. A vendor's
/// config implements [`runtime_config`](Self::runtime_config) and gets the rest.
pub trait ConfigureRuntime: Sized {
    fn runtime_config(&mut self) -> &mut RuntimeConfig;

    /// Retries after the first attempt (default 2).
    fn max_retries(mut self, retries: u32) -> Self {
        self.runtime_config().retry.max_retries = retries;
        self
    }

    /// Time limit of one attempt (default 30 s).
    fn timeout(mut self, timeout: Duration) -> Self {
        self.runtime_config().timeout = timeout;
        self
    }

    /// Time limit for establishing a connection (default 10 s).
    fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.runtime_config().connect_timeout = timeout;
        self
    }
}

/// A client could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    #[error("environment variable {name} is not valid: {reason}")]
    InvalidEnv { name: &'static str, reason: String },
    #[error("base URL `{url}` is not usable: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error(transparent)]
    Credentials(#[from] AuthError),
    #[error("the HTTP client could not be built: {0}")]
    Http(#[from] reqwest::Error),
}

/// The value of a required environment variable; an empty value counts as missing.
pub fn env_required(name: &'static str) -> Result<String, ConfigError> {
    env_optional(name)?.ok_or(ConfigError::MissingEnv(name))
}

/// The value of an optional environment variable; unset or empty is `None`.
pub fn env_optional(name: &'static str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::InvalidEnv {
            name,
            reason: "not valid UTF-8".to_string(),
        }),
    }
}

/// Checks that `url` is an absolute http(s) URL with no query or fragment, and returns it
/// without a trailing slash (the generated paths start with one).
pub fn checked_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|err| invalid(&err.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(
            checked_base_url("http://127.0.0.1:8787/attestr/api/v1/").unwrap(),
            "http://127.0.0.1:8787/attestr/api/v1"
        );
        assert!(checked_base_url("ftp://example.test").is_err());
        assert!(checked_base_url("not a url").is_err());
        assert!(checked_base_url("https://example.test/?q=1").is_err());
    }
}
