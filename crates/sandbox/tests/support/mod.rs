//! What the sandbox's own test suites share: the demo Gainsight PX key, reading a PX user, and
//! the two creates (a PX user, an Attestr profile) both suites send with the demo credentials.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

/// The demo Gainsight PX API key the sandbox accepts by default.
pub const PX_KEY: &str = sandbox::config::DEMO_PX_API_KEY;

/// `GET {px_url}/v1/users/{id}` with the API key `key`: the status and the JSON body (every
/// Gainsight PX answer of the sandbox is JSON, errors included).
pub async fn get_px_user(
    http: &reqwest::Client,
    px_url: &str,
    key: &str,
    id: &str,
) -> (StatusCode, Value) {
    let response = http
        .get(format!("{px_url}/v1/users/{id}"))
        .header("x-aptrinsic-api-key", key)
        .send()
        .await
        .expect("the sandbox answers");
    let status = response.status();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

/// `POST {px_url}/v1/users` with the demo API key and `body`, ready to send.
pub fn create_px_user(http: &reqwest::Client, px_url: &str, body: &Value) -> RequestBuilder {
    http.post(format!("{px_url}/v1/users"))
        .header("x-aptrinsic-api-key", PX_KEY)
        .json(body)
}

/// `POST {attestr_url}/public/factx/` (a profile create) with the demo token and `body`, ready
/// to send.
pub fn create_attestr_profile(
    http: &reqwest::Client,
    attestr_url: &str,
    body: &Value,
) -> RequestBuilder {
    let token = sandbox::config::DEMO_ATTESTR_TOKEN;
    http.post(format!("{attestr_url}/public/factx/"))
        .header("authorization", format!("Basic {token}"))
        .json(body)
}
