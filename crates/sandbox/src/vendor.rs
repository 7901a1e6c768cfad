//! Which API a request is for. Four surfaces: Atenea (Trust's token service) has its own host at
//! Trust, so faults, rate limits and the request log can name it apart from the Index.

use serde::{Deserialize, Serialize};

/// One of the APIs the sandbox serves, named as in the admin endpoints' JSON
/// (`attestr`, `trust`, `atenea`, `gainsight-px`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vendor {
    /// Attestr factx profiles.
    Attestr,
    /// Trust Index identities.
    Trust,
    /// Trust's Atenea token service.
    Atenea,
    /// Gainsight PX users.
    GainsightPx,
}

impl Vendor {
    /// The URL prefix the sandbox serves the surface under (it stands in for the vendor's server).
    pub const fn prefix(self) -> &'static str {
        match self {
            Vendor::Attestr => "/attestr/api/{version}",
            Vendor::Trust => "/trust/index/v1",
            Vendor::Atenea => "/atenea",
            Vendor::GainsightPx => "/gainsight-px",
        }
    }
}
