//! Trust Index identities (find, list, update, delete), authorized by tokens from Trust's Atenea
//! OAuth service.
//!
//! - [`Client`] and the [`types`] are generated from `spec/trust.yaml` into `generated.rs` by
//!   `cargo xtask generate` (with `operations.rs`: `OPERATIONS`, `OUTCOMES`, `ERRORS` and a
//!   `call()` on every builder); never edit those by hand.
//! - [`Config`] builds a client whose [`token::AteneaTokens`] fetch, cache and refresh the bearer
//!   token (one request at a time, however many calls wait for it).
//! - [`Error`] is the one error every call returns: `call()` on any builder,
//!   [`Client::identities`] (every identity as a stream) and [`Client::delete`], which tells a
//!   merged uuid from an absent one only on the bodies Trust documents for them.
//!
//! ```no_run
//! # async fn delete() -> Result<(), trust::Error> {
//! use trust::{Config, DeleteOutcome};
//!
//! let client = Config::from_env()?.build()?;
//! let uuid = uuid::Uuid::parse_str("bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb").unwrap();
//! match client.delete(uuid).await? {
//!     DeleteOutcome::Deleted(identity) => println!("deleted {:?}", identity.uuid),
//!     DeleteOutcome::Merged(current) => println!("merged into {current}; delete that one"),
//!     DeleteOutcome::NotFound | DeleteOutcome::DeletedOrAlreadyAbsent => println!("gone"),
//! }
//! // Any generated operation: `call()` returns the same `Error`.
//! let found = client.find_identity().uuid(uuid).call().await?;
//! println!("{:?}", found.data.as_ref().map(|identity| &identity.name));
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
pub mod token;

pub use config::Config;
pub use error::ApiError;
/// progenitor's own error, which the generated `send()` returns. Prefer `call()`, which returns
/// the crate's [`Error`]; this path stays for code that uses `send()` directly.
#[doc(hidden)]
pub use generated::Error as ClientError;
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, types};
pub use listing::{DEFAULT_PER_PAGE, ListOptions};
/// The runtime's tables (operations, outcomes, documented errors), which the shared runtime
/// and the workspace's own tools read; a client never needs them.
#[doc(hidden)]
pub use operations::{ERRORS, OPERATIONS, OUTCOMES};
pub use outcomes::DeleteOutcome;
pub use vendor_runtime::{CallOptions, ConfigError, ConfigureRuntime, ErrorContext, Secret, Vars};

/// Everything a Trust call can fail with: the shared runtime's error with Index's [`ApiError`]
/// envelope. `api_error()` reads the envelope whatever the variant.
///
/// ```no_run
/// # async fn find() -> Result<(), trust::Error> {
/// use trust::{Config, Error};
///
/// let client = Config::from_env()?.build()?;
/// let uuid = uuid::Uuid::parse_str("bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb").unwrap();
/// match client.find_identity().uuid(uuid).call().await {
///     Ok(found) => println!("{:?}", found.data.as_ref().map(|identity| &identity.name)),
///     Err(Error::Api { error, .. }) if error.code == 404 => println!("not in Index"),
///     Err(other) => {
///         if let Some(error) = other.api_error() {
///             println!("Trust said {}: {}", error.code, error.message);
///         }
///         return Err(other);
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub type Error = vendor_runtime::Error<ApiError>;

vendor_runtime::impl_client_hooks!(Client);

/// The Index API's base URL, as `spec/trust.yaml` documents it.
pub const INDEX_BASE_URL: &str = "https://api.trust.lat/index/v1";
/// The base URL of Atenea, Trust's OAuth service (the token call's own server in the spec).
pub const ATENEA_BASE_URL: &str = "https://atenea.trust.lat";
