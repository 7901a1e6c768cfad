//! Trust Index identities (find, list, update, delete) and the Atenea token call that authorizes
//! them.
//!
//! [`Client`] and the [`types`] are generated from `spec/trust.yaml` into `generated.rs` by
//! `cargo xtask generate`; this file only re-exports them. The Atenea call
//! ([`Client::create_access_token`]) lives on its own host: build a second client on
//! [`ATENEA_BASE_URL`] for it (normalization rule `operation-servers` in `spec/README.md`).
//!
//! ```no_run
//! # async fn delete() -> Result<(), trust::Error<trust::ByteStream>> {
//! let index = trust::Client::new(trust::INDEX_BASE_URL);
//! let deleted = index
//!     .delete_identity()
//!     .uuid(uuid::Uuid::nil())
//!     .send()
//!     .await?;
//! println!("{:?}", deleted.into_inner().data);
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
mod generated;

pub use generated::*;

/// The Index API's base URL, as `spec/trust.yaml` documents it.
pub const INDEX_BASE_URL: &str = "https://api.trust.lat/index/v1";
/// The base URL of Atenea, Trust's OAuth service (the token call's own server in the spec).
pub const ATENEA_BASE_URL: &str = "https://atenea.trust.lat";
