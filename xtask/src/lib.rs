//! What `cargo xtask` keeps for itself beside the command line: the reference site ([`site`]),
//! which needs the pinned Node tools and so stays out of the pipeline crate
//! ([`spec_pipeline`]) and the review tool ([`spec_review`]).

pub mod site;
