//! Secrets and personal ids never reach the logs: every call below runs with a trace-level
//! subscriber capturing everything (the runtime's spans and events, and reqwest's and hyper's),
//! and the captured text must hold the operation and path template but no credential and no id.
//!
//! This file holds one test, alone in its process, on purpose. `set_default` installs the
//! subscriber for this thread only, and tracing caches each callsite's interest globally: a test
//! on another thread that reaches a runtime callsite first, while this subscriber registers, can
//! leave it cached as "never", and the logs this test reads go missing (seen in CI).

use std::io::Write;
use std::sync::{Arc, Mutex};

use gainsight_px::{DataCenter, DeleteMode};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_tests::{atenea_token, fast_retries, unix_now};

const ATTESTR_TOKEN: &str = "attestr-secret-token-7f3a";
const PX_KEY: &str = "px-secret-key-91bc";
const ATENEA_SECRET: &str = "atenea-client-secret-55d0";
const ACCESS_TOKEN: &str = "atenea-access-token-e2c4";
const PROFILE_ID: &str = "AXpersonal0000042";
const EMAIL_ID: &str = "jane.personal+test@example.test";
const IDENTITY: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_hold_no_secret_and_no_personal_id() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/oauth/token/$"))
        .respond_with(atenea_token(ACCESS_TOKEN, unix_now(), 7200))
        .mount(&server)
        .await;
    // Every other call fails once with 503 so that the retry path logs too.
    for prefix in ["^/attestr/", "^/trust/", "^/px/"] {
        Mock::given(path_regex(prefix))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(path_regex("^/(attestr|px)/"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path_regex("^/trust/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"code": 200, "resource": "Identity", "message": "Deleted", "data": {"uuid": IDENTITY}}),
        ))
        .mount(&server)
        .await;

    let mut attestr = attestr::Config::new(ATTESTR_TOKEN)
        .base_url(format!("{}/attestr/api/{{version}}", server.uri()));
    fast_retries(&mut attestr.runtime);
    attestr.build().unwrap().archive(PROFILE_ID).await.unwrap();

    let mut px =
        gainsight_px::Config::new(PX_KEY, DataCenter::Us).base_url(format!("{}/px", server.uri()));
    fast_retries(&mut px.runtime);
    px.build()
        .unwrap()
        .delete(EMAIL_ID, DeleteMode::Hard)
        .await
        .unwrap();

    let mut trust = trust::Config::new("client-1", ATENEA_SECRET)
        .atenea_base_url(server.uri())
        .index_base_url(format!("{}/trust/index/v1", server.uri()));
    fast_retries(&mut trust.runtime);
    trust
        .build()
        .unwrap()
        .delete(IDENTITY.parse().unwrap())
        .await
        .unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "vendor_call",
        "archive_profile",
        "/public/factx/{profileId}/archive",
        "delete_user",
        "delete_identity",
        "retrying",
    ] {
        assert!(
            logs.contains(expected),
            "the logs should mention {expected:?}:\n{logs}"
        );
    }
    let encoded_email = EMAIL_ID.replace('+', "%2B").replace('@', "%40");
    for secret in [
        ATTESTR_TOKEN,
        PX_KEY,
        ATENEA_SECRET,
        ACCESS_TOKEN,
        PROFILE_ID,
        EMAIL_ID,
        &encoded_email,
        IDENTITY,
    ] {
        assert!(!logs.contains(secret), "the logs leak {secret:?}:\n{logs}");
    }
}
