//! The vendors' documented semantics, over HTTP against an in-process sandbox on a random loopback
//! port: Attestr archive, Trust merges and token expiry, Gainsight PX soft delete and revival, rate
//! limit, faults, persistence, reset, and bad input answered in each vendor's error shape.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use sandbox::{
    Config, MERGED_SAMPLE_UUID, REVIVAL_WINDOW_SECS, RunningSandbox, SAMPLE_UUID, Sandbox,
    StartError,
};
use serde_json::{Value, json};

const ATTESTR_AUTH: (&str, &str) = (
    "authorization",
    "Basic c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ=",
);
const PX_AUTH: (&str, &str) = ("x-aptrinsic-api-key", "sandbox-px-key");

struct Harness {
    sandbox: RunningSandbox,
    http: reqwest::Client,
    _store_dir: StoreDir,
}

/// The folder of a state file made by [`On::config`], removed with the harness.
struct StoreDir(Option<PathBuf>);

impl Drop for StoreDir {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Where a test's sandbox keeps its state: each behaviour is checked on both paths of the one
/// SQLite store, the in-memory database used without `--state` (writes on the caller's thread)
/// and the file used with it (a writer thread, group commit, read connections).
#[derive(Clone, Copy, Debug)]
enum On {
    Memory,
    StateFile,
}

/// The folder name prefix of the state files [`On::config`] makes.
const STORE_DIR: &str = "store";

impl On {
    /// The test configuration with this store.
    fn config(self) -> Config {
        let mut config = Config::ephemeral();
        if let On::StateFile = self {
            config.state_file = Some(temp_dir(STORE_DIR).join("state.db"));
        }
        config
    }
}

/// Runs each named test once per store, as `in_memory::NAME` and `on_a_state_file::NAME`.
macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod in_memory {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::On::Memory).await
            })*
        }
        mod on_a_state_file {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::On::StateFile).await
            })*
        }
    };
}

on_both_stores!(
    attestr_archive_is_irreversible_and_errors_use_vendor_codes,
    attestr_archive_purges_seeded_items,
    trust_merges_deletes_and_token_expiry,
    the_sample_identity_is_the_vendors_delete_example,
    gainsight_px_soft_delete_hides_and_revival_keeps_history,
    gainsight_px_lists_page_sort_and_filter,
    gainsight_px_repeated_filters_and_sort_keys_are_a_page_not_a_500,
    gainsight_px_rate_limit_answers_429,
    faults_fail_or_slow_the_next_calls_in_the_vendors_shape,
    bad_input_gets_each_vendors_error_shape,
);

/// A response, its body parsed as JSON (`Null` when empty or not JSON).
struct Reply {
    status: StatusCode,
    body: Value,
    headers: reqwest::header::HeaderMap,
}

