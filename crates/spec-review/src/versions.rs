//! Version gating (`cargo xtask diff --check-version`).
//!
//! Each vendor has two versions that must move together: the spec's `info.version` (this
//! project's version of the document) and its client crate's `version`. The crate's version is
//! `info.version` plus, as semver build metadata, the vendor's own API version
//! (`info.x-vendor-api-version`) where one is known: spec `0.1.0` + vendor `v1` → crate `0.1.0+v1`.
//!
//! A breaking change needs a major bump of both, as Cargo defines one: the leftmost non-zero
//! number goes up (`1.4.2` → `2.0.0`, `0.1.0` → `0.2.0`, `0.0.3` → `0.0.4`), so no `^` requirement
//! of a consumer picks the release up by accident.

use semver::Version;
use serde::Serialize;

use crate::model::{DiffError, Severity};
use crate::semver::ApiLevel;

/// A version at the base revision (absent for a new vendor) and in the working tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionPair {
    /// The version at the base revision; `None` when it had none (a new vendor or crate).
    pub base: Option<String>,
    /// The version in the working tree.
    pub current: String,
}

/// A vendor's versions on both sides of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorVersions {
    /// `info.version` of the spec.
    pub spec: VersionPair,
    /// `package.version` of the client crate.
    #[serde(rename = "crate")]
    pub crate_version: VersionPair,
    /// The client crate's manifest, for messages.
    pub crate_manifest: String,
    /// `info.x-vendor-api-version` in the working tree, when the spec states one.
    pub vendor_api_version: Option<String>,
}

/// `package.version` of a `Cargo.toml`; `manifest` names it in errors.
pub fn crate_version(manifest: &str, text: &str) -> Result<String, DiffError> {
    let error = |message: &str| DiffError::Failed(format!("{manifest}: {message}"));
    let table: toml::Table = text
        .parse()
        .map_err(|err: toml::de::Error| error(&format!("not valid TOML: {err}")))?;
    let version = table
        .get("package")
        .and_then(|package| package.get("version"))
        .ok_or_else(|| error("has no `package.version`"))?;
    version.as_str().map(str::to_string).ok_or_else(|| {
        error("`package.version` is not a string (a crate that inherits the workspace version cannot carry its vendor's API version)")
    })
}

/// Whether `new` is a breaking release after `old`, as Cargo's `^` requirements see it: at or
/// past [`next_breaking`], whatever its pre-release.
pub fn is_breaking_bump(old: &Version, new: &Version) -> bool {
    Version::new(new.major, new.minor, new.patch) >= next_breaking(old)
}

/// The smallest breaking release after `version`.
pub fn next_breaking(version: &Version) -> Version {
    if version.major > 0 {
        Version::new(version.major + 1, 0, 0)
    } else if version.minor > 0 {
        Version::new(0, version.minor + 1, 0)
    } else {
        Version::new(0, 0, version.patch + 1)
    }
}

/// Why a vendor needs a major bump, if it does: a breaking spec change, or a semver-breaking
/// change of the generated Rust API (a spec change that no HTTP client notices can still break
/// Rust code, e.g. a new field in a struct that callers build with a literal).
pub fn major_bump_reason(worst: Option<Severity>, api: ApiLevel) -> Option<&'static str> {
    if worst == Some(Severity::Breaking) {
        Some("the breaking change(s)")
    } else if api == ApiLevel::Breaking {
        Some("the semver-breaking Rust API change(s)")
    } else {
        None
    }
}

/// The bump that accepts a vendor's breaking changes: when it needs a major bump and both versions
/// carry one, `spec 0.1.0 → 0.2.0, crate 0.1.0+v1 → 0.2.0+v1`.
pub fn accepting_bump(
    versions: &VendorVersions,
    worst: Option<Severity>,
    api: ApiLevel,
) -> Option<String> {
    major_bump_reason(worst, api)?;
    let bumped = |pair: &VersionPair| {
        let base = Version::parse(pair.base.as_deref()?).ok()?;
        let current = Version::parse(&pair.current).ok()?;
        is_breaking_bump(&base, &current).then(|| format!("{base} → {current}"))
    };
    Some(format!(
        "spec {}, crate {}",
        bumped(&versions.spec)?,
        bumped(&versions.crate_version)?
    ))
}

