//! Attestr background-check ("factx") profiles: create, get, update and archive.
//!
//! - [`Client`] and the request/response [`types`] are generated from `spec/attestr.yaml` into
//!   `generated.rs` by `cargo xtask generate`, with the runtime tables beside them
//!   (`operations.rs`: `OPERATIONS`, `OUTCOMES`, `ERRORS` and a `call()` on every builder; and
//!   [`ErrorCode`] in `error_codes.rs`). Never edit those by hand.
//! - [`Config`] builds a client that authenticates (`Authorization: Basic <token>`), retries and
//!   logs through the shared runtime.
//! - [`Error`] is the one error every call returns: `call()` on any builder, and
//!   [`Client::archive`] and [`Client::update`], which return the starting operations' outcomes
//!   only on the response Attestr documents for them.
//!
//! ```no_run
//! # async fn archive() -> Result<(), attestr::Error> {
//! use attestr::{ArchiveOutcome, Config};
//!
//! let client = Config::from_env()?.build()?;
//! match client.archive("AX1LgghsxZsJZUwYvN").await? {
//!     ArchiveOutcome::Archived => println!("archived and purged"),
//!     ArchiveOutcome::AlreadyArchived => println!("it was archived before"),
//! }
//! let profile = client.get_profile().profile_id("AX1LgghsxZsJZUwYvN").call().await?;
//! println!("{:?}", profile.name);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

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
/// progenitor's own error, which the generated `send()` returns. Prefer `call()`, which returns
/// the crate's [`Error`]; this path stays for code that uses `send()` directly.
#[doc(hidden)]
pub use generated::Error as ClientError;
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, types};
/// The runtime's tables (operations, outcomes, documented errors), which the shared runtime
/// and the workspace's own tools read; a client never needs them.
#[doc(hidden)]
pub use operations::{ERRORS, OPERATIONS, OUTCOMES};
pub use outcomes::ArchiveOutcome;
pub use vendor_runtime::{CallOptions, ConfigError, ConfigureRuntime, ErrorContext, Secret, Vars};

/// Everything an Attestr call can fail with: the shared runtime's error with Attestr's
/// [`ApiError`] body. Its `Api` variant carries the documented [`ErrorCode`]; on a starting
/// operation too, an error the operation documents (unknown id, 40018) is `Api`, and anything
/// that is neither a documented outcome nor a documented error is `Unproven`. `api_error()` reads
/// Attestr's body whatever the variant.
///
/// ```no_run
/// # async fn get() -> Result<(), attestr::Error> {
/// use attestr::{Config, Error, ErrorCode};
///
/// let client = Config::from_env()?.build()?;
/// match client.get_profile().profile_id("AX1LgghsxZsJZUwYvN").call().await {
///     Ok(profile) => println!("{:?}", profile.name),
///     Err(Error::Api { error, .. })
///         if error.code == ErrorCode::InvalidProfileIdOrYouDoNotHaveAccessToThisRecord =>
///     {
///         println!("no such profile")
///     }
///     Err(other) => {
///         if let Some(error) = other.api_error() {
///             println!("Attestr said {}", error.code.code());
///         }
///         return Err(other);
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub type Error = vendor_runtime::Error<ApiError>;

vendor_runtime::impl_client_hooks!(Client);
