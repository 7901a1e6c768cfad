//! Every vendor sample payload (`tests/fixtures/<vendor>/<Schema>/…json`, extracted from the specs'
//! examples by `cargo xtask generate`) is deserialized into its generated Rust type and serialized
//! back. Any difference fails with its JSON path; the round-tripped value is locked by insta.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use workspace_tests::json_mismatches;

type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize>(sample: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(sample.clone())
        .map_err(|err| format!("does not deserialize: {err}"))?;
    serde_json::to_value(&typed).map_err(|err| format!("does not serialize back: {err}"))
}

/// Maps a fixture's schema directory to the generated type of that name.
macro_rules! types {
    ($krate:ident: $($name:ident),+ $(,)?) => {
        |schema: &str| -> Option<RoundTrip> {
            match schema {
                $(stringify!($name) => Some(round_trip::<$krate::types::$name>),)+
                _ => None,
            }
        }
    };
}

/// A difference a generated type is known to introduce, with the reason it is accepted. The test
/// fails when a listed difference stops occurring, so the list cannot outlive its cause.
struct KnownDifference {
    schema: &'static str,
    mismatch: &'static str,
    reason: &'static str,
}

/// typify serializes an optional free-form object as absent when it is empty.
const KNOWN_DIFFERENCES: &[KnownDifference] = &[KnownDifference {
    schema: "ResponseEntity",
    mismatch: "$.body: the sample has {}, the round trip dropped it",
    reason: "typify omits an empty optional map when serializing; the vendor's `body` is a springfox \
             artefact that the documented samples leave empty, and clients only read it",
}];

fn check_fixture(vendor: &str, path: &Path, lookup: impl Fn(&str) -> Option<RoundTrip>) {
    let schema = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .expect("fixtures live in a directory named after their schema");
    let round_trip = lookup(schema).unwrap_or_else(|| {
        panic!(
            "{}: no generated type is registered for schema `{schema}` in payload_roundtrip.rs",
            path.display()
        )
    });
    let text = std::fs::read_to_string(path).unwrap();
    let sample: Value =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let round_tripped =
        round_trip(&sample).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mismatches = json_mismatches(&sample, &round_tripped);
    let known: Vec<&KnownDifference> = KNOWN_DIFFERENCES
        .iter()
        .filter(|known| known.schema == schema)
        .collect();
    let unexplained: Vec<&String> = mismatches
        .iter()
        .filter(|mismatch| {
            !known
                .iter()
                .any(|known| known.mismatch == mismatch.as_str())
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} does not survive a round trip through `{schema}`:\n  {}",
        path.display(),
        unexplained
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    for known in known {
        assert!(
            mismatches.iter().any(|mismatch| mismatch == known.mismatch),
            "{}: the known difference `{}` ({}) no longer occurs; remove it from KNOWN_DIFFERENCES",
            path.display(),
            known.mismatch,
            known.reason
        );
    }
    insta::assert_json_snapshot!(
        vendor,
        serde_json::json!({
            "round_tripped": round_tripped,
            "known_differences": mismatches,
        })
    );
}

#[test]
fn attestr() {
    const VENDOR: &str = "attestr";
    let lookup = types!(attestr: Error, Profile, ProfileCreated, ProfileInput, ProfileQuery, VerificationItem);
    insta::glob!("fixtures/attestr/*/*.json", |path| check_fixture(
        VENDOR, path, lookup
    ));
}

#[test]
fn trust() {
    const VENDOR: &str = "trust";
    let lookup = types!(trust:
        AccessToken, AccessTokenRequest, ErrorEnvelope, Identity, IdentityApp, IdentityListResponse,
        IdentityPerson, IdentityResponse, IdentityUpdate, IdentityAppUpdate,
    );
    insta::glob!("fixtures/trust/*/*.json", |path| check_fixture(
        VENDOR, path, lookup
    ));
}

#[test]
fn gainsight_px() {
    const VENDOR: &str = "gainsight-px";
    let lookup = types!(gainsight_px:
        ApiError, ChannelMetric, Coordinates, DeleteUser, ExternalApiError, Location, ResponseEntity,
        User, UserAgent, UserAgentByProduct, UserUpdate, UsersPage,
    );
    insta::glob!("fixtures/gainsight-px/*/*.json", |path| check_fixture(
        VENDOR, path, lookup
    ));
}
