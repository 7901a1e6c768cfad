//! What the sandbox's own test suites share: the demo Gainsight PX key and reading a PX user.

use reqwest::StatusCode;
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