impl Harness {
    async fn start(config: Config) -> Self {
        let store_dir = config
            .state_file
            .as_ref()
            .and_then(|file| file.parent())
            .filter(|dir| {
                dir.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(&temp_dir_name(STORE_DIR)))
            })
            .map(PathBuf::from);
        let sandbox = Sandbox::start(config).await.expect("the sandbox starts");
        assert!(sandbox.addr().ip().is_loopback());
        Self {
            sandbox,
            http: reqwest::Client::new(),
            _store_dir: StoreDir(store_dir),
        }
    }

    async fn send(
        &self,
        method: Method,
        url: String,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let request = self.request(method, url, headers);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        reply(request.send().await.expect("the sandbox answers")).await
    }

    async fn raw(
        &self,
        method: Method,
        url: String,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let request = self.request(method, url, headers).body(body);
        reply(request.send().await.expect("the sandbox answers")).await
    }

    /// The request with these headers, for [`Harness::send`] (a JSON body) and [`Harness::raw`].
    fn request(&self, method: Method, url: String, headers: &[(&str, &str)]) -> RequestBuilder {
        let request = self.http.request(method, url);
        headers.iter().fold(request, |request, (name, value)| {
            request.header(*name, *value)
        })
    }

    fn attestr(&self, path: &str) -> String {
        format!("{}/public/factx/{path}", self.sandbox.attestr_url())
    }

    fn trust(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.trust_index_url())
    }

    fn px(&self, path: &str) -> String {
        format!("{}/v1/users{path}", self.sandbox.gainsight_px_url())
    }

    fn admin(&self, path: &str) -> String {
        format!("{}/_sandbox/{path}", self.sandbox.base_url())
    }

    async fn token(&self) -> String {
        let reply = self
            .send(
                Method::POST,
                format!("{}/oauth/token/", self.sandbox.atenea_url()),
                &[],
                Some(&json!({
                    "client_id": "sandbox-client",
                    "client_secret": "sandbox-secret",
                    "grant_type": "client_credentials"
                })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["access_token"].as_str().unwrap().to_string()
    }

    async fn advance_clock(&self, secs: i64) {
        let reply = self
            .send(
                Method::POST,
                self.admin("clock"),
                &[],
                Some(&json!({ "advance_secs": secs })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    async fn create_profile(&self) -> String {
        let profile = json!({"tag": "AA-1234", "name": "Asha Example", "mobile": "+910000000000"});
        let reply = self.at(Method::POST, "", Some(&profile)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["_id"].as_str().unwrap().to_string()
    }

    async fn create_user(&self, identify_id: &str) -> Reply {
        let user = json!({"identifyId": identify_id, "propertyKeys": ["AP-XXXXXXXXXX-2"], "firstName": "Jane"});
        self.on_px(Method::POST, "", Some(&user)).await
    }

    async fn get_user(&self, identify_id: &str) -> Reply {
        self.on_px(Method::GET, &format!("/{identify_id}"), None)
            .await
    }

    /// A call to Attestr's `public/factx/{path}` with the sandbox's credentials: most Attestr
    /// calls of these tests, one line each.
    async fn at(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.send(method, self.attestr(path), &[ATTESTR_AUTH], body)
            .await
    }

    /// A call to Gainsight PX's `v1/users{path}` with the sandbox's API key.
    async fn on_px(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.send(method, self.px(path), &[PX_AUTH], body).await
    }

    /// A call to Trust Index's `{path}` with `Authorization: Bearer {token}`.
    async fn index(&self, method: Method, path: &str, token: &str, body: Option<&Value>) -> Reply {
        let bearer = format!("Bearer {token}");
        self.send(
            method,
            self.trust(path),
            &[("authorization", &bearer)],
            body,
        )
        .await
    }

    /// Queues a fault through the admin API.
    async fn fault(&self, fault: &Value) -> Reply {
        self.send(Method::POST, self.admin("faults"), &[], Some(fault))
            .await
    }

    /// Sends each bad-input case in order and checks its status; returns the replies, each with
    /// its case named (index, method, URL), for the vendor's shape checks.
    async fn bad_input(&self, base: &str, cases: &[BadInput<'_>]) -> Vec<(String, Reply)> {
        let mut replies = Vec::new();
        for (index, (method, path, headers, body, status)) in cases.iter().enumerate() {
            let url = format!("{base}{path}");
            let case = format!("case {index}: {method} {url}");
            let reply = self
                .raw(method.clone(), url, headers, body.to_string())
                .await;
            assert_eq!(reply.status.as_u16(), *status, "{case}: {}", reply.body);
            replies.push((case, reply));
        }
        replies
    }
}

/// A raw request and the status it must get: method, path (after the table's base URL),
/// headers, body, status.
type BadInput<'a> = (Method, &'a str, &'a [(&'a str, &'a str)], &'a str, u16);

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        body,
        headers,
    }
}

#[track_caller]
fn assert_attestr_error(reply: &Reply, status: u16, code: i64) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    assert_eq!(reply.body["code"], json!(code), "{}", reply.body);
    assert!(reply.body["message"].is_string(), "{}", reply.body);
}

#[track_caller]
fn assert_trust_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    assert_eq!(reply.body["code"], json!(status), "{}", reply.body);
    assert!(reply.body["resource"].is_string(), "{}", reply.body);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains(message),
        "{}",
        reply.body
    );
}

#[track_caller]
fn assert_px_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    let error = &reply.body["externalapierror"];
    assert!(error["status"].is_string(), "{}", reply.body);
    assert_eq!(error["message"], json!(message), "{}", reply.body);
    assert!(error["subErrors"].is_null());
}

/// The value with every `null` object member left out.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(name, member)| (name.clone(), without_nulls(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn temp_dir_name(name: &str) -> String {
    format!("vendor-sandbox-test-{name}-{}-", std::process::id())
}

fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "{}{}",
        temp_dir_name(name),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------

