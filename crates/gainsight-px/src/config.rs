//! Building an authenticated Gainsight PX client, from code or from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `GAINSIGHT_PX_API_KEY` | the REST API key (Administration → REST API; required) | |
//! | `GAINSIGHT_PX_DATA_CENTER` | `US`, `EU` or `US2` | `US` |
//! | `GAINSIGHT_PX_BASE_URL` | a server that replaces the data centre's (tests, the sandbox) | |

use std::str::FromStr;
use std::sync::Arc;
use vendor_runtime::__private::{HeaderAuth, Runtime, checked_base_url};
use vendor_runtime::{ConfigError, RuntimeConfig, Secret, Vars};

use crate::{Client, OPERATIONS};

/// Gainsight PX's data centres, each with its own host (`servers` in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataCenter {
    /// `api.aptrinsic.com`
    #[default]
    Us,
    /// `api-eu.aptrinsic.com`
    Eu,
    /// `api-us2.aptrinsic.com`
    Us2,
}

impl DataCenter {
    /// Every data centre.
    pub const ALL: [DataCenter; 3] = [DataCenter::Us, DataCenter::Eu, DataCenter::Us2];

    /// The data centre's name, as `GAINSIGHT_PX_DATA_CENTER` takes it.
    pub fn name(self) -> &'static str {
        match self {
            DataCenter::Us => "US",
            DataCenter::Eu => "EU",
            DataCenter::Us2 => "US2",
        }
    }

    /// The data centre's server URL (paths carry `/v1`).
    pub fn base_url(self) -> &'static str {
        match self {
            DataCenter::Us => "https://api.aptrinsic.com",
            DataCenter::Eu => "https://api-eu.aptrinsic.com",
            DataCenter::Us2 => "https://api-us2.aptrinsic.com",
        }
    }
}

impl FromStr for DataCenter {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let name = name.trim().to_ascii_uppercase();
        Self::ALL
            .into_iter()
            .find(|centre| centre.name() == name)
            .ok_or_else(|| {
                let [us, eu, us2] = Self::ALL.map(Self::name);
                format!("unknown data centre `{name}`; expected {us}, {eu} or {us2}")
            })
    }
}

/// How to reach and authenticate to Gainsight PX; [`Config::build`] makes the [`Client`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The REST API key, sent as `X-APTRINSIC-API-KEY`.
    pub api_key: Secret,
    /// The data centre whose host is used.
    pub data_center: DataCenter,
    /// Replaces the data centre's URL when set.
    pub base_url: Option<String>,
    /// Retries, timeouts and the body limit.
    pub runtime: RuntimeConfig,
}

impl Config {
    /// The environment variables [`Config::from_env`] reads, required ones first.
    pub const VARIABLES: [&'static str; 3] = [
        "GAINSIGHT_PX_API_KEY",
        "GAINSIGHT_PX_DATA_CENTER",
        "GAINSIGHT_PX_BASE_URL",
    ];

    /// A configuration for a data centre with default retries and timeouts.
    pub fn new(api_key: impl Into<Secret>, data_center: DataCenter) -> Self {
        Config {
            api_key: api_key.into(),
            data_center,
            base_url: None,
            runtime: RuntimeConfig::default(),
        }
    }

    /// Reads the variables in the module documentation from `vars`.
    pub fn from_vars(vars: Vars<'_>) -> Result<Self, ConfigError> {
        let [api_key, data_center, base_url] = Self::VARIABLES;
        let invalid = |reason| ConfigError::InvalidEnv {
            name: data_center,
            reason,
        };
        let chosen = vars.optional(data_center)?.map(|name| name.parse());
        let chosen = chosen.transpose().map_err(invalid)?.unwrap_or_default();
        let mut config = Config::new(Secret::new(vars.required(api_key)?), chosen);
        config.base_url = vars.optional(base_url)?;
        Ok(config)
    }

    /// Replaces the data centre's URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A client that authenticates, retries and logs through the shared runtime.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = checked_base_url(
            self.base_url
                .as_deref()
                .unwrap_or(self.data_center.base_url()),
        )?;
        let auth = HeaderAuth::new("x-aptrinsic-api-key", &self.api_key)?;
        let runtime = Runtime::new("gainsight-px", OPERATIONS, Arc::new(auth), self.runtime);
        let http = runtime.http_client()?;
        Ok(Client::new_with_client(&base_url, http, runtime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_centres_by_name() {
        assert_eq!(
            "eu".parse::<DataCenter>().unwrap().base_url(),
            "https://api-eu.aptrinsic.com"
        );
        assert_eq!("US2".parse::<DataCenter>().unwrap(), DataCenter::Us2);
        assert_eq!(
            "apac".parse::<DataCenter>().unwrap_err(),
            "unknown data centre `APAC`; expected US, EU or US2"
        );
        for centre in DataCenter::ALL {
            assert_eq!(centre.name().parse::<DataCenter>(), Ok(centre));
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let config = Config::new("px-key-0123456789", DataCenter::Eu);
        let client = config.clone().build().unwrap();
        for text in [format!("{config:?}"), format!("{client:?}")] {
            assert!(!text.contains("px-key-0123456789"), "{text}");
        }
    }

    #[test]
    fn an_empty_key_is_a_credentials_error_not_a_client() {
        for key in ["", "  "] {
            let err = Config::new(key, DataCenter::Eu).build().unwrap_err();
            assert!(matches!(err, ConfigError::Credentials(_)), "{err}");
            assert!(err.to_string().contains("x-aptrinsic-api-key"), "{err}");
        }
    }

    #[test]
    fn configuration_from_variables() {
        let lookup = |name: &str| match name {
            "GAINSIGHT_PX_API_KEY" => Some("key-from-vars".into()),
            "GAINSIGHT_PX_DATA_CENTER" => Some("us2".into()),
            _ => None,
        };
        let config = Config::from_vars(Vars::from_fn(&lookup)).unwrap();
        assert_eq!(config.api_key.expose(), "key-from-vars");
        assert_eq!(config.data_center, DataCenter::Us2);
        assert_eq!(config.base_url, None);
        let unknown = |name: &str| match name {
            "GAINSIGHT_PX_API_KEY" => Some("key".into()),
            "GAINSIGHT_PX_DATA_CENTER" => Some("APAC".into()),
            _ => None,
        };
        let err = Config::from_vars(Vars::from_fn(&unknown)).unwrap_err();
        assert!(
            err.to_string().contains("GAINSIGHT_PX_DATA_CENTER")
                && err.to_string().contains("APAC"),
            "{err}"
        );
    }
}
