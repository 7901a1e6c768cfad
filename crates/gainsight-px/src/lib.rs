//! Gainsight PX (formerly Aptrinsic) users: list, get, create, update and delete.
//!
//! [`Client`] and the [`types`] are generated from `spec/gainsight-px.yaml` into `generated.rs` by
//! `cargo xtask generate`; this file only re-exports them. Delete answers 200 or 204 with a body
//! the vendor documents as `*/*`, so it arrives as raw bytes ([`ByteStream`]).
//!
//! ```no_run
//! # async fn delete() -> Result<(), gainsight_px::Error<gainsight_px::ByteStream>> {
//! let client = gainsight_px::Client::new("https://api.aptrinsic.com");
//! client.delete_user().identify_id("jdoe@example.com").hard_delete(true).send().await?;
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
mod generated;

pub use generated::*;
