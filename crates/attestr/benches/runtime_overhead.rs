//! What the generated client and the runtime cost, against a raw reqwest call and against the
//! client a consumer of the published spec would generate instead. Each variant fetches the same
//! profile from the same loopback server, authenticates, and deserializes the same JSON:
//!
//! - `raw`: reqwest with a prepared URL, the least a call can do, on a client with the runtime's
//!   settings (`Runtime::http_client`: its connect and total timeouts, reqwest's retries off);
//! - `send`: progenitor's generated builder, `client.get_profile().profile_id(id).send()`
//!   (the runtime's hooks run inside it: route check, authentication, retry loop, body limit);
//! - `call`: the project's `.call()` on the same builder, which adds the typed error;
//! - `peer`: the openapi-generator 7.26.0 `rust`/`reqwest` client generated from
//!   `spec/dist/attestr.json` (`benches/peer`), on another client with the runtime's settings,
//!   authenticating through its generated `basic_auth`, and decoding into its own generated
//!   `Profile` (the same schema).
//!
//! All four link the one reqwest of the bench build, so they share its features. One thread runs
//! the server and the clients: no cross-thread wake-ups in the measurement, which on a small
//! shared machine are noisier than the differences being measured.
//!
//! Criterion measures each variant on its own, briefly. On a shared machine the speed drifts
//! between those measurements by more than the differences, so a paired run follows (`cargo
//! bench` only): in each round a block of calls of every variant runs, in an order that rotates
//! each round, and the quartiles of the per-round ratios are printed, sequential and with
//! `CONCURRENT_TASKS` tasks at once.
//!
//! `BENCH_ONLY=<raw|send|call|peer> BENCH_CALLS=<n>` instead makes `WARM_UP_CALLS` calls and then
//! `n` calls of one variant, and exits: for instruction counts per call, run it under
//! `valgrind --tool=callgrind` with two values of `n` and divide the difference of the totals by
//! the difference of `n`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attestr::{Config, types};
use attestr_peer::apis::configuration::Configuration as PeerConfiguration;
use attestr_peer::apis::profiles_api;
use axum::Router;
use axum::routing::get;
use criterion::Criterion;
use progenitor_client::ClientInfo as _;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const PROFILE_ID: &str = "AX1LgghsxZsJZUwYvN";
const PROFILE: &str = r#"{"_id":"AX1LgghsxZsJZUwYvN","tag":"AA-1234","number":"3801-575765-9695","name":"Asha Example","email":"asha@example.test","items":[],"queries":[],"created":1661024715867}"#;
const TOKEN: &str = "bench-token";

/// Rounds of the paired run, and calls per variant per round: sequential calls, or concurrent
/// tasks each making `CALLS_PER_TASK` calls. Short blocks (about 0.4 and 1.3 ms): on a loaded
/// machine a longer block is more often cut by a preemption, which widens the quartiles.
const PAIRED_ROUNDS: usize = 500;
const SEQUENTIAL_CALLS: usize = 20;
const CONCURRENT_TASKS: usize = 32;
const CALLS_PER_TASK: usize = 2;

/// Calls made before counting, in the `BENCH_ONLY` mode.
const WARM_UP_CALLS: usize = 200;

/// The four ways to make the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Raw,
    Send,
    Call,
    Peer,
}

const VARIANTS: [Variant; 4] = [Variant::Raw, Variant::Send, Variant::Call, Variant::Peer];

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Raw => "raw",
            Variant::Send => "send",
            Variant::Call => "call",
            Variant::Peer => "peer",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Variant::Raw => "raw reqwest, runtime's client settings",
            Variant::Send => "progenitor send() with the runtime's hooks",
            Variant::Call => "project .call()",
            Variant::Peer => "openapi-generator 7.26.0 client",
        }
    }

    fn parse(name: &str) -> Option<Variant> {
        VARIANTS.into_iter().find(|variant| variant.name() == name)
    }
}

/// The clients, against one server.
struct Clients {
    project: attestr::Client,
    raw: reqwest::Client,
    peer: PeerConfiguration,
    url: String,
}

impl Clients {
    fn start(runtime: &Runtime) -> Arc<Clients> {
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
        let project = Config::new(TOKEN).base_url(&base).build().unwrap();
        // Each client its own pool, all with the settings the runtime gives its own.
        let runtime_settings = || project.inner().http_client().unwrap();
        let mut peer = PeerConfiguration::new();
        peer.base_path = base.clone();
        peer.client = runtime_settings();
        peer.basic_auth = Some((TOKEN.to_string(), None));
        Arc::new(Clients {
            raw: runtime_settings(),
            peer,
            url: format!("{base}/public/factx/{PROFILE_ID}"),
            project,
        })
    }

    /// One call; the `Profile` comes back as what each variant decodes into.
    async fn call(&self, variant: Variant) {
        match variant {
            Variant::Raw => {
                black_box(self.raw().await);
            }
            Variant::Send => {
                black_box(self.send().await);
            }
            Variant::Call => {
                black_box(self.project_call().await);
            }
            Variant::Peer => {
                black_box(self.peer().await);
            }
        }
    }

