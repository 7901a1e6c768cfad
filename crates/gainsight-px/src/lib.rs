//! Gainsight PX (formerly Aptrinsic) users: list, get, create, update and delete.
//!
//! - [`Client`] and the [`types`] are generated from `spec/gainsight-px.yaml` into
//!   `generated.rs` by `cargo xtask generate` (with `operations.rs`); never edit those by hand.
//! - [`config`] builds a client for a data centre ([`DataCenter`]) that sends the
//!   `X-APTRINSIC-API-KEY` header, retries and logs through the shared `vendor-runtime`.
//! - [`PxError`] is the one error a caller matches; [`Client::delete`] returns Delete User's
//!   outcome, soft or hard.
//!
//! ```no_run
//! # async fn delete() -> Result<(), Box<dyn std::error::Error>> {
//! use gainsight_px::{DeleteMode, DeleteOutcome, PxConfig};
//!
//! let client = PxConfig::from_env()?.build()?;
//! match client.delete("jdoe@example.com", DeleteMode::Hard).await? {
//!     DeleteOutcome::Deleted { hard } => println!("deleted (hard: {hard})"),
//!     DeleteOutcome::NotFound => println!("no such user"),
//!     DeleteOutcome::DeletedOrAlreadyAbsent { .. } => println!("gone"),
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

pub use config::{DataCenter, PxConfig};
pub use error::{PxError, PxErrorBody};
pub use generated::*;
pub use operations::OPERATIONS;
pub use outcomes::{DeleteMode, DeleteOutcome};
/// The retry and timeout setters on the config (`max_retries`, `timeout`, `connect_timeout`).
pub use vendor_runtime::ConfigureRuntime;
/// A source of configuration variables for the config's `from_vars`.
pub use vendor_runtime::Vars;

vendor_runtime::impl_client_hooks!(Client);
