//! What the erasure tests share: an in-process sandbox seeded with made-up subjects, the
//! environment that points the vendor crates at it, subjects files, and the sandbox's admin
//! endpoints (faults, the log of requests it received).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use erasure::clients::Clients;
use erasure::vendor::Vendor;
use serde_json::{Value, json};

/// Trust's merged sample: this uuid was merged into [`CURRENT_UUID`].
pub const MERGED_UUID: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";
/// The sandbox's sample identity, which [`MERGED_UUID`] was merged into.
pub const CURRENT_UUID: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";

/// One made-up data subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub subject: String,
    pub attestr: Option<String>,
    pub trust: Option<String>,
    pub gainsight_px: Option<String>,
}

impl Person {
    /// Subject number `n`, with an id at every vendor.
    pub fn numbered(n: usize) -> Person {
        Person {
            subject: format!("DSR-{n:05}"),
            attestr: Some(format!("AXtest{n:08}")),
            trust: Some(format!("{n:08x}-0000-4000-8000-00000000e7a5")),
            gainsight_px: Some(format!("person-{n:05}@example.test")),
        }
    }

    /// A subject known to Trust only by the uuid that was merged into [`CURRENT_UUID`].
    pub fn merged(subject: &str) -> Person {
        Person {
            subject: subject.to_string(),
            attestr: None,
            trust: Some(MERGED_UUID.to_string()),
            gainsight_px: None,
        }
    }

    /// The ids this subject has, with their vendors.
    pub fn ids(&self) -> Vec<(Vendor, String)> {
        [
            (Vendor::Attestr, &self.attestr),
            (Vendor::Trust, &self.trust),
            (Vendor::GainsightPx, &self.gainsight_px),
        ]
        .into_iter()
        .filter_map(|(vendor, id)| id.clone().map(|id| (vendor, id)))
        .collect()
    }
}

/// `count` numbered subjects.
pub fn people(count: usize) -> Vec<Person> {
    (1..=count).map(Person::numbered).collect()
}

/// A sandbox seed holding every id of `people` (a Trust uuid equal to the built-in samples is
/// left to the built-in data).
pub fn seed_for(people: &[Person]) -> Value {
    let profiles: Vec<Value> = people
        .iter()
        .filter_map(|person| person.attestr.as_ref())
        .map(|id| json!({"_id": id, "tag": "T", "name": "Placeholder Person", "items": [{"_id": format!("{id}-item")}]}))
        .collect();
    let identities: Vec<Value> = people
        .iter()
        .filter_map(|person| person.trust.as_ref())
        .filter(|uuid| *uuid != MERGED_UUID && *uuid != CURRENT_UUID)
        .map(|uuid| json!({"uuid": uuid, "name": "Placeholder"}))
        .collect();
    let users: Vec<Value> = people
        .iter()
        .filter_map(|person| person.gainsight_px.as_ref())
        .map(|id| json!({"identifyId": id, "propertyKeys": ["AP-XXXXXXXXXX-2"]}))
        .collect();
    json!({"attestr_profiles": profiles, "trust_identities": identities, "gainsight_px_users": users})
}

/// The subjects file that names `people`.
pub fn subjects_csv(people: &[Person]) -> String {
    let mut text = String::from("subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\n");
    for person in people {
        text.push_str(&format!(
            "{},{},{},{}\n",
            person.subject,
            person.attestr.as_deref().unwrap_or(""),
            person.trust.as_deref().unwrap_or(""),
            person.gainsight_px.as_deref().unwrap_or("")
        ));
    }
    text
}

