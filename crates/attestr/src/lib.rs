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

// `Client`, `types` and the other paths every vendor crate shares, and the runtime hooks.
vendor_runtime::impl_vendor!(Client, Config);

pub use config::{Config, DEFAULT_API_VERSION, DEFAULT_BASE_URL};
pub use error::ApiError;
pub use error_codes::ErrorCode;
pub use outcomes::ArchiveOutcome;

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