async fn attestr_archive_is_irreversible_and_errors_use_vendor_codes(on: On) {
    let harness = Harness::start(on.config()).await;
    let id = harness.create_profile().await;

    let profile = harness.at(Method::GET, &id, None).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body["tag"], "AA-1234");
    assert_eq!(profile.body["createdBy"], Value::Null);

    let update = json!({"tag": "AA-9", "name": "Renamed"});
    let updated = harness.at(Method::PUT, &id, Some(&update)).await;
    assert_eq!(updated.status, StatusCode::OK);
    let profile = harness.at(Method::GET, &id, None).await;
    assert_eq!(profile.body["name"], "Renamed");
    assert!(
        profile.body.get("mobile").is_none(),
        "update replaces the basic fields"
    );

    let archive = format!("{id}/archive");
    let archived = harness.at(Method::PUT, &archive, None).await;
    assert_eq!(archived.status, StatusCode::OK);
    let again = harness.at(Method::PUT, &archive, None).await;
    assert_attestr_error(&again, 400, 40038);
    let update_after = harness.at(Method::PUT, &id, Some(&update)).await;
    assert_attestr_error(&update_after, 400, 40038);

    let unknown = harness.at(Method::GET, "AXunknown", None).await;
    assert_attestr_error(&unknown, 400, 40018);
    let wrong = [("authorization", "Basic wrong")];
    let bad_auth = harness
        .send(Method::GET, harness.attestr(&id), &wrong, None)
        .await;
    assert_attestr_error(&bad_auth, 401, 4016);
    let no_auth = harness
        .send(Method::GET, harness.attestr(&id), &[], None)
        .await;
    assert_attestr_error(&no_auth, 401, 4016);
    let missing_name = json!({"tag": "x"});
    let missing_name = harness.at(Method::POST, "", Some(&missing_name)).await;
    assert_attestr_error(&missing_name, 400, 4001);
    let bad_mobile = json!({"tag": "x", "name": "y", "mobile": "0123"});
    let bad_mobile = harness.at(Method::POST, "", Some(&bad_mobile)).await;
    assert_attestr_error(&bad_mobile, 400, 4001);
    let base = harness.sandbox.base_url();
    let v3 = format!("{base}/attestr/api/v3/public/factx/{id}");
    let v3 = harness.send(Method::GET, v3, &[ATTESTR_AUTH], None).await;
    assert_attestr_error(&v3, 400, 40051);
}

