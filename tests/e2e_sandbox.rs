//! End to end: the generated clients, through the runtime layer, against the vendor sandbox
//! started in-process on a random loopback port. Each starting operation's success and every
//! error path the sandbox produces for it, the 7-day revival rule, the merged-uuid 404, token
//! expiry and refresh, and a retry after 429 + `Retry-After`.

use std::time::{Duration, Instant};

use attestr::{ArchiveOutcome, ErrorCode};
use gainsight_px::{DataCenter, DeleteMode, DeleteOutcome as PxDeleteOutcome};
use sandbox::{Config, RunningSandbox, Sandbox};
use trust::DeleteOutcome;
use vendor_runtime::record;
use workspace_tests::fast_retries;

const BBBB: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
const CCCC: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";
/// The sandbox's Attestr credentials, `sandbox-app:sandbox-secret` in Base64.
const ATTESTR_TOKEN: &str = "c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ=";

async fn start() -> RunningSandbox {
    Sandbox::start(Config::ephemeral())
        .await
        .expect("the sandbox starts on a free port")
}

async fn admin(sandbox: &RunningSandbox, path: &str, body: serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/_sandbox/{path}", sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "admin {path}: {}",
        response.status()
    );
}

fn attestr_client(sandbox: &RunningSandbox, token: &str) -> attestr::Client {
    let mut config = attestr::Config::new(token)
        .base_url(format!("{}/attestr/api/{{version}}", sandbox.base_url()));
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

fn trust_client(sandbox: &RunningSandbox, secret: &str) -> trust::Client {
    trust_client_at(sandbox, secret, "/trust/index/v1")
}

/// A Trust client whose Index is at `index` under the sandbox.
fn trust_client_at(sandbox: &RunningSandbox, secret: &str, index: &str) -> trust::Client {
    let mut config = trust::Config::new("sandbox-client", secret)
        .atenea_base_url(format!("{}/atenea", sandbox.base_url()))
        .index_base_url(format!("{}{index}", sandbox.base_url()));
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

fn px_client(sandbox: &RunningSandbox, key: &str) -> gainsight_px::Client {
    px_client_at(sandbox, key, "/gainsight-px")
}

/// A Gainsight PX client whose API is at `base` under the sandbox.
fn px_client_at(sandbox: &RunningSandbox, key: &str, base: &str) -> gainsight_px::Client {
    let mut config = gainsight_px::Config::new(key, DataCenter::Us)
        .base_url(format!("{}{base}", sandbox.base_url()));
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

/// Creates the user `id` (in the sandbox's property) and reads it back.
async fn create_and_get(client: &gainsight_px::Client, id: &str) -> gainsight_px::types::User {
    create_user(client, id).await;
    client
        .get_user()
        .identify_id(id)
        .send()
        .await
        .unwrap()
        .into_inner()
}

async fn create_user(client: &gainsight_px::Client, id: &str) {
    let user = gainsight_px::types::User::builder()
        .identify_id(id)
        .property_keys(vec!["AP-XXXXXXXXXX-2".to_string()]);
    client.create_user().body(user).send().await.unwrap();
}

/// Moves the sandbox's clock `days` forward.
async fn advance_days(sandbox: &RunningSandbox, days: u64) {
    let advance = serde_json::json!({"advance_secs": days * 86_400});
    admin(sandbox, "clock", advance).await;
}

async fn create_profile(client: &attestr::Client) -> String {
    let input = attestr::types::ProfileInput::builder()
        .tag("E2E-1")
        .name("Asha Example");
    let created = client
        .create_profile()
        .body(input)
        .send()
        .await
        .unwrap()
        .into_inner();
    created.id.expect("create returns the profile id")
}

fn profile_input(name: &str) -> attestr::types::ProfileInput {
    attestr::types::ProfileInput {
        tag: "E2E-1".into(),
        name: name.into(),
        email: Some("asha@example.test".into()),
        mobile: None,
    }
}

#[tokio::test]
async fn attestr_update_and_archive() {
    let sandbox = start().await;
    let client = attestr_client(&sandbox, ATTESTR_TOKEN);
    let id = create_profile(&client).await;

    client
        .update(&id, profile_input("Asha Example Updated"))
        .await
        .unwrap();
    let profile = client
        .get_profile()
        .profile_id(&id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profile.name.as_deref(), Some("Asha Example Updated"));

    assert_eq!(client.archive(&id).await.unwrap(), ArchiveOutcome::Archived);
    assert_eq!(
        client.archive(&id).await.unwrap(),
        ArchiveOutcome::AlreadyArchived,
        "archive is idempotent for the caller"
    );
    let err = client
        .update(&id, profile_input("Too late"))
        .await
        .unwrap_err();
    assert_eq!(
        err.api_error().map(|error| error.code),
        Some(ErrorCode::ProfileIsArchivedAlreadyOperationNotAllowed),
        "{err}"
    );

    for unknown in [
        client.archive("AXunknown000000000").await.unwrap_err(),
        client
            .update("AXunknown000000000", profile_input("x"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            unknown.api_error().map(|error| error.code),
            Some(ErrorCode::InvalidProfileIdOrYouDoNotHaveAccessToThisRecord),
            "{unknown}"
        );
    }

    let wrong = attestr_client(&sandbox, "not-the-token");
    let err = wrong.archive(&id).await.unwrap_err();
    assert!(
        matches!(
            err,
            attestr::Error::Unauthorized {
                error: Some(attestr::ApiError {
                    code: ErrorCode::InvalidClientAuthorization,
                    ..
                }),
                ..
            }
        ),
        "{err:?}"
    );

    // A malformed body cannot be built with the typed client: send it raw and read the vendor error.
    let response = reqwest::Client::new()
        .put(format!(
            "{}/attestr/api/v1/public/factx/{id}",
            sandbox.base_url()
        ))
        .header("authorization", format!("Basic {ATTESTR_TOKEN}"))
        .header("content-type", "application/json")
        .body("{\"tag\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: attestr::types::Error = response.json().await.unwrap();
    assert_eq!(
        ErrorCode::from_code(body.code),
        ErrorCode::MalformedDataOrMissingRequiredParameterValues
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn attestr_retries_a_transient_failure() {
    let sandbox = start().await;
    let client = attestr_client(&sandbox, ATTESTR_TOKEN);
    let id = create_profile(&client).await;
    admin(
        &sandbox,
        "faults",
        serde_json::json!({"vendor": "attestr", "status": 503, "count": 2}),
    )
    .await;
    let (outcome, calls) = record(client.archive(&id)).await;
    assert_eq!(outcome.unwrap(), ArchiveOutcome::Archived);
    assert_eq!(calls.attempts, 3);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn trust_delete_merge_and_not_found() {
    let sandbox = start().await;
    let client = trust_client(&sandbox, "sandbox-secret");
    assert_eq!(
        client.delete(CCCC.parse().unwrap()).await.unwrap(),
        DeleteOutcome::Merged(BBBB.parse().unwrap())
    );
    match client.delete(BBBB.parse().unwrap()).await.unwrap() {
        DeleteOutcome::Deleted(identity) => {
            assert_eq!(identity.uuid, Some(BBBB.parse().unwrap()));
            assert_eq!(identity.name.as_deref(), Some("alfa"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client.delete(BBBB.parse().unwrap()).await.unwrap(),
        DeleteOutcome::NotFound
    );
    assert_eq!(
        client.delete(CCCC.parse().unwrap()).await.unwrap(),
        DeleteOutcome::NotFound,
        "its current identity is gone too"
    );

    let wrong = trust_client(&sandbox, "wrong-secret");
    let err = wrong.delete(BBBB.parse().unwrap()).await.unwrap_err();
    assert!(
        matches!(err, trust::Error::Credentials(ref m) if m.contains("401")),
        "{err:?}"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn trust_token_expiry_is_refreshed_once() {
    let sandbox = start().await;
    let client = trust_client(&sandbox, "sandbox-secret");
    let (found, calls) = record(
        client
            .find_identity()
            .uuid(BBBB.parse::<uuid::Uuid>().unwrap())
            .send(),
    )
    .await;
    found.unwrap();
    assert!(!calls.credentials_refreshed);

    // The sandbox's clock passes the token's created_at + expires_in; the client's does not, so
    // the Index's 401 is the only sign, and one refresh must follow.
    admin(&sandbox, "clock", serde_json::json!({"advance_secs": 7300})).await;
    let (found, calls) = record(
        client
            .find_identity()
            .uuid(BBBB.parse::<uuid::Uuid>().unwrap())
            .send(),
    )
    .await;
    found.unwrap();
    assert!(calls.credentials_refreshed, "{calls:?}");
    assert_eq!(
        calls.attempts, 2,
        "the rejected Index call and the repeat (the token request is the token's own call)"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn px_soft_delete_revival_and_hard_delete() {
    let sandbox = start().await;
    let client = px_client(&sandbox, "sandbox-px-key");
    let id = "e2e-user@example.test";
    let first = create_and_get(&client, id).await;

    assert_eq!(
        client.delete(id, DeleteMode::Soft).await.unwrap(),
        PxDeleteOutcome::Deleted { hard: false }
    );
    let hidden = client.get_user().identify_id(id).call().await.unwrap_err();
    assert!(
        matches!(&hidden, gainsight_px::Error::Api { error, .. } if error.0.status.as_deref() == Some("NOT_FOUND")),
        "{hidden:?}"
    );
    assert_eq!(
        client.delete(id, DeleteMode::Soft).await.unwrap(),
        PxDeleteOutcome::NotFound
    );

    // Within 7 days a create revives the same record, history included.
    advance_days(&sandbox, 6).await;
    let revived = create_and_get(&client, id).await;
    assert_eq!(revived.aptrinsic_id, first.aptrinsic_id);
    assert_eq!(revived.create_date, first.create_date);

    // A hard delete cannot be revived: a create makes a new record.
    assert_eq!(
        client.delete(id, DeleteMode::Hard).await.unwrap(),
        PxDeleteOutcome::Deleted { hard: true }
    );
    let fresh = create_and_get(&client, id).await;
    assert_ne!(fresh.aptrinsic_id, first.aptrinsic_id);

    // After 7 days a soft-deleted user is gone for good: an update finds nothing.
    assert_eq!(
        client.delete(id, DeleteMode::Soft).await.unwrap(),
        PxDeleteOutcome::Deleted { hard: false }
    );
    advance_days(&sandbox, 8).await;
    let changes = gainsight_px::types::UserUpdate {
        title: Some("still there?".to_string()),
        ..Default::default()
    };
    let Err(err) = client.update(id, changes).await else {
        panic!("an update 8 days after a soft delete must not revive the user");
    };
    assert_eq!(err.status(), Some(404), "{err:?}");

    let wrong = px_client(&sandbox, "wrong-key");
    assert!(matches!(
        wrong.delete(id, DeleteMode::Soft).await.unwrap_err(),
        gainsight_px::Error::Unauthorized { .. }
    ));
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn px_retries_after_429_and_retry_after() {
    let sandbox = start().await;
    let client = px_client(&sandbox, "sandbox-px-key");
    let id = "rate-limited@example.test";
    create_user(&client, id).await;
    admin(&sandbox, "faults", serde_json::json!({"vendor": "gainsight-px", "status": 429, "count": 1, "retry_after_secs": 1})).await;
    let started = Instant::now();
    let (outcome, calls) = record(client.delete(id, DeleteMode::Hard)).await;
    assert_eq!(outcome.unwrap(), PxDeleteOutcome::Deleted { hard: true });
    assert_eq!(calls.attempts, 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After was honoured: {:?}",
        started.elapsed()
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn a_wrong_base_url_at_the_sandbox_is_never_an_absence() {
    let sandbox = start().await;
    // The path of a route the sandbox does not serve: its 404 is in Gainsight PX's error shape,
    // but it names no user, so it proves nothing.
    let err = px_client_at(&sandbox, "sandbox-px-key", "/gainsight-px/api")
        .delete("nobody@example.test", DeleteMode::Hard)
        .await
        .unwrap_err();
    assert!(
        matches!(err, gainsight_px::Error::Unproven { .. }),
        "{err:?}"
    );
    let trust = trust_client_at(&sandbox, "sandbox-secret", "/trust/index/v2");
    let err = trust.delete(BBBB.parse().unwrap()).await.unwrap_err();
    assert!(matches!(err, trust::Error::Unproven { .. }), "{err:?}");
    sandbox.stop().await.unwrap();
}
