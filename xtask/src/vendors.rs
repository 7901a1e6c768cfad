//! The vendors this workspace describes, and where each one's files live.

/// One vendor: its authored document and the crate generated from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vendor {
    /// Short name, used in file names (`spec/<name>.yaml`, `spec/dist/<name>.json`).
    pub name: &'static str,
    /// The crate directory, relative to the repository root.
    pub crate_dir: &'static str,
}

impl Vendor {
    pub fn spec_path(&self) -> String {
        format!("spec/{}.yaml", self.name)
    }

    pub fn generated_path(&self) -> String {
        format!("{}/src/generated.rs", self.crate_dir)
    }

    pub fn dist_path(&self) -> String {
        format!("spec/dist/{}.json", self.name)
    }

    pub fn fixtures_dir(&self) -> String {
        format!("tests/fixtures/{}", self.name)
    }
}

pub const VENDORS: [Vendor; 3] = [
    Vendor {
        name: "attestr",
        crate_dir: "crates/attestr",
    },
    Vendor {
        name: "trust",
        crate_dir: "crates/trust",
    },
    Vendor {
        name: "gainsight-px",
        crate_dir: "crates/gainsight-px",
    },
];

pub fn by_name(name: &str) -> Option<Vendor> {
    VENDORS.iter().copied().find(|vendor| vendor.name == name)
}
