//! The `--state` database keeps its promises: no acknowledged write is lost to `kill -9` under
//! write load, a restart reads back everything the sandbox accepted (deep nesting included), a
//! failed commit leaves nothing applied, a second process on the same file is refused, and an old
//! JSON state file gets a clear error.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sandbox::{Config, Sandbox};
use serde_json::{Value, json};

mod support;
use support::{PX_KEY, create_attestr_profile, create_px_user, get_px_user};

fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "vendor-sandbox-durability-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The test configuration with its state in `dir/state.db`.
fn on_state_file(dir: &Path) -> Config {
    let mut config = Config::ephemeral();
    config.state_file = Some(dir.join("state.db"));
    config
}

/// `vendor-sandbox` as a child process on a free loopback port.
struct Process {
    child: Child,
    url: String,
}

impl Process {
    fn start(state: &Path) -> Result<Self, String> {
        Self::start_in(Path::new("."), state)
    }

    /// Started in the working directory `cwd`, where a relative `state` is.
    fn start_in(cwd: &Path, state: &Path) -> Result<Self, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vendor-sandbox"))
            .current_dir(cwd)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--rate-limit",
                "0",
                "--log-level",
                "error",
            ])
            .arg("--state")
            .arg(state)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        // Keep reading, so that the sandbox never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        match first.trim().strip_prefix("listening on ") {
            Some(url) => Ok(Self {
                child,
                url: url.to_string(),
            }),
            None => {
                let output = child.wait_with_output().unwrap();
                Err(String::from_utf8_lossy(&output.stderr).into_owned())
            }
        }
    }

    /// SIGKILL: no shutdown code runs.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn user(id: &str) -> Value {
    json!({"identifyId": id, "propertyKeys": ["AP-XXXXXXXXXX-2"], "title": "durable"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_write_is_lost_to_kill_9_under_write_load() {
    let dir = temp_dir("kill9");
    let state = dir.join("state.db");
    let http = reqwest::Client::new();
    let mut acknowledged: Vec<String> = Vec::new();
    let next_id = Arc::new(AtomicUsize::new(0));
    for round in 0..5 {
        let process = Process::start(&state).expect("the sandbox restarts on its state");
        // Every write acknowledged before this round's kill is still there.
        let px_url = format!("{}/gainsight-px", process.url);
        for id in &acknowledged {
            let (status, _) = get_px_user(&http, &px_url, PX_KEY, id).await;
            assert_eq!(status, StatusCode::OK, "round {round}: {id} lost");
        }
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let (http, url, next_id) = (http.clone(), process.url.clone(), next_id.clone());
                tokio::spawn(async move {
                    let mut acked = Vec::new();
                    loop {
                        let id = format!("kill9-{}", next_id.fetch_add(1, Ordering::Relaxed));
                        let px_url = format!("{url}/gainsight-px");
                        let sent = create_px_user(&http, &px_url, &user(&id)).send().await;
                        match sent {
                            Ok(response) if response.status() == StatusCode::CREATED => {
                                acked.push(id)
                            }
                            // The process died: this write was never acknowledged.
                            _ => return acked,
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300 + 97 * round)).await;
        process.kill_9();
        for writer in writers {
            acknowledged.extend(writer.await.unwrap());
        }
    }
    assert!(
        acknowledged.len() > 50,
        "too little load: {}",
        acknowledged.len()
    );
    let process = Process::start(&state).unwrap();
    let listed = http
        .get(format!("{}/gainsight-px/v1/users?pageSize=1", process.url))
        .header("x-aptrinsic-api-key", PX_KEY)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(listed["totalHits"].as_u64().unwrap() >= acknowledged.len() as u64);
    process.kill_9();
    // Only the database and SQLite's own journal files: no temporary files of the sandbox.
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    left.retain(|name| !["state.db", "state.db-wal", "state.db-shm"].contains(&name.as_str()));
    assert!(left.is_empty(), "unexpected files: {left:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A JSON object nested `depth` levels deep in total when used as a user's `customAttributes`
/// (the body itself is level 1).
fn nested_user(id: &str, depth: usize) -> Value {
    let mut inner = json!({"leaf": "value"});
    for level in 0..depth.saturating_sub(2) {
        inner = json!({ format!("level{level}"): inner });
    }
    let mut body = user(id);
    body["customAttributes"] = inner;
    body
}

#[tokio::test]
async fn the_deepest_accepted_body_survives_a_restart() {
    let dir = temp_dir("deep");
    let mut config = on_state_file(&dir);
    config.limits.max_json_depth = sandbox::config::MAX_JSON_DEPTH_LIMIT;
    let http = reqwest::Client::new();
    let depth = config.limits.max_json_depth;
    let running = Sandbox::start(config.clone()).await.unwrap();
    let px_url = running.gainsight_px_url();
    let deepest = nested_user("deep", depth);
    let created = create_px_user(&http, &px_url, &deepest).send().await;
    assert_eq!(created.unwrap().status(), StatusCode::CREATED);
    let too_deep = nested_user("deeper", depth + 1);
    let too_deep = create_px_user(&http, &px_url, &too_deep)
        .send()
        .await
        .unwrap();
    assert_eq!(too_deep.status(), StatusCode::BAD_REQUEST);
    let body: Value = too_deep.json().await.unwrap();
    assert!(
        body["externalapierror"]["debugMessage"]
            .as_str()
            .unwrap()
            .contains("--max-json-depth"),
        "{body}"
    );
    running.stop().await.unwrap();

    let restarted = Sandbox::start(config)
        .await
        .expect("a restart reads back what was accepted");
    let (_, read) = get_px_user(&http, &restarted.gainsight_px_url(), PX_KEY, "deep").await;
    assert_eq!(read["customAttributes"], deepest["customAttributes"]);
    restarted.stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_failed_commit_applies_nothing_and_answers_the_vendors_5xx() {
    let dir = temp_dir("commit");
    let config = on_state_file(&dir);
    let running = Sandbox::start(config.clone()).await.unwrap();
    let http = reqwest::Client::new();
    let fault = http
        .post(format!("{}/_sandbox/faults", running.base_url()))
        .json(&json!({"vendor": "gainsight-px", "fail_commit": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), StatusCode::OK);
    let px_url = running.gainsight_px_url();
    let create = || create_px_user(&http, &px_url, &user("uncommitted")).send();
    let failed = create().await.unwrap();
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = failed.json().await.unwrap();
    assert_eq!(
        body["externalapierror"]["status"], "INTERNAL_SERVER_ERROR",
        "{body}"
    );
    let (status, _) = get_px_user(&http, &running.gainsight_px_url(), PX_KEY, "uncommitted").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Other vendors' writes are not affected, and the next write commits.
    assert_eq!(create().await.unwrap().status(), StatusCode::CREATED);
    running.stop().await.unwrap();
    let restarted = Sandbox::start(config).await.unwrap();
    let (after, _) = get_px_user(&http, &restarted.gainsight_px_url(), PX_KEY, "uncommitted").await;
    assert_eq!(after, StatusCode::OK, "the retried write committed");
    restarted.stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_fault_fails_only_its_vendors_writes_not_concurrent_writes_of_another_vendor() {
    const WRITES: usize = 24;
    let dir = temp_dir("per-vendor");
    let mut config = on_state_file(&dir);
    config.gainsight_px_rate_limit = 0;
    let running = Sandbox::start(config.clone()).await.unwrap();
    let http = reqwest::Client::new();
    let fault = http
        .post(format!("{}/_sandbox/faults", running.base_url()))
        .json(&json!({"vendor": "attestr", "fail_commit": true, "count": WRITES}))
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), StatusCode::OK);
    // Both vendors write at once: on a state file each commit syncs, and the writes that queue
    // meanwhile reach the writer together.
    let mut attestr = Vec::new();
    let mut px = Vec::new();
    for n in 0..WRITES {
        let (client, url) = (http.clone(), running.attestr_url());
        attestr.push(tokio::spawn(async move {
            let body = json!({"tag": "T", "name": format!("faulted {n}")});
            let response = create_attestr_profile(&client, &url, &body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }));
        let (client, url) = (http.clone(), running.gainsight_px_url());
        px.push(tokio::spawn(async move {
            create_px_user(&client, &url, &user(&format!("beside-{n}")))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for write in attestr {
        let (status, body) = write.await.unwrap();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert_eq!(body["code"], 5001, "{body}");
    }
    for (n, write) in px.into_iter().enumerate() {
        assert_eq!(write.await.unwrap(), StatusCode::CREATED, "beside-{n}");
    }
    running.stop().await.unwrap();
    let restarted = Sandbox::start(config).await.unwrap();
    for n in 0..WRITES {
        let id = format!("beside-{n}");
        let (status, read) = get_px_user(&http, &restarted.gainsight_px_url(), PX_KEY, &id).await;
        assert_eq!(status, StatusCode::OK, "{id} was acknowledged, then lost");
        assert_eq!(read["identifyId"], id.as_str());
    }
    restarted.stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_second_process_on_the_same_state_file_is_refused() {
    let dir = temp_dir("second");
    let state = dir.join("state.db");
    let config = on_state_file(&dir);
    let running = Sandbox::start(config.clone()).await.unwrap();
    let started = Instant::now();
    let refused = Process::start(&state)
        .err()
        .expect("a second process must not start");
    assert!(
        refused.contains("another vendor-sandbox is using this state file"),
        "{refused}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let Err(in_process) = Sandbox::start(config.clone()).await else {
        panic!("a second sandbox in the same process must not start either");
    };
    assert!(in_process.to_string().contains("another vendor-sandbox"));
    running.stop().await.unwrap();
    // Once the first one stopped, the file is free.
    Sandbox::start(config).await.unwrap().stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_state_path_that_starts_with_file_colon_is_that_file_not_an_sqlite_uri() {
    // SQLite (bundled, with URIs on) would read `file:state.db` as the URI of `state.db`: the
    // state would live in another file than the one named and locked, and a second process on
    // `state.db` would not be refused.
    let dir = temp_dir("file-colon");
    let process = Process::start_in(&dir, Path::new("file:state.db")).unwrap();
    let http = reqwest::Client::new();
    let px_url = format!("{}/gainsight-px", process.url);
    let created = create_px_user(&http, &px_url, &user("named")).send().await;
    assert_eq!(created.unwrap().status(), StatusCode::CREATED);
    let second = Process::start_in(&dir, Path::new("./file:state.db"))
        .err()
        .expect("a second process on the same file must not start");
    assert!(
        second.contains("another vendor-sandbox is using this state file"),
        "{second}"
    );
    process.kill_9();
    let named = std::fs::read(dir.join("file:state.db")).unwrap();
    assert!(
        named.starts_with(b"SQLite format 3\0"),
        "the file named holds the state ({} bytes)",
        named.len()
    );
    assert!(!dir.join("state.db").exists(), "no state in another file");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_old_json_state_file_gets_a_clear_error_and_is_left_alone() {
    let dir = temp_dir("json");
    let state = dir.join("state.json");
    let old = br#"{"format": 1, "clock": {"offset_secs": 0}}"#;
    std::fs::write(&state, old).unwrap();
    let mut config = Config::ephemeral();
    config.state_file = Some(state.clone());
    let Err(error) = Sandbox::start(config).await else {
        panic!("a JSON state file must be refused");
    };
    assert!(
        error
            .to_string()
            .contains("JSON state file of an older vendor-sandbox"),
        "{error}"
    );
    assert_eq!(std::fs::read(&state).unwrap(), old);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_under_its_limit_under_sustained_writes_and_reads() {
    const LIMIT: u64 = 1024 * 1024;
    let dir = temp_dir("wal");
    let state = dir.join("state.db");
    let wal = PathBuf::from(format!("{}-wal", state.display()));
    let mut config = on_state_file(&dir);
    config.gainsight_px_rate_limit = 0;
    config.limits.wal_limit_bytes = LIMIT;
    let sandbox = Sandbox::start(config).await.unwrap();
    let http = reqwest::Client::new();
    let url = sandbox.gainsight_px_url();
    for writer in 0..8 {
        let created = create_px_user(&http, &url, &user(&format!("w{writer}")))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    // 8 writers with 16 KiB updates (about 24 MB in all, many times the limit) and 2 readers,
    // all at once; the WAL's size is sampled after every answer.
    let largest = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let filler = "x".repeat(16 * 1024);
    let mut tasks = Vec::new();
    for task in 0..10 {
        let (http, url, wal, largest, filler) = (
            http.clone(),
            url.clone(),
            wal.clone(),
            largest.clone(),
            filler.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let id = format!("w{}", task % 8);
            for round in 0..180 {
                let status = if task < 8 {
                    http.put(format!("{url}/v1/users/{id}"))
                        .header("x-aptrinsic-api-key", PX_KEY)
                        .json(&json!({"customAttributes": {"round": round, "filler": filler}}))
                        .send()
                        .await
                        .unwrap()
                        .status()
                } else {
                    get_px_user(&http, &url, PX_KEY, &id).await.0
                };
                assert!(status.is_success(), "{status}");
                let size = std::fs::metadata(&wal).map_or(0, |metadata| metadata.len());
                largest.fetch_max(size, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let largest = largest.load(Ordering::Relaxed);
    assert!(largest > 0, "the WAL was sampled");
    assert!(
        largest < LIMIT,
        "the WAL reached {largest} bytes, over its limit of {LIMIT}"
    );
    sandbox.stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
