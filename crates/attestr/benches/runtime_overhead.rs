//! What the generated client and the runtime cost over a bare reqwest call: each variant fetches
//! the same profile from the same loopback server, authenticates, and deserializes it into
//! `attestr::types::Profile`. The third variant adds the per-request timeout the runtime sets, to
//! separate that cost from the rest. Run with `cargo bench -p attestr`; the README reports the
//! ratio of the medians.

use std::hint::black_box;

use attestr::{AttestrConfig, types};
use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};

const PROFILE: &str = r#"{"_id":"AX1LgghsxZsJZUwYvN","tag":"AA-1234","number":"3801-575765-9695","name":"Asha Example","email":"asha@example.test","items":[],"queries":[],"created":1661024715867}"#;

fn bench(c: &mut Criterion) {
    // One thread runs the server and the client: no cross-thread wake-ups in the measurement,
    // which on a small shared machine are noisier than the difference being measured.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = runtime.block_on(async {
        let app = Router::new().route(
            "/api/v1/public/factx/{id}",
            get(|| async { ([("content-type", "application/json")], PROFILE) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    });
    let base = format!("http://{addr}/api/v1");

    let client = AttestrConfig::new("bench-token")
        .base_url(&base)
        .build()
        .unwrap();
    let raw = reqwest::Client::new();
    let url = format!("{base}/public/factx/AX1LgghsxZsJZUwYvN");

    let mut group = c.benchmark_group("get_profile");
    group.bench_function("generated client + runtime", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let profile = client
                    .get_profile()
                    .profile_id("AX1LgghsxZsJZUwYvN")
                    .send()
                    .await
                    .unwrap();
                black_box(profile.into_inner())
            })
        })
    });
    group.bench_function("raw reqwest", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = raw
                    .get(&url)
                    .header("authorization", "Basic bench-token")
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                let bytes = response.bytes().await.unwrap();
                black_box(serde_json::from_slice::<types::Profile>(&bytes).unwrap())
            })
        })
    });
    group.bench_function("raw reqwest, 30 s timeout", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = raw
                    .get(&url)
                    .timeout(std::time::Duration::from_secs(30))
                    .header("authorization", "Basic bench-token")
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                let bytes = response.bytes().await.unwrap();
                black_box(serde_json::from_slice::<types::Profile>(&bytes).unwrap())
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
