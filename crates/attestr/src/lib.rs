#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs)]
mod generated;
#[rustfmt::skip]
mod operations;
#[rustfmt::skip]
mod error_codes;

mod config;
mod error;
mod outcomes;

pub use config::{Config, DEFAULT_API_VERSION, DEFAULT_BASE_URL};
pub use error::ApiError;
pub use error_codes::ErrorCode;
pub use generated::*;
pub use operations::{OPERATIONS, OUTCOMES};
pub use outcomes::ArchiveOutcome;
pub use vendor_runtime::{CallOptions, ConfigError, ConfigureRuntime, ErrorContext, Secret, Vars};

/// Everything an Attestr call can fail with: the shared runtime's error with Attestr's
/// [`ApiError`] body. Its `Api` variant carries the documented [`ErrorCode`].
pub type Error = vendor_runtime::Error<ApiError>;

vendor_runtime::impl_client_hooks!(Client);
