//! Pieces every vendor's configuration shares: reading environment variables and checking a
//! base URL, with errors that name the variable or the value at fault.

use std::ffi::OsString;
use std::time::Duration;

use crate::auth::AuthError;
use crate::runtime::RuntimeConfig;

/// The retry and timeout setters every vendor configuration offers, written once. A vendor's
/// config implements [`runtime_config`](Self::runtime_config) and gets the rest.
pub trait ConfigureRuntime: Sized {
    /// The settings the setters change.
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

    /// The largest response body accepted, success or error (default 8 MiB).
    fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.runtime_config().max_body_bytes = bytes;
        self
    }
}

/// A client could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    /// A variable's value cannot be used.
    #[error("environment variable {name} is not valid: {reason}")]
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// A base URL cannot be used.
    #[error("base URL `{url}` is not usable: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The credentials cannot be sent (empty, or not valid in a header).
    #[error(transparent)]
    Credentials(#[from] AuthError),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    Http(#[from] reqwest::Error),
}

/// Where configuration variables are read from: the process environment ([`Vars::process`]),
/// or any lookup ([`Vars::from_fn`]): a secrets store, or a test's map.
#[derive(Clone, Copy)]
pub struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<OsString>,
}

impl Vars<'static> {
    /// The process environment.
    pub fn process() -> Self {
        Vars {
            lookup: &|name| std::env::var_os(name),
        }
    }
}

impl<'a> Vars<'a> {
    /// Variables from `lookup`, which returns a variable's value or `None` when it is not set.
    pub fn from_fn(lookup: &'a dyn Fn(&str) -> Option<OsString>) -> Self {
        Vars { lookup }
    }

    /// The value of a required variable; an empty value counts as missing.
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name)?.ok_or(ConfigError::MissingEnv(name))
    }

    /// The value of an optional variable; unset or empty is `None`.
    pub fn optional(&self, name: &'static str) -> Result<Option<String>, ConfigError> {
        match (self.lookup)(name).map(OsString::into_string) {
            None => Ok(None),
            Some(Ok(value)) if value.trim().is_empty() => Ok(None),
            Some(Ok(value)) => Ok(Some(value)),
            Some(Err(_)) => Err(ConfigError::InvalidEnv {
                name,
                reason: "not valid UTF-8".to_string(),
            }),
        }
    }
}

impl std::fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The values may be secrets; the lookup itself has nothing to show.
        f.write_str("Vars")
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
    fn empty_and_unset_variables_are_missing_and_bad_bytes_are_named() {
        use std::os::unix::ffi::OsStringExt;
        let lookup = |name: &str| match name {
            "SET" => Some(OsString::from("value")),
            "EMPTY" => Some(OsString::from("  ")),
            "BYTES" => Some(OsString::from_vec(vec![0xff, 0xfe])),
            _ => None,
        };
        let vars = Vars::from_fn(&lookup);
        assert_eq!(vars.required("SET").unwrap(), "value");
        assert_eq!(vars.optional("EMPTY").unwrap(), None);
        assert_eq!(vars.optional("UNSET").unwrap(), None);
        assert!(matches!(
            vars.required("EMPTY"),
            Err(ConfigError::MissingEnv("EMPTY"))
        ));
        let err = vars.optional("BYTES").unwrap_err();
        assert!(err.to_string().contains("BYTES"), "{err}");
    }

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
