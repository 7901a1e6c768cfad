#![doc = include_str!("../README.md")]

mod admin;
pub mod cli;
mod clock;
pub mod config;
mod connections;
mod context;
mod extract;
mod faults;
mod ids;
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
pub use vendor::{Api, Vendor};
pub use vendors::gainsight_px::REVIVAL_WINDOW_SECS;
pub use vendors::trust::{MERGED_SAMPLE_UUID, SAMPLE_UUID};
