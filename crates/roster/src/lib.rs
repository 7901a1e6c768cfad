//! The vendors this workspace describes, each named once.
//!
//! xtask (which files to check and generate), the erasure tool (journal keys, names in receipts)
//! and anything else that lists the vendors read this table; a fourth vendor is one row here,
//! its spec and its crate. Facts that belong to one vendor crate (its environment variables, its
//! default server) stay in that crate and are exported from it (`attestr::Config::VARIABLES`).
//! This crate depends on nothing, so that xtask can read it before any vendor crate exists.

/// One vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vendor {
    /// The short name used in file names (`spec/<slug>.yaml`, `spec/dist/<slug>.json`), journal
    /// keys and JSON reports.
    pub slug: &'static str,
    /// The vendor's name, for people.
    pub name: &'static str,
    /// The generated crate's directory, relative to the repository root.
    pub crate_dir: &'static str,
}

impl Vendor {
    /// The authored document, relative to the repository root (`spec/<slug>.yaml`).
    pub fn spec_path(&self) -> String {
        format!("spec/{}.yaml", self.slug)
    }
}

/// Attestr: background-check ("factx") profiles.
pub const ATTESTR: Vendor = Vendor {
    slug: "attestr",
    name: "Attestr",
    crate_dir: "crates/attestr",
};

/// Trust: Index identities, with tokens from its Atenea OAuth service.
pub const TRUST: Vendor = Vendor {
    slug: "trust",
    name: "Trust",
    crate_dir: "crates/trust",
};

/// Gainsight PX (formerly Aptrinsic): users.
pub const GAINSIGHT_PX: Vendor = Vendor {
    slug: "gainsight-px",
    name: "Gainsight PX",
    crate_dir: "crates/gainsight-px",
};

/// Every vendor, in the order the tools list them.
pub const ALL: [Vendor; 3] = [ATTESTR, TRUST, GAINSIGHT_PX];

/// The vendor whose slug is `slug`.
pub fn by_slug(slug: &str) -> Option<Vendor> {
    ALL.into_iter().find(|vendor| vendor.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_found() {
        for vendor in ALL {
            assert_eq!(by_slug(vendor.slug), Some(vendor));
            assert_eq!(vendor.crate_dir, format!("crates/{}", vendor.slug));
        }
        assert_eq!(by_slug("atenea"), None);
    }
}
