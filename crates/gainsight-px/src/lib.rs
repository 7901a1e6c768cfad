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

// `Client`, `types` and the other paths every vendor crate shares, and the runtime hooks.
vendor_runtime::impl_vendor!(Client, Config);

pub use config::{Config, DataCenter};
pub use error::ApiError;
pub use listing::{DEFAULT_PAGE_SIZE, ListOptions, MAX_PAGE_SIZE};
pub use outcomes::{DeleteMode, DeleteOutcome, fits_in_path};

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
