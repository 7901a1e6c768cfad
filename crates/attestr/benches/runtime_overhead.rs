//! What the generated client and the runtime cost over a raw reqwest call. Each variant fetches
//! the same profile from the same loopback server, authenticates, and deserializes it into
//! `attestr::types::Profile`:
//!
//! - `generated client + runtime`: `client.get_profile().profile_id(id).send()`;
//! - `raw reqwest`: a default `reqwest::Client` and a prepared URL, the least a call can do;
//! - `raw reqwest, runtime's client settings`: the same, with the connect and total timeouts the
//!   runtime's client has, so the difference left is the generated code and the runtime alone.
//!
//! Criterion measures each variant on its own. On a shared machine the speed drifts between
//! those measurements by more than the difference being measured, so a paired run follows
//! (`cargo bench` only): blocks of calls of the two variants alternate, and the median of the
//! per-round ratios is printed. The README reports both.

use std::hint::black_box;
use std::time::Instant;

use attestr::{Config, types};
use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;

const PROFILE_ID: &str = "AX1LgghsxZsJZUwYvN";
const PROFILE: &str = r#"{"_id":"AX1LgghsxZsJZUwYvN","tag":"AA-1234","number":"3801-575765-9695","name":"Asha Example","email":"asha@example.test","items":[],"queries":[],"created":1661024715867}"#;

/// Blocks per variant and calls per block of the paired run.
const PAIRED_ROUNDS: usize = 300;
const CALLS_PER_BLOCK: usize = 20;

/// The three ways to make the call, against one server.
struct Variants {
    generated: attestr::Client,
    raw: reqwest::Client,
    raw_with_runtime_settings: reqwest::Client,
    url: String,
}

impl Variants {
    fn start(runtime: &Runtime) -> Variants {
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
        let defaults = vendor_runtime::RuntimeConfig::default();
        Variants {
            generated: Config::new("bench-token").base_url(&base).build().unwrap(),
            raw: reqwest::Client::new(),
            raw_with_runtime_settings: reqwest::Client::builder()
                .connect_timeout(defaults.connect_timeout)
                .timeout(defaults.timeout)
                .build()
                .unwrap(),
            url: format!("{base}/public/factx/{PROFILE_ID}"),
        }
    }

    async fn generated(&self) -> types::Profile {
        self.generated
            .get_profile()
            .profile_id(PROFILE_ID)
            .send()
            .await
            .unwrap()
            .into_inner()
    }

    async fn raw(&self, client: &reqwest::Client) -> types::Profile {
        let response = client
            .get(&self.url)
            .header("authorization", "Basic bench-token")
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        let bytes = response.bytes().await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// One thread runs the server and the client: no cross-thread wake-ups in the measurement,
/// which on a small shared machine are noisier than the difference being measured.
fn single_thread_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let runtime = single_thread_runtime();
    let variants = Variants::start(&runtime);
    let mut group = c.benchmark_group("get_profile");
    group.bench_function("generated client + runtime", |b| {
        b.iter(|| runtime.block_on(async { black_box(variants.generated().await) }))
    });
    group.bench_function("raw reqwest", |b| {
        b.iter(|| runtime.block_on(async { black_box(variants.raw(&variants.raw).await) }))
    });
    group.bench_function("raw reqwest, runtime's client settings", |b| {
        b.iter(|| {
            runtime.block_on(async {
                black_box(variants.raw(&variants.raw_with_runtime_settings).await)
            })
        })
    });
    group.finish();

    // `cargo test --benches` runs this binary without `--bench`, to check that it works.
    if std::env::args().any(|arg| arg == "--bench") {
        paired_ratio(&runtime, &variants, "raw reqwest", &variants.raw);
        paired_ratio(
            &runtime,
            &variants,
            "raw reqwest, runtime's client settings",
            &variants.raw_with_runtime_settings,
        );
    }
}

/// Times `CALLS_PER_BLOCK` calls of the generated client and of a raw client in alternating
/// blocks (the order flips each round) and prints quartiles of the per-round ratio.
fn paired_ratio(runtime: &Runtime, variants: &Variants, baseline: &str, raw: &reqwest::Client) {
    let time_block = |generated: bool| {
        runtime.block_on(async {
            let started = Instant::now();
            for _ in 0..CALLS_PER_BLOCK {
                if generated {
                    black_box(variants.generated().await);
                } else {
                    black_box(variants.raw(raw).await);
                }
            }
            started.elapsed()
        })
    };
    for round in 0..PAIRED_ROUNDS / 10 {
        time_block(round % 2 == 0); // warm-up
    }
    let mut ratios = Vec::with_capacity(PAIRED_ROUNDS);
    let mut per_call = (Vec::new(), Vec::new());
    for round in 0..PAIRED_ROUNDS {
        let (generated, raw) = if round % 2 == 0 {
            let generated = time_block(true);
            (generated, time_block(false))
        } else {
            let raw = time_block(false);
            (time_block(true), raw)
        };
        ratios.push(generated.as_secs_f64() / raw.as_secs_f64());
        per_call.0.push(generated / CALLS_PER_BLOCK as u32);
        per_call.1.push(raw / CALLS_PER_BLOCK as u32);
    }
    let (q1, median, q3) = quartiles(&mut ratios);
    let (_, generated, _) = quartiles(&mut per_call.0);
    let (_, raw, _) = quartiles(&mut per_call.1);
    println!(
        "get_profile, paired: generated client + runtime / {baseline}: median {median:.3}× \
         (quartiles {q1:.3}–{q3:.3}; per call {generated:.1?} vs {raw:.1?}; \
         {PAIRED_ROUNDS} rounds of {CALLS_PER_BLOCK} calls each)"
    );
}

fn quartiles<T: PartialOrd + Copy>(values: &mut [T]) -> (T, T, T) {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let at = |q: usize| values[(values.len() - 1) * q / 4];
    (at(1), at(2), at(3))
}

criterion_group!(benches, bench);
criterion_main!(benches);