async fn attestr_archive_purges_seeded_items(on: On) {
    let dir = temp_dir("seed");
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        json!({
            "attestr_profiles": [{
                "_id": "AXseededProfile001", "tag": "T-1", "name": "Seeded Example",
                "items": [{"_id": "ARseededItem00001", "number": "1", "status": "completed"}],
                "queries": [{"_id": "AQseededQuery0001", "text": "Upload a document", "response": null}]
            }],
            "trust_identities": [{"uuid": "dddddddd-dddd-dddd-dddd-dddddddddddd", "name": "delta"}]
        })
        .to_string(),
    )
    .unwrap();
    let harness = Harness::start(Config {
        seed_file: Some(seed),
        ..on.config()
    })
    .await;
    let profile = harness.at(Method::GET, "AXseededProfile001", None).await;
    // `VerificationItem` allows undocumented fields, but the generated type keeps only `_id` and
    // `number` (a known loss of the generator, listed in tests/generator_fidelity.rs).
    assert_eq!(profile.body["items"][0]["_id"], "ARseededItem00001");
    assert_eq!(profile.body["items"][0].get("status"), None);
    assert_eq!(profile.body["queries"].as_array().map(Vec::len), Some(1));
    let archive = "AXseededProfile001/archive";
    let archived = harness.at(Method::PUT, archive, None).await;
    assert_eq!(archived.status, StatusCode::OK);
    let profile = harness.at(Method::GET, "AXseededProfile001", None).await;
    // Purged: no items, no queries (the generated type leaves an empty list out).
    for list in ["items", "queries"] {
        assert!(
            profile
                .body
                .get(list)
                .is_none_or(|items| items == &json!([])),
            "{}",
            profile.body
        );
    }

    let token = harness.token().await;
    let delta = "/identity/dddddddd-dddd-dddd-dddd-dddddddddddd";
    let seeded = harness.index(Method::GET, delta, &token, None).await;
    assert_eq!(seeded.body["data"]["name"], "delta");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_seed_the_specs_refuse_is_a_seed_error_in_memory_and_on_a_state_file() {
    let dir = temp_dir("bad-seed");
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        json!({"gainsight_px_users": [{"identifyId": "u", "propertyKeys": ["k"], "type": "ROBOT"}]})
            .to_string(),
    )
    .unwrap();
    for state_file in [None, Some(dir.join("state.db"))] {
        let config = Config {
            seed_file: Some(seed.clone()),
            state_file: state_file.clone(),
            ..Config::ephemeral()
        };
        let Err(error) = Sandbox::start(config).await else {
            panic!("a seed the specs refuse must not start ({state_file:?})");
        };
        assert!(matches!(error, StartError::Seed(_)), "{error:?}");
        let shown = error.to_string();
        assert!(
            shown.starts_with("seed: gainsight_px_users[0] does not match the spec"),
            "{shown}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

async fn trust_merges_deletes_and_token_expiry(on: On) {
    let harness = Harness::start(on.config()).await;
    let token = harness.token().await;
    let sample = format!("/identity/{SAMPLE_UUID}");
    let merged = format!("/identity/{MERGED_SAMPLE_UUID}");

    let listed = harness.index(Method::GET, "/identity", &token, None).await;
    assert_eq!(listed.body["data"][0]["uuid"], SAMPLE_UUID);

    let found = harness.index(Method::GET, &merged, &token, None).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body["data"], json!({ "uuid": SAMPLE_UUID }));

    let merged_delete = harness.index(Method::DELETE, &merged, &token, None).await;
    assert_trust_error(
        &merged_delete,
        404,
        &format!("Not found. Posible merge in document with uuid: {SAMPLE_UUID}"),
    );

    let update = json!({"company_uid": "99", "email": "alfa@example.test"});
    let updated = harness
        .index(Method::PATCH, &sample, &token, Some(&update))
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    let half = json!({"company_uid": "99"});
    let refused = harness
        .index(Method::PATCH, &sample, &token, Some(&half))
        .await;
    assert_trust_error(&refused, 400, "dni");

    let deleted = harness.index(Method::DELETE, &sample, &token, None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["message"], "Deleted");
    assert_eq!(deleted.body["data"]["email"], "alfa@example.test");
    for path in [&sample, &merged] {
        let gone = "Not found in database neither in former documents";
        let again = harness.index(Method::DELETE, path, &token, None).await;
        assert_trust_error(&again, 404, gone);
        let find = harness.index(Method::GET, path, &token, None).await;
        assert_trust_error(&find, 404, gone);
    }

    // Expiry at created_at + expires_in (7200 s) on the sandbox clock.
    harness.advance_clock(7200 - 30).await;
    let still = harness.index(Method::GET, "/identity", &token, None).await;
    assert_eq!(still.status, StatusCode::OK);
    harness.advance_clock(30).await;
    let expired = harness.index(Method::GET, "/identity", &token, None).await;
    assert_trust_error(&expired, 401, "expired");
    assert_eq!(expired.headers["www-authenticate"], "Bearer");
    let none = harness
        .send(Method::GET, harness.trust("/identity"), &[], None)
        .await;
    assert_trust_error(&none, 401, "");

    let wrong = harness
        .send(
            Method::POST,
            format!("{}/oauth/token/", harness.sandbox.atenea_url()),
            &[],
            Some(&json!({"client_id": "x", "client_secret": "y", "grant_type": "client_credentials"})),
        )
        .await;
    assert_trust_error(&wrong, 401, "Invalid client credentials");
}

async fn the_sample_identity_is_the_vendors_delete_example(on: On) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/trust.yaml");
    let spec: Value = serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let example = &spec["paths"]["/identity/{uuid}"]["delete"]["responses"]["200"]["content"]["application/json"]
        ["examples"]["identity-deleted"]["value"];
    let harness = Harness::start(on.config()).await;
    let token = harness.token().await;
    let sample = format!("/identity/{SAMPLE_UUID}");
    let deleted = harness.index(Method::DELETE, &sample, &token, None).await;
    let mut expected = example.clone();
    // The sandbox merged a former document into the sample identity.
    expected["data"]["former_documents"] = json!([MERGED_SAMPLE_UUID]);
    // The generated types write an absent optional field and a `null` one the same way (left
    // out); the spec marks these fields optional, so both forms are the documented shape.
    assert_eq!(deleted.body, without_nulls(&expected));
}

