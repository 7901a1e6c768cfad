//! Trust Index identities (find, list, update, delete), authorized by tokens from Trust's Atenea
//! OAuth service.
//!
//! - [`Client`] and the [`types`] are generated from `spec/trust.yaml` into `generated.rs` by
//!   `cargo xtask generate` (with `operations.rs`); never edit those by hand.
//! - [`config`] builds a client whose [`token::AteneaTokens`] fetch, cache and refresh the bearer
//!   token (one request at a time, however many calls wait for it).
//! - [`TrustError`] is the one error a caller matches; [`Client::delete`] returns Delete
//!   Identity's outcome, telling a merged uuid from an absent one.
//!
//! ```no_run
//! # async fn delete() -> Result<(), Box<dyn std::error::Error>> {
//! use trust::{DeleteOutcome, TrustConfig};
//!
//! let client = TrustConfig::from_env()?.build()?;
//! let uuid = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb".parse()?;
//! match client.delete(uuid).await? {
//!     DeleteOutcome::Deleted(identity) => println!("deleted {:?}", identity.uuid),
//!     DeleteOutcome::Merged(current) => println!("merged into {current}; delete that one"),
//!     DeleteOutcome::NotFound | DeleteOutcome::DeletedOrAlreadyAbsent => println!("gone"),
//! }
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
mod generated;
#[rustfmt::skip]
mod operations;

pub mod config;
mod error;
mod outcomes;
pub mod token;

pub use config::TrustConfig;
pub use error::TrustError;
pub use generated::*;
pub use operations::OPERATIONS;
pub use outcomes::DeleteOutcome;
/// The retry and timeout setters on the config (`max_retries`, `timeout`, `connect_timeout`).
pub use vendor_runtime::ConfigureRuntime;
/// A source of configuration variables for the config's `from_vars`.
pub use vendor_runtime::Vars;

vendor_runtime::impl_client_hooks!(Client);

/// The Index API's base URL, as `spec/trust.yaml` documents it.
pub const INDEX_BASE_URL: &str = "https://api.trust.lat/index/v1";
/// The base URL of Atenea, Trust's OAuth service (the token call's own server in the spec).
pub const ATENEA_BASE_URL: &str = "https://atenea.trust.lat";
