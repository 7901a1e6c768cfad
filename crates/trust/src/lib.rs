#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs)]
mod generated;
#[rustfmt::skip]
mod operations;

mod config;
mod error;
mod listing;
mod outcomes;
pub mod token;

pub use config::Config;
pub use error::ApiError;
pub use generated::*;
pub use listing::{DEFAULT_PER_PAGE, ListOptions};
pub use operations::{OPERATIONS, OUTCOMES};
pub use outcomes::DeleteOutcome;
pub use vendor_runtime::{CallOptions, ConfigError, ConfigureRuntime, ErrorContext, Secret, Vars};

/// Everything a Trust call can fail with: the shared runtime's error with Index's [`ApiError`]
/// envelope.
pub type Error = vendor_runtime::Error<ApiError>;

vendor_runtime::impl_client_hooks!(Client);

/// The Index API's base URL, as `spec/trust.yaml` documents it.
pub const INDEX_BASE_URL: &str = "https://api.trust.lat/index/v1";
/// The base URL of Atenea, Trust's OAuth service (the token call's own server in the spec).
pub const ATENEA_BASE_URL: &str = "https://atenea.trust.lat";