async fn gainsight_px_soft_delete_hides_and_revival_keeps_history(on: On) {
    let harness = Harness::start(on.config()).await;
    let id = "jdoe@example.com";
    let path = &format!("/{id}");
    let not_found = "User was not found for parameters {id=jdoe@example.com}";
    assert_eq!(harness.create_user(id).await.status, StatusCode::CREATED);
    let duplicate = harness.create_user(id).await;
    assert_px_error(&duplicate, 400, "Bad request, possible duplicate");
    let original = harness.get_user(id).await;
    let aptrinsic_id = original.body["aptrinsicId"].clone();
    assert!(aptrinsic_id.is_string());
    assert_eq!(
        harness.get_user("JDOE@example.com").await.status,
        StatusCode::NOT_FOUND,
        "ids are case-sensitive"
    );

    let deleted = harness.on_px(Method::DELETE, path, None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["statusCodeValue"], 200);
    assert_px_error(&harness.get_user(id).await, 404, not_found);
    let listed = harness.on_px(Method::GET, "", None).await;
    assert_eq!(listed.body["totalHits"], 0);
    let twice = harness.on_px(Method::DELETE, path, None).await;
    assert_px_error(&twice, 404, not_found);

    // Within 7 days an update revives the record with its history.
    harness.advance_clock(REVIVAL_WINDOW_SECS - 60).await;
    let update = json!({"identifyId": "jdoe@example.com", "propertyKeys": ["AP-XXXXXXXXXX-2"], "title": "engineer"});
    let revived = harness.on_px(Method::PUT, path, Some(&update)).await;
    assert_eq!(revived.status, StatusCode::NO_CONTENT);
    let user = harness.get_user(id).await;
    assert_eq!(user.body["aptrinsicId"], aptrinsic_id);
    assert_eq!(user.body["createDate"], original.body["createDate"]);
    assert_eq!(user.body["firstName"], "Jane", "fields not sent are kept");
    assert_eq!(user.body["title"], "engineer");

    // After 7 days a create is a new record with no history.
    let by_body = json!({"identifyId": "jdoe@example.com"});
    let deleted = harness
        .on_px(Method::DELETE, "/delete", Some(&by_body))
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    harness.advance_clock(REVIVAL_WINDOW_SECS).await;
    let stale_update = harness.on_px(Method::PUT, path, Some(&update)).await;
    assert_px_error(&stale_update, 404, not_found);
    assert_eq!(harness.create_user(id).await.status, StatusCode::CREATED);
    let fresh = harness.get_user(id).await;
    assert_ne!(fresh.body["aptrinsicId"], aptrinsic_id);
    assert!(fresh.body.get("title").is_none());

    // hardDelete=true: never revived, even at once.
    let hard = "/jdoe@example.com?hardDelete=true";
    let hard = harness.on_px(Method::DELETE, hard, None).await;
    assert_eq!(hard.status, StatusCode::OK);
    let after_hard = harness.on_px(Method::PUT, path, Some(&update)).await;
    assert_px_error(&after_hard, 404, not_found);
    assert_eq!(harness.create_user(id).await.status, StatusCode::CREATED);
    let recreated = harness.get_user(id).await;
    assert_ne!(recreated.body["aptrinsicId"], fresh.body["aptrinsicId"]);

    // Ids unsafe in a path work percent-encoded.
    let odd = "jdoe+test/1#a@example.com";
    assert_eq!(harness.create_user(odd).await.status, StatusCode::CREATED);
    let encoded = "jdoe%2Btest%2F1%23a%40example.com";
    assert_eq!(harness.get_user(encoded).await.body["identifyId"], odd);

    let bad_key = [("x-aptrinsic-api-key", "nope")];
    let bad_key = harness
        .send(Method::GET, harness.px(""), &bad_key, None)
        .await;
    assert_px_error(&bad_key, 401, "Unauthorized or bad API Key");
}

async fn gainsight_px_lists_page_sort_and_filter(on: On) {
    let harness = Harness::start(on.config()).await;
    for (id, name) in [("u1", "Carla"), ("u2", "alba"), ("u3", "Bruno")] {
        let body = json!({"identifyId": id, "propertyKeys": ["AP-X-2"], "firstName": name});
        let created = harness.on_px(Method::POST, "", Some(&body)).await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let first = "?pageSize=2&sort=%2BfirstName";
    let page = harness.on_px(Method::GET, first, None).await;
    let names: Vec<&str> = page.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["firstName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alba", "Bruno"]);
    assert_eq!(page.body["totalHits"], 3);
    let scroll = page.body["scrollId"].as_str().unwrap().to_string();
    let next = format!("{first}&scrollId={scroll}");
    let next = harness.on_px(Method::GET, &next, None).await;
    assert_eq!(next.body["users"][0]["firstName"], "Carla");
    assert_eq!(next.body["users"].as_array().map(Vec::len), Some(1));
    let filter = "?filter=firstName%3D%3DBRUNO";
    let filtered = harness.on_px(Method::GET, filter, None).await;
    assert_eq!(filtered.body["totalHits"], 1);
    let too_big = harness.on_px(Method::GET, "?pageSize=1001", None).await;
    assert_px_error(&too_big, 400, "Bad request");
}

