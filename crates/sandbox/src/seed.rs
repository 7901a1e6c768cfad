//! The `--seed FILE` format: extra start records, checked against the specs' schemas when the
//! sandbox starts (and written again by `/_sandbox/reset`).

use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// A seed file larger than this is refused (it is read whole).
const MAX_SEED_BYTES: u64 = 64 * 1024 * 1024;

/// Extra start data, loaded with `--seed FILE` (JSON). Every list is optional:
///
/// ```json
/// {
///   "trust_identities": [{"uuid": "…", "former_documents": ["…"], "name": "…"}],
///   "attestr_profiles": [{"_id": "AX…", "tag": "…", "name": "…", "items": [{"_id": "…"}], "archived": false}],
///   "gainsight_px_users": [{"identifyId": "…", "propertyKeys": ["AP-…"]}]
/// }
/// ```
///
/// Identities are Trust `Identity` records (`former_documents` lists the uuids merged into them),
/// profiles Attestr `Profile` records (`_id`, `tag` and `name` required; `archived` is the
/// sandbox's own flag) and users Gainsight PX `User` records, each checked against its schema in
/// `spec/`. Server fields left out (`number`, `created`, `aptrinsicId`…) are filled in.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub(crate) trust_identities: Vec<Value>,
    #[serde(default)]
    pub(crate) attestr_profiles: Vec<Value>,
    #[serde(default)]
    pub(crate) gainsight_px_users: Vec<Value>,
}

impl Seed {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|error| error.to_string())
    }

    /// Reads a seed file's text (at most 64 MiB).
    pub(crate) fn read(path: &Path) -> Result<String, String> {
        let shown = path.display();
        let file = std::fs::File::open(path).map_err(|error| format!("{shown}: {error}"))?;
        let mut text = String::new();
        file.take(MAX_SEED_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|error| format!("{shown}: {error}"))?;
        if text.len() as u64 > MAX_SEED_BYTES {
            return Err(format!("{shown}: larger than {MAX_SEED_BYTES} bytes"));
        }
        Seed::parse(&text).map_err(|error| format!("{shown}: {error}"))?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_strict() {
        let seed: Result<Seed, _> = serde_json::from_str(r#"{"identities": []}"#);
        assert!(seed.is_err(), "a misspelled section must not be ignored");
        let seed: Seed = serde_json::from_str(r#"{"gainsight_px_users": [{}]}"#).unwrap();
        assert_eq!(seed.gainsight_px_users.len(), 1);
    }
}
