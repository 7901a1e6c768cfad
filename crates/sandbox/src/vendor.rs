//! Which API a request is for: a vendor of the workspace roster, or Atenea, Trust's token
//! service, which has its own host at Trust, so that faults, rate limits and the request log can
//! name it apart from the Index.

use serde::{Deserialize, Serialize};
pub use vendor_roster::Vendor;

/// One of the APIs the sandbox serves, named in the admin endpoints' JSON by the vendor's slug
/// (`attestr`, `trust`, `gainsight-px`) or `atenea`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Api {
    /// Trust's Atenea token service.
    Atenea,
    /// A vendor's API (Trust's: the Index).
    #[serde(untagged)]
    Vendor(Vendor),
}

impl Api {
    /// The URL prefix the sandbox serves the API under (it stands in for the vendor's server).
    pub const fn prefix(self) -> &'static str {
        match self {
            Api::Vendor(Vendor::Attestr) => "/attestr/api/{version}",
            Api::Vendor(Vendor::Trust) => "/trust/index/v1",
            Api::Atenea => "/atenea",
            Api::Vendor(Vendor::GainsightPx) => "/gainsight-px",
        }
    }
}

/// As the vendor (`GainsightPx`), or `Atenea`: the debug log names the API this way.
impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Api::Vendor(vendor) => std::fmt::Debug::fmt(vendor, f),
            Api::Atenea => f.write_str("Atenea"),
        }
    }
}

impl From<Vendor> for Api {
    fn from(vendor: Vendor) -> Self {
        Api::Vendor(vendor)
    }
}

/// A vendor's API is that vendor (Atenea is none).
impl PartialEq<Vendor> for Api {
    fn eq(&self, vendor: &Vendor) -> bool {
        *self == Api::Vendor(*vendor)
    }
}