async fn gainsight_px_repeated_filters_and_sort_keys_are_a_page_not_a_500(on: On) {
    let harness = Harness::start(on.config()).await;
    for (id, name) in [("u1", "Carla"), ("u2", "alba"), ("u3", "Bruno")] {
        let body = json!({"identifyId": id, "propertyKeys": ["AP-X-2"], "firstName": name});
        let created = harness.on_px(Method::POST, "", Some(&body)).await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    // Valid per the spec (`filter` repeats without a bound, `sort` is one string), and more
    // terms than SQLite takes in one expression (1,000 deep) or one ORDER BY (2,000).
    let same = vec!["filter=firstName%3D%3DBRUNO"; 1001].join("&");
    let same = harness.on_px(Method::GET, &format!("?{same}"), None).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert_eq!(same.body["totalHits"], 1);
    let both = format!(
        "?filter=firstName%3D%3Dcarla&{}",
        vec!["filter=firstName%3D%3Dbruno"; 1000].join("&")
    );
    let both = harness.on_px(Method::GET, &both, None).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.body);
    assert_eq!(both.body["totalHits"], 0, "no user has two first names");
    let sort = vec!["%2BfirstName"; 2001].join("%3B");
    let sorted = harness
        .on_px(Method::GET, &format!("?sort={sort}"), None)
        .await;
    assert_eq!(sorted.status, StatusCode::OK, "{}", sorted.body);
    let names: Vec<&str> = sorted.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["firstName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alba", "Bruno", "Carla"]);
}

async fn gainsight_px_rate_limit_answers_429(on: On) {
    let harness = Harness::start(Config {
        gainsight_px_rate_limit: 20,
        ..on.config()
    })
    .await;
    let calls = (0..60).map(|_| harness.get_user("nobody"));
    let replies = futures_join_all(calls).await;
    let limited: Vec<&Reply> = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        limited.len() >= 30,
        "only {} of 60 were limited",
        limited.len()
    );
    assert_px_error(limited[0], 429, "Rate limit exceeded");
    // Other vendors are not limited.
    let attestr = (0..60).map(|_| harness.at(Method::GET, "AXnone", None));
    assert!(
        futures_join_all(attestr)
            .await
            .iter()
            .all(|reply| reply.status == StatusCode::BAD_REQUEST)
    );

    let unlimited = Harness::start(Config {
        gainsight_px_rate_limit: 0,
        ..on.config()
    })
    .await;
    let replies = futures_join_all((0..300).map(|_| unlimited.get_user("nobody"))).await;
    assert!(
        replies
            .iter()
            .all(|reply| reply.status == StatusCode::NOT_FOUND)
    );
}

/// Runs the futures concurrently (a few lines instead of a dependency on `futures`).
async fn futures_join_all<F: std::future::Future<Output = Reply>>(
    futures: impl Iterator<Item = F>,
) -> Vec<Reply> {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut done: Vec<Option<Reply>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|context| {
        let mut all_ready = true;
        for (index, future) in pending.iter_mut().enumerate() {
            if done[index].is_none() {
                match future.as_mut().poll(context) {
                    std::task::Poll::Ready(reply) => done[index] = Some(reply),
                    std::task::Poll::Pending => all_ready = false,
                }
            }
        }
        if all_ready {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    pending.clear();
    done.into_iter().map(Option::unwrap).collect()
}

async fn faults_fail_or_slow_the_next_calls_in_the_vendors_shape(on: On) {
    let harness = Harness::start(on.config()).await;
    let fault = json!({"vendor": "gainsight-px", "status": 503, "count": 2, "retry_after_secs": 7});
    let queued = harness.fault(&fault).await;
    assert_eq!(queued.body["pending_calls"], 2);
    for _ in 0..2 {
        let failed = harness.get_user("nobody").await;
        assert_px_error(&failed, 503, "Service Unavailable");
        assert_eq!(failed.headers["retry-after"], "7");
    }
    assert_eq!(
        harness.get_user("nobody").await.status,
        StatusCode::NOT_FOUND
    );

    harness
        .fault(&json!({"vendor": "attestr", "status": 429}))
        .await;
    let limited = harness.at(Method::GET, "AXnone", None).await;
    assert_attestr_error(&limited, 429, 4292);

    harness
        .fault(&json!({"vendor": "atenea", "status": 500}))
        .await;
    let failed = harness
        .send(
            Method::POST,
            format!("{}/oauth/token/", harness.sandbox.atenea_url()),
            &[],
            Some(&json!({})),
        )
        .await;
    assert_trust_error(&failed, 500, "");
    harness.token().await;

    harness
        .fault(&json!({"vendor": "trust", "delay_ms": 300}))
        .await;
    let started = std::time::Instant::now();
    let delayed = harness
        .send(Method::GET, harness.trust("/identity"), &[], None)
        .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        delayed.status,
        StatusCode::UNAUTHORIZED,
        "delayed, then handled"
    );

    let refused = json!({"vendor": "attestr", "status": 404});
    let refused = harness.fault(&refused).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body["error"].is_string());
}

