//! Attestr background-check ("factx") profiles: create, get, update and archive.
//!
//! - [`Client`] and the request/response [`types`] are generated from `spec/attestr.yaml` into
//!   `generated.rs` by `cargo xtask generate`, with the runtime tables beside them
//!   (`operations.rs`, and [`ErrorCode`] in `error_codes.rs`). Never edit those by hand.
//! - [`config`] builds a client that authenticates (`Authorization: Basic <token>`), retries and
//!   logs through the shared `vendor-runtime`.
//! - [`AttestrError`] is the one error a caller matches; [`Client::archive`] and
//!   [`Client::update`] return the starting operations' outcomes as a caller wants them.
//!
//! ```no_run
//! # async fn archive() -> Result<(), Box<dyn std::error::Error>> {
//! use attestr::{ArchiveOutcome, AttestrConfig};
//!
//! let client = AttestrConfig::from_env()?.build()?;
//! match client.archive("AX1LgghsxZsJZUwYvN").await? {
//!     ArchiveOutcome::Archived => println!("archived and purged"),
//!     ArchiveOutcome::AlreadyArchived => println!("it was archived before"),
//! }
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
mod generated;
#[rustfmt::skip]
mod operations;
#[rustfmt::skip]
mod error_codes;

pub mod config;
mod error;
mod outcomes;

pub use config::AttestrConfig;
pub use error::AttestrError;
pub use error_codes::ErrorCode;
pub use generated::*;
pub use operations::OPERATIONS;
pub use outcomes::ArchiveOutcome;
/// The retry and timeout setters on the config (`max_retries`, `timeout`, `connect_timeout`).
pub use vendor_runtime::ConfigureRuntime;
/// A source of configuration variables for the config's `from_vars`.
pub use vendor_runtime::Vars;

vendor_runtime::impl_client_hooks!(Client);
