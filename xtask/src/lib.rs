//! The spec pipeline behind `cargo xtask`.
//!
//! Authored document (`spec/<vendor>.yaml`, vendor facts only)
//! → [`checks`] (refuse what cannot be generated faithfully, with the operation and the rule)
//! → [`normalize`] (an in-memory copy progenitor 0.15 accepts; the authored file is never changed)
//! → [`codegen`] (progenitor as a library, formatted with prettyplease)
//! → [`outputs`] (the generated crates, the published `spec/dist/` documents and the sample-payload
//! fixtures, written or checked byte for byte)
//! → [`site`] (the reference site in `spec/dist/site/`, rendered from the same documents).
//!
//! The same functions back the snapshot tests in `tests/`, so what the tests lock is exactly what
//! `cargo xtask generate` produced.

pub mod api_summary;
pub mod checks;
pub mod codegen;
pub mod diff;
pub mod document;
pub mod error;
pub mod examples;
pub mod normalize;
pub mod outputs;
pub mod publish;
pub mod runtime_meta;
pub mod site;
pub mod vendors;

pub use error::{Error, Finding};
