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

// `Client`, `types` and the other paths every vendor crate shares, and the runtime hooks.
vendor_runtime::impl_vendor!(Client, Config);

pub use config::Config;
pub use error::ApiError;
pub use listing::{DEFAULT_PER_PAGE, ListOptions};
pub use outcomes::DeleteOutcome;

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

/// The Index API's base URL, as `spec/trust.yaml` documents it.
pub const INDEX_BASE_URL: &str = "https://api.trust.lat/index/v1";
/// The base URL of Atenea, Trust's OAuth service (the token call's own server in the spec).
pub const ATENEA_BASE_URL: &str = "https://atenea.trust.lat";