    async fn raw(&self) -> types::Profile {
        let response = self
            .raw
            .get(&self.url)
            .header("authorization", "Basic bench-token")
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        let bytes = response.bytes().await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    async fn send(&self) -> types::Profile {
        self.project
            .get_profile()
            .profile_id(PROFILE_ID)
            .send()
            .await
            .unwrap()
            .into_inner()
    }

    async fn project_call(&self) -> types::Profile {
        self.project
            .get_profile()
            .profile_id(PROFILE_ID)
            .call()
            .await
            .unwrap()
            .into_inner()
    }

    async fn peer(&self) -> attestr_peer::models::Profile {
        profiles_api::get_profile(&self.peer, PROFILE_ID)
            .await
            .unwrap()
    }
}

fn single_thread_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn main() {
    let runtime = single_thread_runtime();
    let clients = Clients::start(&runtime);
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        return count_calls(&runtime, &clients, &only);
    }

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
        .configure_from_args();
    let mut group = criterion.benchmark_group("get_profile");
    for variant in VARIANTS {
        group.bench_function(variant.description(), |b| {
            b.iter(|| runtime.block_on(clients.call(variant)))
        });
    }
    group.finish();
    criterion.final_summary();

    // `cargo test --benches` runs this binary without `--bench`, to check that it works.
    if std::env::args().any(|arg| arg == "--bench") {
        paired(&runtime, &clients, Mode::Sequential);
        paired(&runtime, &clients, Mode::Concurrent);
    }
}

/// The `BENCH_ONLY` mode: warm up, make `BENCH_CALLS` calls of one variant, exit.
fn count_calls(runtime: &Runtime, clients: &Clients, only: &str) {
    let variant = Variant::parse(only)
        .unwrap_or_else(|| panic!("BENCH_ONLY={only}: expected one of raw, send, call, peer"));
    let calls: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|calls| calls.parse().ok())
        .expect("BENCH_CALLS=<number of calls> with BENCH_ONLY");
    runtime.block_on(async {
        for _ in 0..WARM_UP_CALLS {
            clients.call(variant).await;
        }
        for _ in 0..calls {
            clients.call(variant).await;
        }
    });
    println!("{} calls of {}", calls, variant.description());
    // What each call's future weighs: a large one is copied (memcpy) as it is built and nested.
    let builder = || clients.project.get_profile().profile_id(PROFILE_ID);
    println!(
        "future sizes in bytes: send() {}, .call() {}, peer get_profile {}",
        std::mem::size_of_val(&builder().send()),
        std::mem::size_of_val(&builder().call()),
        std::mem::size_of_val(&profiles_api::get_profile(&clients.peer, PROFILE_ID)),
    );
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Sequential,
    Concurrent,
}

/// Times one block of `variant`'s calls.
fn time_block(runtime: &Runtime, clients: &Arc<Clients>, variant: Variant, mode: Mode) -> Duration {
    runtime.block_on(async {
        let started = Instant::now();
        match mode {
            Mode::Sequential => {
                for _ in 0..SEQUENTIAL_CALLS {
                    clients.call(variant).await;
                }
            }
            Mode::Concurrent => {
                let mut tasks = JoinSet::new();
                for _ in 0..CONCURRENT_TASKS {
                    let clients = Arc::clone(clients);
                    tasks.spawn(async move {
                        for _ in 0..CALLS_PER_TASK {
                            clients.call(variant).await;
                        }
                    });
                }
                while let Some(done) = tasks.join_next().await {
                    done.unwrap();
                }
            }
        }
        started.elapsed()
    })
}

/// Runs a block of every variant per round, in an order that rotates each round, and prints the
/// quartiles of the per-round ratios and of the time per call.
fn paired(runtime: &Runtime, clients: &Arc<Clients>, mode: Mode) {
    let index = |variant: Variant| VARIANTS.iter().position(|v| *v == variant).unwrap();
    let calls = match mode {
        Mode::Sequential => SEQUENTIAL_CALLS,
        Mode::Concurrent => CONCURRENT_TASKS * CALLS_PER_TASK,
    };
    for round in 0..PAIRED_ROUNDS / 10 {
        time_block(runtime, clients, VARIANTS[round % VARIANTS.len()], mode); // warm-up
    }
    let mut times = vec![Vec::with_capacity(PAIRED_ROUNDS); VARIANTS.len()];
    for round in 0..PAIRED_ROUNDS {
        for offset in 0..VARIANTS.len() {
            let variant = VARIANTS[(round + offset) % VARIANTS.len()];
            let elapsed = time_block(runtime, clients, variant, mode);
            times[index(variant)].push(elapsed.as_secs_f64());
        }
    }
    println!(
        "get_profile, paired, {mode:?}{}: {PAIRED_ROUNDS} rounds of {calls} calls per variant",
        match mode {
            Mode::Sequential => String::new(),
            Mode::Concurrent => format!(" ({CONCURRENT_TASKS} tasks × {CALLS_PER_TASK} calls)"),
        }
    );
    for (over, under) in [
        (Variant::Call, Variant::Raw),
        (Variant::Peer, Variant::Raw),
        (Variant::Call, Variant::Peer),
        (Variant::Send, Variant::Raw),
        (Variant::Call, Variant::Send),
    ] {
        let mut ratios: Vec<f64> = times[index(over)]
            .iter()
            .zip(&times[index(under)])
            .map(|(over, under)| over / under)
            .collect();
        let (q1, median, q3) = quartiles(&mut ratios);
        println!(
            "  {:>4}/{:<4} median {median:.3}× (quartiles {q1:.3}–{q3:.3})",
            over.name(),
            under.name()
        );
    }
    for variant in VARIANTS {
        let mut per_call: Vec<f64> = times[index(variant)]
            .iter()
            .map(|block| block / calls as f64 * 1e6)
            .collect();
        let (q1, median, q3) = quartiles(&mut per_call);
        println!(
            "  {:>4}: median {median:.1} µs per call (quartiles {q1:.1}–{q3:.1}); {}",
            variant.name(),
            variant.description()
        );
    }
}

fn quartiles(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let at = |q: usize| values[(values.len() - 1) * q / 4];
    (at(1), at(2), at(3))
}
