//! What a run or a verify ran with, as an auditor asks of a processor's erasure confirmation:
//! the operator, the tool version, and per vendor the environment (base URL host; Gainsight PX's
//! data centre), the spec version and the vendor pages the spec cites for the calls it makes
//! (url and sha256). Recorded in the journal's chain when a run starts ([`crate::chain`]), read
//! back by the reports.
//!
//! Nothing here is restated: the spec version is the generated client's (`info.version`), the
//! cited pages are read from the spec each vendor crate is generated from (`spec/dist`), and the
//! environment from the configured clients.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::vendor::{ErasureFacts, Vendor};

/// The most characters of an operator's name.
pub const MAX_OPERATOR_CHARS: usize = 200;

/// A vendor page the spec cites, with the sha256 of the stored copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitedPage {
    /// The vendor's page.
    pub url: String,
    /// The sha256 of the file in `spec/sources` that holds the page's text (one file may hold
    /// several pages: this is not a hash of the page alone).
    pub sha256: String,
}

/// What one vendor's calls ran against and with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorProvenance {
    /// The base URL's host (and port, when one is given).
    pub host: String,
    /// Gainsight PX's data centre (`US`, `EU`, `US2`), or `custom base URL`.
    pub data_centre: Option<String>,
    /// The spec's `info.version` the client was generated from.
    pub spec_version: String,
    /// The pages the spec cites for the operations the tool calls there.
    pub cited_pages: Vec<CitedPage>,
}

/// One `run` or `verify`, as it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `run` or `verify`.
    pub command: String,
    /// When it started (Unix milliseconds).
    pub started_at: i64,
    /// Who ran it (`--operator`), if given.
    pub operator: Option<String>,
    /// `vendor-erase <version>`.
    pub tool: String,
    /// Per configured vendor.
    pub vendors: BTreeMap<Vendor, VendorProvenance>,
}

/// The spec version and the pages cited (`x-vendor-doc`) by the operations the tool calls at
/// `vendor`, each page once, in the order met.
pub fn spec_facts(vendor: Vendor) -> (String, Vec<CitedPage>) {
    let facts = vendor.facts();
    let spec: serde_json::Value = serde_json::from_str(facts.spec).unwrap_or_default();
    let version = spec["info"]["version"].as_str().unwrap_or("unknown");
    // Every operation of every path item (a value that is not an object indexes as null).
    let operations = spec["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values());
    let operations = operations
        .filter_map(|item| item.as_object())
        .flat_map(|item| item.values());
    let called = operations.filter(|operation| {
        let id = operation["operationId"].as_str();
        id.is_some_and(|id| facts.operations.contains(&id))
    });
    let pages =
        called.filter_map(|operation| CitedPage::deserialize(&operation["x-vendor-doc"]).ok());
    (version.to_string(), crate::unique(pages))
}

/// The host (and port) of a URL, without scheme, credentials or path.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_string()
}

impl Provenance {
    /// The provenance of a `command` starting now with `clients`.
    pub fn of(command: &str, clients: &Clients, operator: Option<&str>, now: i64) -> Provenance {
        use attestr::ClientInfo;
        let mut vendors = BTreeMap::new();
        let mut add = |vendor: Vendor, base_url: &str, data_centre: Option<String>| {
            let (spec_version, cited_pages) = spec_facts(vendor);
            vendors.insert(
                vendor,
                VendorProvenance {
                    host: host_of(base_url),
                    data_centre,
                    spec_version,
                    cited_pages,
                },
            );
        };
        if let Some(client) = &clients.attestr {
            add(Vendor::Attestr, client.baseurl(), None);
        }
        if let Some(client) = &clients.trust {
            add(Vendor::Trust, client.baseurl(), None);
        }
        if let Some(client) = &clients.gainsight_px {
            let base = client.baseurl().trim_end_matches('/');
            let centre = gainsight_px::DataCenter::ALL
                .into_iter()
                .find(|centre| centre.base_url() == base)
                .map_or("custom base URL (no Gainsight PX data centre)", |centre| {
                    centre.name()
                });
            add(Vendor::GainsightPx, base, Some(centre.to_string()));
        }
        Provenance {
            command: command.to_string(),
            started_at: now,
            operator: operator.map(str::to_string),
            tool: format!("vendor-erase {}", env!("CARGO_PKG_VERSION")),
            vendors,
        }
    }
}

/// Checks an operator's name: printable, trimmed, at most [`MAX_OPERATOR_CHARS`].
pub fn check_operator(name: &str) -> Result<String, String> {
    if name.trim().is_empty() || name.trim() != name {
        return Err("the operator's name must not be empty or start or end with spaces".into());
    }
    if name.chars().count() > MAX_OPERATOR_CHARS {
        return Err(format!(
            "the operator's name is longer than {MAX_OPERATOR_CHARS} characters"
        ));
    }
    if name
        .chars()
        .any(|c| c.is_control() || crate::redact::is_invisible(c))
    {
        return Err("the operator's name holds control or invisible characters".into());
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_facts_come_from_the_spec() {
        let (version, pages) = spec_facts(Vendor::Attestr);
        assert_eq!(version, "0.1.0");
        assert!(
            pages.iter().any(|page| page
                .url
                .ends_with("background-verification-api-archive-profile")
                && page.sha256
                    == "0de1a444def53148139572e30f38a7f0c522666df00d6d798d7ae2f4df1b52d4"),
            "{pages:?}"
        );
        for vendor in Vendor::ALL {
            let (_, pages) = spec_facts(vendor);
            assert!(!pages.is_empty(), "{vendor}");
            assert!(pages.iter().all(|page| page.sha256.len() == 64), "{vendor}");
        }
    }

    #[test]
    fn hosts_drop_scheme_credentials_and_path() {
        assert_eq!(host_of("https://api.attestr.com/api/v1"), "api.attestr.com");
        assert_eq!(host_of("http://127.0.0.1:4010/px"), "127.0.0.1:4010");
        assert_eq!(host_of("https://user:pw@h.example/x"), "h.example");
    }

    #[test]
    fn operators_are_plain_names() {
        assert_eq!(check_operator("Dana Privacy").unwrap(), "Dana Privacy");
        for bad in [
            "",
            " x",
            "a\u{200b}b",
            "a\u{2060}b",
            "a\x1bb",
            &"x".repeat(201),
        ] {
            assert!(check_operator(bad).is_err(), "{bad:?}");
        }
    }
}
