//! The vendors this workspace describes, each named once.
//!
//! [`Vendor`] is the one identity every tool matches on: xtask (which files to check and
//! generate), the erasure tool (journal keys, names in receipts) and the sandbox (the APIs it
//! serves). A fact that belongs to one tool (erasure's CSV column, the sandbox's URL prefix)
//! stays in that tool, keyed by this type; one that belongs to a vendor crate (its environment
//! variables, its default server) stays in that crate (`attestr::Config::VARIABLES`). A fourth
//! vendor is one variant here, and the compiler then names every match that must learn it.
//! It depends on serde alone (a vendor is written and read as its slug), so that xtask can read
//! it before any vendor crate exists.

/// One vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// Attestr: background-check ("factx") profiles.
    Attestr,
    /// Trust: Index identities, with tokens from its Atenea OAuth service.
    Trust,
    /// Gainsight PX (formerly Aptrinsic): users.
    GainsightPx,
}

impl Vendor {
    /// Every vendor, in the order the tools list them.
    pub const ALL: [Vendor; 3] = [Vendor::Attestr, Vendor::Trust, Vendor::GainsightPx];

    /// The short name used in file names (`spec/<slug>.yaml`, `spec/dist/<slug>.json`), journal
    /// keys and JSON.
    pub const fn slug(self) -> &'static str {
        match self {
            Vendor::Attestr => "attestr",
            Vendor::Trust => "trust",
            Vendor::GainsightPx => "gainsight-px",
        }
    }

    /// The vendor's name, for people.
    pub const fn name(self) -> &'static str {
        match self {
            Vendor::Attestr => "Attestr",
            Vendor::Trust => "Trust",
            Vendor::GainsightPx => "Gainsight PX",
        }
    }

    /// The generated crate's directory, relative to the repository root.
    pub const fn crate_dir(self) -> &'static str {
        match self {
            Vendor::Attestr => "crates/attestr",
            Vendor::Trust => "crates/trust",
            Vendor::GainsightPx => "crates/gainsight-px",
        }
    }

    /// The vendor whose slug is `slug`.
    pub fn by_slug(slug: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|vendor| vendor.slug() == slug)
    }
}

impl std::fmt::Display for Vendor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

mod slug_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

    use super::Vendor;

    impl Serialize for Vendor {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(self.slug())
        }
    }

    impl<'de> Deserialize<'de> for Vendor {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let slug = String::deserialize(deserializer)?;
            Vendor::by_slug(&slug).ok_or_else(|| {
                de::Error::invalid_value(de::Unexpected::Str(&slug), &"a vendor's slug")
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_found() {
        for vendor in Vendor::ALL {
            assert_eq!(Vendor::by_slug(vendor.slug()), Some(vendor));
            assert_eq!(vendor.crate_dir(), format!("crates/{}", vendor.slug()));
        }
        assert_eq!(Vendor::by_slug("atenea"), None);
    }

    #[test]
    fn serde_writes_and_reads_the_slug() {
        for vendor in Vendor::ALL {
            let json = serde_json::to_string(&vendor).unwrap();
            assert_eq!(json, format!("\"{}\"", vendor.slug()));
            assert_eq!(serde_json::from_str::<Vendor>(&json).unwrap(), vendor);
        }
        let refused = serde_json::from_str::<Vendor>("\"atenea\"").unwrap_err();
        assert!(refused.to_string().contains("a vendor's slug"), "{refused}");
    }
}
