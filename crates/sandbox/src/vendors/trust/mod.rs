//! Trust: Index identities under `/trust/index/v1/identity` and Atenea's token call under
//! `/atenea/oauth/token/`. Two surfaces (each with its own faults), one set of tables: Index calls
//! need a live Atenea token.

mod handlers;
mod state;
mod surface;

use serde_json::Value;
use trust::types::Identity;

use crate::validate::Specs;
use rusqlite::Connection;

pub(crate) use handlers::{atenea_handlers, index_handlers};
pub(crate) use state::SCHEMA;
pub(crate) use surface::{ATENEA, INDEX};

/// The uuid of the vendor's Delete Identity sample.
pub const SAMPLE_UUID: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
/// The former document merged into the sample identity at start.
pub const MERGED_SAMPLE_UUID: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";
/// Where the sample is in `spec/trust.yaml`: the Delete Identity response example.
const SAMPLE_POINTER: &str = "/paths/~1identity~1{uuid}/delete/responses/200/content/application~1json/examples/identity-deleted/value/data";

/// The identity of the vendor's Delete Identity sample (its personal values are the vendor's own
/// placeholders), read from the spec, with `cccccccc-…` merged into it as a former document.
pub(crate) fn sample_identity(specs: &Specs) -> Result<Value, String> {
    let mut sample = specs
        .pointer("trust", SAMPLE_POINTER)
        .cloned()
        .ok_or("spec/trust.yaml has no Delete Identity sample")?;
    sample["former_documents"] = serde_json::json!([MERGED_SAMPLE_UUID]);
    Ok(sample)
}

/// Adds identities (the built-in sample and `--seed` ones): each is a Trust `Identity` (checked
/// against the spec) with a `uuid`; `former_documents` lists the uuids merged into it. A uuid may
/// not be both an identity and a former document, nor appear twice.
pub(crate) fn seed(
    db: &Connection,
    identities: &[Value],
    specs: &Specs,
) -> rusqlite::Result<Result<(), String>> {
    let schema = specs
        .component("trust", "Identity")
        .expect("the Trust spec has an Identity schema");
    let mut formers = Vec::new();
    for (index, seeded) in identities.iter().enumerate() {
        let place = format!("trust_identities[{index}]");
        if let Err(reason) = schema.check(seeded) {
            return Ok(Err(format!("{place} {reason}")));
        }
        let identity: Identity = match serde_json::from_value(seeded.clone()) {
            Ok(identity) => identity,
            Err(error) => return Ok(Err(format!("{place}: {error}"))),
        };
        let Some(uuid) = identity.uuid.map(|uuid| uuid.hyphenated().to_string()) else {
            return Ok(Err(format!("{place}: `uuid` is required")));
        };
        if state::is_identity(db, &uuid)? {
            return Ok(Err(format!("{place}: identity {uuid} is seeded twice")));
        }
        for former in identity.former_documents.iter().flatten() {
            formers.push((former.hyphenated().to_string(), uuid.clone()));
        }
        state::save(db, &identity, false)?;
    }
    for (former, current) in formers {
        if state::is_identity(db, &former)? {
            return Ok(Err(format!(
                "uuid {former} is both an identity and a former document of {current}"
            )));
        }
        if !state::add_former_document(db, &former, &current)? {
            return Ok(Err(format!(
                "uuid {former} is a former document of two identities"
            )));
        }
    }
    Ok(Ok(()))
}
