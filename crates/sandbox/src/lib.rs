//! `vendor-sandbox`: a stateful local imitation of the Attestr, Trust (Index + Atenea) and
//! Gainsight PX APIs, executable from the specs: its bodies are the generated crates' types,
//! requests are checked against the specs' own schemas, and its state is in memory or, with
//! `--state`, a SQLite database.
//! The README's "Vendor sandbox" section documents its behaviour, limits and admin endpoints;
//! `crates/sandbox/README.md` lists the choices made where the vendors are silent.
//!
//! Start it inside a test with [`Sandbox::start`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = sandbox::Sandbox::start(sandbox::Config::ephemeral()).await?;
//! // http://127.0.0.1:<random port>/attestr/api/v1: the base URL for attestr::Client::new
//! let attestr_base = sandbox.attestr_url();
//! # let _ = attestr_base;
//! // ... run the test against it; `sandbox.requests()` lists what the vendors received ...
//! sandbox.stop().await?; // or just drop it
//! # Ok(()) }
//! ```
//!
//! Modules, bottom to top (each imports only those listed before it): `locks`, [`vendor`],
//! `clock`, `ids`, `faults`, `rate_limit`, `request_log`, `records`, [`config`], [`cli`], `store`
//! (`memory` and `file` under it),
//! `validate`, `context`, `surface`, `extract`, `admin`, `vendors::*` (each `state`, `error`,
//! `surface`, `handlers`, and `mod.rs` for its start records), `openapi`, `connections`,
//! `server`.

#![warn(missing_docs)]

mod admin;
pub mod cli;
mod clock;
pub mod config;
mod connections;
mod context;
mod extract;
mod faults;
mod ids;
mod locks;
mod openapi;
mod rate_limit;
mod records;
mod request_log;
pub mod seed;
mod server;
mod store;
mod surface;
mod validate;
pub mod vendor;
mod vendors;

pub use config::{Config, Credentials, Limits};
pub use request_log::RecordedRequest;
pub use server::{RunningSandbox, Sandbox, StartError};
pub use vendor::Vendor;
pub use vendors::gainsight_px::REVIVAL_WINDOW_SECS;
pub use vendors::trust::{MERGED_SAMPLE_UUID, SAMPLE_UUID};
