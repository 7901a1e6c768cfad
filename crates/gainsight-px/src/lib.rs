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

pub use config::{Config, DataCenter};
pub use error::ApiError;
pub use generated::*;
pub use listing::{DEFAULT_PAGE_SIZE, ListOptions, MAX_PAGE_SIZE};
pub use operations::{OPERATIONS, OUTCOMES};
pub use outcomes::{DeleteMode, DeleteOutcome};
pub use vendor_runtime::{CallOptions, ConfigError, ConfigureRuntime, ErrorContext, Secret, Vars};

/// Everything a Gainsight PX call can fail with: the shared runtime's error with the
/// [`ApiError`] body (when the response had one).
pub type Error = vendor_runtime::Error<ApiError>;

vendor_runtime::impl_client_hooks!(Client);
