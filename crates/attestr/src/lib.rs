//! Attestr background-check ("factx") profiles: create, get, update and archive.
//!
//! [`Client`] and the request/response [`types`] are generated from `spec/attestr.yaml` into
//! `generated.rs` by `cargo xtask generate`; this file only re-exports them. Every error response
//! arrives as [`Error::ErrorResponse`] with the raw body (see `spec/README.md`, rule
//! `error-ranges`), whose JSON is [`types::Error`].
//!
//! ```no_run
//! # async fn archive() -> Result<(), attestr::Error<attestr::ByteStream>> {
//! let client = attestr::Client::new("https://api.attestr.com/api/v1");
//! client.archive_profile().profile_id("AX1LgghsxZsJZUwYvN").send().await?;
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
mod generated;

pub use generated::*;
