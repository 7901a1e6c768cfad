//! Gainsight PX (formerly Aptrinsic) users: list, get, create, update and delete.
//!
//! - [`Client`] and the [`types`] are generated from `spec/gainsight-px.yaml` into
//!   `generated.rs` by `cargo xtask generate` (with `operations.rs`: [`OPERATIONS`],
//!   [`OUTCOMES`] and a `call()` on every builder); never edit those by hand.
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
//! # Ok(())
//! # }
//! ```

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
