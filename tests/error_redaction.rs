//! Errors carry no secret and no personal id: a caller logs them, so an error quotes neither a
//! success body (which may hold a token) nor a request URL (whose path holds the id).

use gainsight_px::{ConfigureRuntime, DataCenter};
use wiremock::{MockServer, ResponseTemplate};
use workspace_tests::answer_every;

const PX_KEY: &str = "px-secret-key-91bc";
const ATENEA_SECRET: &str = "atenea-client-secret-55d0";
const ACCESS_TOKEN: &str = "atenea-access-token-e2c4";
const EMAIL_ID: &str = "jane.personal+test@example.test";
const IDENTITY: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";

#[tokio::test]
async fn errors_quote_no_success_body_and_no_url() {
    // Atenea answers 200 with a token but a body off the schema: the credentials error (which a
    // caller logs) must not carry the token.
    let atenea = MockServer::start().await;
    let off_schema = ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": "soon", "created_at": 1,
    }));
    answer_every(&atenea, "POST", off_schema).await;
    let index = MockServer::start().await;
    let trust = trust::Config::new("client-1", ATENEA_SECRET)
        .atenea_base_url(atenea.uri())
        .index_base_url(format!("{}/index/v1", index.uri()))
        .build()
        .unwrap();
    let err = trust.delete(IDENTITY.parse().unwrap()).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, trust::Error::Credentials(_)), "{text}");
    assert!(!text.contains(ACCESS_TOKEN), "{text}");

    // A transport error names no URL, whose path holds the id.
    let slow = MockServer::start().await;
    let late = ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3));
    answer_every(&slow, "GET", late).await;
    let px = gainsight_px::Config::new(PX_KEY, DataCenter::Us)
        .base_url(slow.uri())
        .max_retries(0)
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let err = px
        .get_user()
        .identify_id(EMAIL_ID)
        .call()
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, gainsight_px::Error::Timeout(_)), "{text}");
    let encoded = EMAIL_ID.replace('+', "%2B");
    assert!(
        !text.contains(EMAIL_ID) && !text.contains(&encoded) && !text.contains("jane.personal"),
        "{text}"
    );
}
