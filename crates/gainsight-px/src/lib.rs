//! Gainsight PX (formerly Aptrinsic) users: list, get, create, update and delete.
//!
//! - [`Client`] and the [`types`] are generated from `spec/gainsight-px.yaml` into
//!   `generated.rs` by `cargo xtask generate` (with `operations.rs`: `OPERATIONS`,
//!   `OUTCOMES`, `ERRORS` and a `call()` on every builder); never edit those by hand.
//! - [`Config`] builds a client for a data centre ([`DataCenter`]) that sends the
//!   `X-APTRINSIC-API-KEY` header, retries and logs through the shared runtime.
//! - [`Error`] is the one error every call returns: `call()` on any builder, [`Client::users`]
//!   (every user as a stream), [`Client::update`] (partial bodies) and [`Client::delete`], whose
//!   outcome is claimed only on the response Gainsight PX is known to send for it.
//!
//! Ids: an id is sent in the path unless it cannot be its own path segment there (`.`, `..`, a
//! slash or backslash, or a fixed segment of this API such as `delete` or `update`, which would
//! reach `DELETE /v1/users/delete` or `PUT /v1/users/update`); [`Client::delete`] and
//! [`Client::update`] then use those body variants, and a generated call with such an id is
//! refused before sending.
//!
//! ```no_run
//! # async fn delete() -> Result<(), gainsight_px::Error> {
//! use gainsight_px::{Config, DeleteMode, DeleteOutcome};
//!
//! let client = Config::from_env()?.build()?;
//! match client.delete("jdoe@example.com", DeleteMode::Hard).await? {
//!     DeleteOutcome::Deleted { hard } => println!("deleted (hard: {hard})"),
//!     DeleteOutcome::NotFound => println!("no such user"),
//!     DeleteOutcome::DeletedOrAlreadyAbsent { .. } => println!("gone"),
//! }
//! // Any generated operation: `call()` returns the same `Error`.
//! let user = client.get_user().identify_id("jdoe@example.com").call().await?;
//! println!("{:?}", user.email);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

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
/// progenitor's own error, which the generated `send()` returns. Prefer `call()`, which returns
/// the crate's [`Error`]; this path stays for code that uses `send()` directly.
#[doc(hidden)]
pub use generated::Error as ClientError;
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, types};
pub use listing::{DEFAULT_PAGE_SIZE, ListOptions, MAX_PAGE_SIZE};
/// The runtime's tables (operations, outcomes, documented errors), which the shared runtime
/// and the workspace's own tools read; a client never needs them.
#[doc(hidden)]
pub use operations::{ERRORS, OPERATIONS, OUTCOMES};
pub use outcomes::{DeleteMode, DeleteOutcome};
pub use vendor_runtime::{CallOptions, ConfigError, ConfigureRuntime, ErrorContext, Secret, Vars};

/// Everything a Gainsight PX call can fail with: the shared runtime's error with the
/// [`ApiError`] body (when the response had one).
///
/// `api_error()` reads the body Gainsight PX sent (third-party shape), whatever the variant:
///
/// ```no_run
/// # async fn get() -> Result<(), gainsight_px::Error> {
/// use gainsight_px::{Config, Error};
///
/// let client = Config::from_env()?.build()?;
/// match client.get_user().identify_id("jdoe@example.com").call().await {
///     Ok(user) => println!("{:?}", user.email),
///     Err(Error::Api { error, .. }) if error.0.status.as_deref() == Some("NOT_FOUND") => {
///         println!("no such user")
///     }
///     Err(other) => {
///         if let Some(error) = other.api_error() {
///             println!("Gainsight PX said {error}");
///         }
///         return Err(other);
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub type Error = vendor_runtime::Error<ApiError>;

vendor_runtime::impl_client_hooks!(Client);
