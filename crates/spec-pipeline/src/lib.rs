//! The spec pipeline behind `cargo xtask generate`: from the authored documents to the generated
//! client crates and the published `spec/dist/`, with the Rust toolchain alone.
//!
//! Authored document (`spec/<vendor>.yaml`, vendor facts only, parsed by [`document`])
//! → [`checks`] (refuse what cannot be generated faithfully, with the operation and the rule;
//! compare each cited vendor page's facts, [`page_facts`])
//! → normalization (an in-memory copy progenitor 0.15 accepts; the authored file is never changed)
//! → [`codegen`] (progenitor as a library, formatted with prettyplease) and [`runtime_meta`] (the
//! runtime tables beside each client)
//! → [`publish`] and [`outputs`] (the generated crates, the published `spec/dist/` documents and
//! the sample-payload fixtures, written or checked byte for byte).
//!
//! Beside it: [`sources`] (watching the vendors' pages, `cargo xtask sources fetch`) and
//! [`api_summary`] (a generated client's public API, which the review tool rates by semver).
//! Every file read or written goes through [`fsguard`], which treats the tree and the spec text as
//! untrusted; [`vendors`] names the vendors' files and [`repo`] finds the checkout.
//!
//! The same functions back the snapshot tests in `tests/`, so what the tests lock is exactly what
//! `cargo xtask generate` produced.

pub mod api_summary;
pub mod checks;
pub mod codegen;
pub mod document;
mod error;
mod examples;
pub mod fsguard;
mod normalize;
pub mod outputs;
pub mod page_facts;
pub mod progress;
pub mod publish;
pub mod repo;
pub mod runtime_meta;
pub mod sources;
pub mod vendors;

pub use error::{Error, Finding};