/// Everything wrong with a vendor's versions, given the worst change of its diff and the rating
/// of its Rust API change. Empty when the versions are consistent and bumped as the changes need.
pub fn problems(versions: &VendorVersions, worst: Option<Severity>, api: ApiLevel) -> Vec<String> {
    let mut problems = Vec::new();
    let manifest = &versions.crate_manifest;
    let parse = |what: &str, text: &str, problems: &mut Vec<String>| match Version::parse(text) {
        Ok(version) => Some(version),
        Err(err) => {
            problems.push(format!("{what} `{text}` is not MAJOR.MINOR.PATCH: {err}"));
            None
        }
    };
    let spec_what = "the spec's info.version";
    let crate_what = format!("{manifest} version");
    let spec_current = parse(spec_what, &versions.spec.current, &mut problems);
    let crate_current = parse(&crate_what, &versions.crate_version.current, &mut problems);

    if let (Some(spec), Some(krate)) = (&spec_current, &crate_current) {
        let mut without_build = krate.clone();
        without_build.build = semver::BuildMetadata::EMPTY;
        if &without_build != spec {
            problems.push(format!(
                "{crate_what} {krate} must be the spec's info.version {spec} (plus the vendor's API version as build metadata)"
            ));
        }
        let expected_build = versions.vendor_api_version.as_deref().unwrap_or("");
        if krate.build.as_str() != expected_build {
            problems.push(match &versions.vendor_api_version {
                Some(vendor) => format!(
                    "{crate_what} {krate} must carry the vendor's API version as build metadata: `+{vendor}` (info.x-vendor-api-version)"
                ),
                None => format!(
                    "{crate_what} {krate} carries build metadata, but the spec states no info.x-vendor-api-version"
                ),
            });
        }
    }

    let pairs = [
        (spec_what.to_string(), &versions.spec, &spec_current),
        (crate_what.clone(), &versions.crate_version, &crate_current),
    ];
    for (what, pair, current) in pairs {
        let (Some(base_text), Some(current)) = (&pair.base, current) else {
            continue;
        };
        let Ok(base) = Version::parse(base_text) else {
            // The base revision's version is history: report it, but it cannot be fixed here.
            problems.push(format!(
                "{what} at the base revision, `{base_text}`, is not MAJOR.MINOR.PATCH"
            ));
            continue;
        };
        if current.cmp_precedence(&base).is_lt() {
            problems.push(format!("{what} went backwards: {base} → {current}"));
        }
        if let Some(reason) = major_bump_reason(worst, api)
            && !is_breaking_bump(&base, current)
        {
            let mut next = next_breaking(&base);
            next.build = current.build.clone();
            problems.push(format!(
                "{what} must get a major bump for {reason}: {base} → {next} or later (found {current})"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn versions(spec: (&str, &str), krate: (&str, &str), vendor: Option<&str>) -> VendorVersions {
        VendorVersions {
            spec: VersionPair {
                base: Some(spec.0.to_string()),
                current: spec.1.to_string(),
            },
            crate_version: VersionPair {
                base: Some(krate.0.to_string()),
                current: krate.1.to_string(),
            },
            crate_manifest: "crates/attestr/Cargo.toml".to_string(),
            vendor_api_version: vendor.map(str::to_string),
        }
    }

    #[test]
    fn a_major_bump_is_the_leftmost_non_zero_number_as_in_cargo() {
        assert!(is_breaking_bump(&v("1.4.2"), &v("2.0.0")));
        assert!(!is_breaking_bump(&v("1.4.2"), &v("1.5.0")));
        assert!(is_breaking_bump(&v("0.1.0"), &v("0.2.0")));
        assert!(is_breaking_bump(&v("0.1.0"), &v("1.0.0")));
        assert!(!is_breaking_bump(&v("0.1.0"), &v("0.1.1")));
        assert!(is_breaking_bump(&v("0.0.3"), &v("0.0.4")));
        assert_eq!(next_breaking(&v("0.1.7")), v("0.2.0"));
        assert_eq!(next_breaking(&v("2.3.4")), v("3.0.0"));
    }

    #[test]
    fn a_breaking_change_without_a_bump_of_both_versions_is_refused() {
        let same = versions(("0.1.0", "0.1.0"), ("0.1.0+v1", "0.1.0+v1"), Some("v1"));
        assert!(
            problems(
                &same,
                Some(Severity::PotentiallyBreaking),
                ApiLevel::Additive
            )
            .is_empty()
        );
        assert_eq!(
            problems(&same, Some(Severity::Breaking), ApiLevel::Unchanged),
            [
                "the spec's info.version must get a major bump for the breaking change(s): 0.1.0 → 0.2.0 or later (found 0.1.0)",
                "crates/attestr/Cargo.toml version must get a major bump for the breaking change(s): 0.1.0+v1 → 0.2.0+v1 or later (found 0.1.0+v1)",
            ]
        );
        let bumped = versions(("0.1.0", "0.2.0"), ("0.1.0+v1", "0.2.0+v1"), Some("v1"));
        assert!(problems(&bumped, Some(Severity::Breaking), ApiLevel::Unchanged).is_empty());
        assert_eq!(
            accepting_bump(&bumped, Some(Severity::Breaking), ApiLevel::Unchanged).as_deref(),
            Some("spec 0.1.0 → 0.2.0, crate 0.1.0+v1 → 0.2.0+v1")
        );
        assert_eq!(
            accepting_bump(&same, Some(Severity::Breaking), ApiLevel::Unchanged),
            None
        );
        assert_eq!(accepting_bump(&bumped, None, ApiLevel::Additive), None);
    }

    #[test]
    fn a_semver_breaking_rust_api_change_needs_a_major_bump_too() {
        let same = versions(("0.1.0", "0.1.0"), ("0.1.0+v1", "0.1.0+v1"), Some("v1"));
        let found = problems(&same, Some(Severity::NonBreaking), ApiLevel::Breaking);
        assert_eq!(found.len(), 2);
        assert!(
            found[0].contains("for the semver-breaking Rust API change(s)"),
            "{found:?}"
        );
    }

    #[test]
    fn the_crate_version_is_the_spec_version_plus_the_vendor_api_version() {
        let drifted = versions(("0.1.0", "0.2.0"), ("0.1.0+v1", "0.1.0+v2"), Some("v1"));
        assert_eq!(
            problems(&drifted, None, ApiLevel::Unchanged),
            [
                "crates/attestr/Cargo.toml version 0.1.0+v2 must be the spec's info.version 0.2.0 (plus the vendor's API version as build metadata)",
                "crates/attestr/Cargo.toml version 0.1.0+v2 must carry the vendor's API version as build metadata: `+v1` (info.x-vendor-api-version)",
            ]
        );
        let unknown_vendor_version = versions(("0.1.0", "0.1.0"), ("0.1.0", "0.1.0"), None);
        assert!(problems(&unknown_vendor_version, None, ApiLevel::Unchanged).is_empty());
    }

    #[test]
    fn reads_the_package_version_and_explains_what_it_cannot_use() {
        let manifest = "[package]\nname = \"attestr\"\nversion = \"0.1.0+v1\"\n";
        assert_eq!(crate_version("Cargo.toml", manifest).unwrap(), "0.1.0+v1");
        let inherited = "[package]\nname = \"a\"\nversion.workspace = true\n";
        let err = crate_version("crates/a/Cargo.toml", inherited)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("crates/a/Cargo.toml: `package.version` is not a string"),
            "{err}"
        );
        assert!(crate_version("x", "[package\n").is_err());
    }
}
