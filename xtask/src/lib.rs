//! The spec pipeline and the review tool behind `cargo xtask`.
//!
//! Authored document (`spec/<vendor>.yaml`, vendor facts only)
//! → [`checks`] (refuse what cannot be generated faithfully, with the operation and the rule;
//! compare each cited vendor page's facts, [`page_facts`])
//! → [`normalize`] (an in-memory copy progenitor 0.15 accepts; the authored file is never changed)
//! → [`codegen`] (progenitor as a library, formatted with prettyplease)
//! → [`outputs`] (the generated crates, the published `spec/dist/` documents and the sample-payload
//! fixtures, written or checked byte for byte)
//! and, apart from that loop because it needs the pinned Node tools, [`site`] (the reference site
//! in `spec/dist/site/`, rendered from the same checked documents by `cargo xtask site`).
//!
//! Beside it: [`diff`] (the review report of a spec change, `cargo xtask diff`) and [`sources`]
//! (watching the vendors' pages, `cargo xtask sources fetch`). Every file read or written goes
//! through [`fsguard`], which treats the tree and the spec text as untrusted.
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
pub mod fsguard;
pub mod normalize;
pub mod outputs;
pub mod page_facts;
pub mod progress;
pub mod publish;
pub mod repo;
pub mod runtime_meta;
pub mod site;
pub mod sources;
pub mod vendors;

pub use error::{Error, Finding};
