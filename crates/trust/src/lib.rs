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

vendor_runtime::impl_vendor!(Client, Config);

/// The Index API's base URL, as `spec/trust.yaml` documents it.
pub const INDEX_BASE_URL: &str = "https://api.trust.lat/index/v1";
/// The base URL of Atenea, Trust's OAuth service (the token call's own server in the spec).
pub const ATENEA_BASE_URL: &str = "https://atenea.trust.lat";
