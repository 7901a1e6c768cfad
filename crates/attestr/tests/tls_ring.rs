//! The `tls-ring` feature on its own: reqwest then has no crypto provider of its own and panics
//! building a client unless one is installed, so this shows the runtime installs ring before its
//! first client, and that a call goes through. `cargo xtask test` runs it as `cargo test -p attestr
//! --no-default-features --features tls-ring --test tls_ring` (with default features on, as in the
//! workspace's test run, it compiles to nothing). That no aws-lc is linked then is
//! `tests/consumer_dependencies.rs`.
#![cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc")))]

use axum::Router;
use axum::routing::get;

const PROFILE: &str = r#"{"_id":"AX1LgghsxZsJZUwYvN","tag":"AA-1234","number":"3801-575765-9695","name":"Asha Example","email":"asha@example.test","items":[],"queries":[],"created":1661024715867}"#;

#[tokio::test]
async fn a_client_with_ring_alone_builds_and_calls() {
    let app = Router::new().route(
        "/api/v1/public/factx/{id}",
        get(|| async { ([("content-type", "application/json")], PROFILE) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = attestr::Config::new("token")
        .base_url(format!("http://{addr}/api/v1"))
        .build()
        .unwrap();
    let profile = client
        .get_profile()
        .profile_id("AX1LgghsxZsJZUwYvN")
        .call()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profile.id.as_deref(), Some("AX1LgghsxZsJZUwYvN"));
}
