//! The vendors this workspace generates (named in `vendor_roster`), and where each one's files live.

/// One vendor: its authored document and the crate generated from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vendor {
    /// Short name, used in file names (`spec/<name>.yaml`, `spec/dist/<name>.json`).
    pub name: &'static str,
    /// The crate directory, relative to the repository root.
    pub crate_dir: &'static str,
    /// Whether the vendor's error bodies carry numeric codes of their own (beyond the HTTP
    /// status), so that the crate gets a generated `ErrorCode` enum.
    pub has_error_codes: bool,
}

impl Vendor {
    /// The authored document, relative to the repository root (`spec/<name>.yaml`).
    pub fn spec_path(&self) -> String {
        format!("spec/{}.yaml", self.name)
    }

    /// The vendor crate's manifest (`<crate_dir>/Cargo.toml`), which holds its version.
    pub fn manifest_path(&self) -> String {
        format!("{}/Cargo.toml", self.crate_dir)
    }

    /// The generated client in the vendor's crate (`<crate_dir>/src/generated.rs`).
    pub fn generated_path(&self) -> String {
        format!("{}/src/generated.rs", self.crate_dir)
    }

    /// The generated runtime tables beside the client (see `runtime_meta`).
    pub fn operations_path(&self) -> String {
        format!("{}/src/operations.rs", self.crate_dir)
    }

    /// The generated `ErrorCode` enum (`<crate_dir>/src/error_codes.rs`), written only for a vendor
    /// that [`Vendor::has_error_codes`].
    pub fn error_codes_path(&self) -> String {
        format!("{}/src/error_codes.rs", self.crate_dir)
    }

    /// Where the document's examples are written as JSON fixtures (`tests/fixtures/<name>`).
    pub fn fixtures_dir(&self) -> String {
        format!("tests/fixtures/{}", self.name)
    }
}

/// Every vendor the workspace describes: the roster's, with what generation needs to know.
pub const VENDORS: [Vendor; 3] = [
    from_roster(vendor_roster::Vendor::Attestr, true),
    from_roster(vendor_roster::Vendor::Trust, false),
    from_roster(vendor_roster::Vendor::GainsightPx, false),
];

const fn from_roster(vendor: vendor_roster::Vendor, has_error_codes: bool) -> Vendor {
    Vendor {
        name: vendor.slug(),
        crate_dir: vendor.crate_dir(),
        has_error_codes,
    }
}

/// The vendor whose short name is `name`, or `None` when no vendor has it.
pub fn by_name(name: &str) -> Option<Vendor> {
    VENDORS.iter().copied().find(|vendor| vendor.name == name)
}
