//! The sandbox's whole state (every vendor's records, issued tokens and the clock), the start
//! state it is reset to, and the `--seed` file format.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::attestr::{AttestrState, Profile, StoredProfile};
use crate::clock::Clock;
use crate::config::Config;
use crate::gainsight_px::{PxState, User};
use crate::trust::{Identity, TrustState, sample_identity};

/// The version of the persisted JSON layout; a state file of another version is refused.
pub(crate) const STATE_FORMAT: u32 = 1;

/// Everything a restart must not lose. Serialized as the `--state` file.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub(crate) struct SandboxState {
    pub(crate) format: u32,
    pub(crate) clock: Clock,
    pub(crate) attestr: AttestrState,
    pub(crate) trust: TrustState,
    pub(crate) gainsight_px: PxState,
}

/// Extra start data, loaded with `--seed FILE` (JSON). Every list is optional:
///
/// ```json
/// {
///   "trust_identities": [{"uuid": "…", "former_documents": ["…"], "name": "…"}],
///   "attestr_profiles": [{"_id": "AX…", "tag": "…", "name": "…", "items": [{"_id": "…"}]}],
///   "gainsight_px_users": [{"identifyId": "…", "propertyKeys": ["AP-…"]}]
/// }
/// ```
///
/// Identities use the `Identity` fields of `spec/trust.yaml`; `former_documents` lists the uuids
/// merged into them. Profiles use Attestr's `Profile` fields (`number`, `created` and the like are
/// filled in when missing). Users use Gainsight PX's `User` fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    trust_identities: Vec<Identity>,
    #[serde(default)]
    attestr_profiles: Vec<SeedProfile>,
    #[serde(default)]
    gainsight_px_users: Vec<User>,
}

/// A seeded Attestr profile: the `Profile` fields, most of them optional.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedProfile {
    #[serde(rename = "_id")]
    id: String,
    tag: String,
    name: String,
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    items: Vec<crate::attestr::VerificationItem>,
    #[serde(default)]
    queries: Vec<crate::attestr::ProfileQuery>,
    #[serde(default)]
    archived: bool,
}

impl Seed {
    /// Reads a seed file; the error names the file and what is wrong.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
    }
}

impl SandboxState {
    /// The start state: the built-in Trust identity (the vendor's sample, with one former
    /// document merged into it) plus the seed.
    pub(crate) fn initial(config: &Config, seed: Seed) -> Result<Self, String> {
        let clock = Clock::starting_at(config.clock_start_unix_secs);
        let now_millis = clock.now_millis();
        let mut trust = TrustState::default();
        let mut identities = vec![sample_identity()];
        identities.extend(seed.trust_identities);
        trust.add_identities(identities)?;
        let mut attestr = AttestrState::default();
        for seeded in seed.attestr_profiles {
            let profile = Profile {
                id: seeded.id.clone(),
                tag: seeded.tag,
                number: seeded
                    .number
                    .unwrap_or_else(crate::ids::attestr_profile_number),
                name: seeded.name,
                email: seeded.email,
                mobile: seeded.mobile,
                items: seeded.items,
                queries: seeded.queries,
                created: now_millis,
                created_by: None,
                created_by_org: crate::attestr::SANDBOX_ACCOUNT_ID.to_string(),
                client: crate::attestr::SANDBOX_APP_ID.to_string(),
                updated: now_millis,
                updated_by: None,
            };
            attestr.profiles.insert(
                seeded.id,
                StoredProfile {
                    profile,
                    archived: seeded.archived,
                },
            );
        }
        let mut gainsight_px = PxState::default();
        gainsight_px.add_users(seed.gainsight_px_users, now_millis)?;
        Ok(Self {
            format: STATE_FORMAT,
            clock,
            attestr,
            trust,
            gainsight_px,
        })
    }

    /// Reads a persisted state file.
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let state: Self = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
        if state.format != STATE_FORMAT {
            return Err(format!(
                "state format {} is not the supported format {STATE_FORMAT}",
                state.format
            ));
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_state_holds_the_sample_identity_and_survives_a_round_trip() {
        let state = SandboxState::initial(&Config::default(), Seed::default()).unwrap();
        assert_eq!(state.trust.identities.len(), 1);
        let bytes = serde_json::to_vec(&state).unwrap();
        assert_eq!(SandboxState::from_json(&bytes).unwrap(), state);
    }

    #[test]
    fn seeds_are_strict() {
        let seed: Result<Seed, _> = serde_json::from_str(r#"{"identities": []}"#);
        assert!(seed.is_err(), "a misspelled section must not be ignored");
        let seed: Seed =
            serde_json::from_str(r#"{"trust_identities": [{"uuid": "not-a-uuid"}]}"#).unwrap();
        assert!(SandboxState::initial(&Config::default(), seed).is_err());
    }
}