async fn bad_input_gets_each_vendors_error_shape(on: On) {
    let mut config = on.config();
    config.limits.body_limit_bytes = 1024;
    let harness = Harness::start(config).await;
    let token = harness.token().await;
    let bearer = format!("Bearer {token}");
    let json_type = ("content-type", "application/json");
    let big = format!("{{\"tag\": \"{}\"}}", "a".repeat(4096));
    let (post, get) = (Method::POST, Method::GET);

    // Attestr
    let auth = [ATTESTR_AUTH, json_type];
    let replies = harness
        .bad_input(
            &harness.attestr(""),
            &[
                (post.clone(), "", &auth, "{\"tag\":", 400),
                (post.clone(), "", &auth, &big, 413),
                (post.clone(), "", &[ATTESTR_AUTH], "tag=1", 415),
                (post.clone(), "", &auth, "[1,2]", 400),
                (post.clone(), "", &auth, "", 400),
                (Method::DELETE, "x", &auth, "", 405),
                (get.clone(), "x/y/z", &auth, "", 404),
                (get.clone(), "%FF%FE", &auth, "", 400),
                (get.clone(), "..%2F..%2Fetc%2Fpasswd", &auth, "", 400),
            ],
        )
        .await;
    for (case, reply) in &replies {
        let shape = reply.body["code"].is_i64() && reply.body["message"].is_string();
        assert!(shape, "{case}: Attestr shape expected: {}", reply.body);
    }
    assert!(replies[5].1.headers.contains_key("allow"));

    // Trust Index
    let auth = [("authorization", bearer.as_str()), json_type];
    let sample = &format!("/identity/{SAMPLE_UUID}");
    let patch = Method::PATCH;
    let replies = harness
        .bad_input(
            &harness.trust(""),
            &[
                (patch.clone(), sample, &auth, "{", 400),
                (patch.clone(), sample, &auth, &big, 413),
                (patch.clone(), sample, &auth[..1], "x", 415),
                (
                    patch.clone(),
                    sample,
                    &auth,
                    r#"{"company_uid": 99, "dni": "1"}"#,
                    400,
                ),
                (get.clone(), "/identity?page=abc", &auth, "", 400),
                (get.clone(), "/identity?page=1&page=2", &auth, "", 400),
                (post.clone(), "/identity", &auth, "{}", 405),
                (get.clone(), "/nothing", &auth, "", 404),
                (get.clone(), "/identity/%00%FF", &auth, "", 404),
            ],
        )
        .await;
    for (case, reply) in &replies {
        let status = json!(reply.status.as_u16());
        let shape = reply.body["code"] == status && reply.body["resource"].is_string();
        assert!(shape, "{case}: Trust shape expected: {}", reply.body);
    }
    let atenea = format!("{}/oauth/token/", harness.sandbox.atenea_url());
    let replies = harness
        .bad_input(
            &atenea,
            &[
                (post.clone(), "", &[json_type], "nope", 400),
                (post.clone(), "", &[], "{}", 415),
                (get.clone(), "", &[], "", 405),
            ],
        )
        .await;
    for (case, reply) in &replies {
        assert_eq!(reply.body["resource"], "Token", "{case}: {}", reply.body);
    }

    // Gainsight PX
    let auth = [PX_AUTH, json_type];
    let text = [PX_AUTH, ("content-type", "text/plain")];
    let robot = r#"{"identifyId": "a", "propertyKeys": ["k"], "type": "ROBOT"}"#;
    let null_email = r#"{"identifyId": "a", "propertyKeys": ["k"], "email": null}"#;
    let huge_score = r#"{"identifyId": "a", "propertyKeys": ["k"], "score": 1e400}"#;
    let replies = harness
        .bad_input(
            &harness.sandbox.gainsight_px_url(),
            &[
                (post.clone(), "/v1/users", &auth, "{\"identifyId\"", 400),
                (post.clone(), "/v1/users", &auth, &big, 413),
                (post.clone(), "/v1/users", &text, "{}", 415),
                (post.clone(), "/v1/users", &auth, robot, 400),
                (post.clone(), "/v1/users", &auth, null_email, 400),
                (post.clone(), "/v1/users", &auth, huge_score, 400),
                (patch.clone(), "/v1/users/x", &auth, "{}", 405),
                (get.clone(), "/v1/users/delete", &auth, "", 405),
                (get.clone(), "/v1/users?pageSize=ten", &auth, "", 400),
                (get.clone(), "/v1/users/%C0%AF", &auth, "", 404),
                (get.clone(), "/v2/users", &auth, "", 404),
            ],
        )
        .await;
    for (case, reply) in &replies {
        let shape = reply.body["externalapierror"]["status"].is_string();
        assert!(shape, "{case}: PX shape expected: {}", reply.body);
    }
    let users = harness.px("");
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_reply = harness.raw(post.clone(), users.clone(), &auth, deep).await;
    assert_eq!(deep_reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let small_deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
    let small_deep_reply = harness.raw(post, users, &auth, small_deep).await;
    assert_eq!(
        small_deep_reply.status,
        StatusCode::BAD_REQUEST,
        "deep nesting is refused, not a crash"
    );
}

#[tokio::test]
async fn state_file_survives_a_restart_and_reset_restores_the_start() {
    let dir = temp_dir("state");
    let state_file = dir.join("state.db");
    let config = Config {
        state_file: Some(state_file.clone()),
        ..Config::ephemeral()
    };
    let harness = Harness::start(config.clone()).await;
    let id = harness.create_profile().await;
    let kept = "kept@example.com";
    assert_eq!(harness.create_user(kept).await.status, StatusCode::CREATED);
    let token = harness.token().await;
    harness.advance_clock(3600).await;
    harness.sandbox.stop().await.unwrap();

    let restarted = Harness::start(config).await;
    let profile = restarted.at(Method::GET, &id, None).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(restarted.get_user(kept).await.status, StatusCode::OK);
    let listed = restarted
        .index(Method::GET, "/identity", &token, None)
        .await;
    assert_eq!(
        listed.status,
        StatusCode::OK,
        "issued tokens survive a restart"
    );
    let clock = restarted
        .send(Method::GET, restarted.admin("clock"), &[], None)
        .await;
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(clock.body["now_unix_secs"].as_i64().unwrap() >= real_now + 3590);

    let reset = restarted
        .send(
            Method::POST,
            restarted.admin("reset"),
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    let gone = restarted.at(Method::GET, &id, None).await;
    assert_attestr_error(&gone, 400, 40018);
    let after_reset = restarted
        .index(Method::GET, "/identity", &token, None)
        .await;
    assert_eq!(
        after_reset.status,
        StatusCode::UNAUTHORIZED,
        "reset drops issued tokens"
    );
    restarted.sandbox.stop().await.unwrap();

    std::fs::write(&state_file, b"not a database at all").unwrap();
    let refused = Sandbox::start(Config {
        state_file: Some(state_file.clone()),
        ..Config::ephemeral()
    })
    .await;
    let Err(error) = refused else {
        panic!("a corrupt state file is refused, not overwritten")
    };
    assert!(
        error.to_string().contains("not a SQLite database"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(&state_file).unwrap(),
        b"not a database at all"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn openapi_documents_are_served_and_unknown_paths_are_json() {
    let harness = Harness::start(Config::ephemeral()).await;
    for slug in ["attestr", "trust", "gainsight-px"] {
        let document = harness
            .send(
                Method::GET,
                format!("{}/openapi/{slug}.json", harness.sandbox.base_url()),
                &[],
                None,
            )
            .await;
        assert_eq!(document.status, StatusCode::OK);
        // The published document itself, not a description of the sandbox's own making.
        let published: Value = serde_json::from_str(
            &std::fs::read_to_string(
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../../spec/dist/{slug}.json")),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(document.body, published);
    }
    let nowhere = harness
        .send(
            Method::GET,
            format!("{}/nowhere", harness.sandbox.base_url()),
            &[],
            None,
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(nowhere.body["error"].is_string());
}