/// A sandbox and a scratch directory for one test.
pub struct World {
    pub sandbox: sandbox::RunningSandbox,
    pub credentials: sandbox::Credentials,
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl World {
    /// Starts a sandbox seeded with `people`; `px_rate_limit` is its Gainsight PX limit (0: off).
    pub async fn start(people: &[Person], px_rate_limit: u32) -> World {
        let dir = tempfile::tempdir().unwrap();
        let seed = dir.path().join("seed.json");
        std::fs::write(&seed, seed_for(people).to_string()).unwrap();
        let mut config = sandbox::Config::ephemeral();
        config.seed_file = Some(seed);
        config.gainsight_px_rate_limit = px_rate_limit;
        let credentials = config.credentials.clone();
        let sandbox = sandbox::Sandbox::start(config).await.unwrap();
        World {
            sandbox,
            credentials,
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// The environment that configures every vendor crate for the sandbox.
    pub fn env(&self) -> BTreeMap<String, String> {
        let credentials = &self.credentials;
        BTreeMap::from(
            [
                ("ATTESTR_AUTH_TOKEN", credentials.attestr_auth_token.clone()),
                ("ATTESTR_BASE_URL", self.sandbox.attestr_url()),
                ("TRUST_CLIENT_ID", credentials.atenea_client_id.clone()),
                (
                    "TRUST_CLIENT_SECRET",
                    credentials.atenea_client_secret.clone(),
                ),
                ("TRUST_INDEX_BASE_URL", self.sandbox.trust_index_url()),
                ("TRUST_ATENEA_BASE_URL", self.sandbox.atenea_url()),
                (
                    "GAINSIGHT_PX_API_KEY",
                    credentials.gainsight_px_api_keys[0].clone(),
                ),
                ("GAINSIGHT_PX_BASE_URL", self.sandbox.gainsight_px_url()),
            ]
            .map(|(name, value)| (name.to_string(), value)),
        )
    }

    /// Every credential the environment holds, for checks that none leaks.
    pub fn secrets(&self) -> Vec<String> {
        let credentials = &self.credentials;
        vec![
            credentials.attestr_auth_token.clone(),
            credentials.atenea_client_secret.clone(),
            credentials.gainsight_px_api_keys[0].clone(),
        ]
    }

    /// Clients for every vendor, built from [`Self::env`] with `changes` applied.
    pub fn clients_with(&self, changes: &[(&str, &str)]) -> Clients {
        let mut env = self.env();
        for (name, value) in changes {
            env.insert(name.to_string(), value.to_string());
        }
        let lookup = move |name: &str| env.get(name).map(OsString::from);
        Clients::from_vars(
            vendor_runtime::Vars::from_fn(&lookup),
            &Vendor::ALL.into_iter().collect(),
        )
        .unwrap()
    }

    /// Clients for every vendor of the sandbox.
    pub fn clients(&self) -> Clients {
        self.clients_with(&[])
    }

    /// Writes a subjects file for `people` and returns its path.
    pub fn subjects_file(&self, name: &str, people: &[Person]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, subjects_csv(people)).unwrap();
        path
    }

    /// A path in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Queues a fault (`POST /_sandbox/faults`).
    pub async fn fault(&self, fault: Value) {
        let response = self
            .http
            .post(format!("{}/_sandbox/faults", self.sandbox.base_url()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{fault}: {}",
            response.status()
        );
    }

    /// Calls an admin endpoint of the sandbox and checks that it succeeded.
    async fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        let url = format!("{}/_sandbox/{path}", self.sandbox.base_url());
        // Admin writes must say JSON (the sandbox refuses other content types with 415).
        let response = self
            .http
            .request(method, url)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response
    }

    /// The requests the vendors received (`GET /_sandbox/requests`).
    pub async fn received(&self) -> Vec<Received> {
        self.admin(reqwest::Method::GET, "requests")
            .await
            .json()
            .await
            .unwrap()
    }

    /// How many requests the vendor surface (`attestr`, `trust`, `atenea`, `gainsight-px`)
    /// received.
    pub async fn received_by(&self, vendor: &str) -> usize {
        self.received()
            .await
            .iter()
            .filter(|request| request.vendor == vendor)
            .count()
    }

    /// Identifies `identify_id` at Gainsight PX, as a product does: the vendor holds a user under
    /// the id (again, after an erasure).
    pub async fn create_px_user(&self, identify_id: &str) {
        let created = self
            .http
            .post(format!("{}/v1/users", self.sandbox.gainsight_px_url()))
            .header(
                "X-APTRINSIC-API-KEY",
                &self.credentials.gainsight_px_api_keys[0],
            )
            .json(&json!({"identifyId": identify_id, "propertyKeys": ["AP-XXXXXXXXXX-2"]}))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "{}", created.status());
    }

    /// Forgets the requests received so far (`POST /_sandbox/requests/clear`).
    pub async fn clear_received(&self) {
        self.admin(reqwest::Method::POST, "requests/clear").await;
    }

    /// The erasure requests (not token calls) the sandbox received for `id` at `vendor`.
    pub async fn erasures_of(&self, vendor: Vendor, id: &str) -> Vec<Received> {
        self.received()
            .await
            .into_iter()
            .filter(|request| request.is_erasure_of(vendor, id))
            .collect()
    }
}

/// One request the sandbox received.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Received {
    pub vendor: String,
    pub method: String,
    pub path: String,
    pub status: u16,
}

impl Received {
    /// Whether this is the step's erasure request: Attestr's archive, Trust's or PX's delete of
    /// `id`.
    pub fn is_erasure_of(&self, vendor: Vendor, id: &str) -> bool {
        let encoded = id.replace('@', "%40");
        match vendor {
            Vendor::Attestr => {
                self.vendor == "attestr"
                    && self.method == "PUT"
                    && (self.path.ends_with(&format!("/factx/{id}/archive")))
            }
            Vendor::Trust => {
                self.vendor == "trust"
                    && self.method == "DELETE"
                    && self.path.ends_with(&format!("/identity/{id}"))
            }
            Vendor::GainsightPx => {
                self.vendor == "gainsight-px"
                    && self.method == "DELETE"
                    && (self.path.ends_with(&format!("/users/{id}"))
                        || self.path.ends_with(&format!("/users/{encoded}")))
            }
        }
    }
}
