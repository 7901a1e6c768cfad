//! The limits that keep one client from exhausting the sandbox, and the test hooks other suites
//! rely on: header-read and idle timeouts, per-credential rate limits and the daily quota, the
//! record cap, per-vendor faults and the request log (its log lines: `request_logging.rs`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sandbox::{Config, RecordedRequest, RunningSandbox, Sandbox, Vendor};
use serde_json::{Value, json};

mod support;
use support::{PX_KEY, create_attestr_profile, create_px_user, get_px_user};

async fn start(config: Config) -> RunningSandbox {
    Sandbox::start(config).await.expect("the sandbox starts")
}

/// Reads until the peer closes the connection (or `limit` passes); when it closed.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_cut_by_the_header_timeout() {
    let mut config = Config::ephemeral();
    config.limits.header_timeout = Duration::from_secs(1);
    config.limits.idle_timeout = Duration::from_secs(30);
    let sandbox = start(config).await;
    let addr = sandbox.addr();
    let cut = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        let head = b"GET /gainsight-px/v1/users HTTP/1.1\r\nHost: sandbox\r\nX-Slow: ";
        let started = Instant::now();
        // One byte every 200 ms: always active, never a complete head.
        for byte in head
            .iter()
            .chain(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            if started.elapsed() > Duration::from_secs(6) {
                break;
            }
        }
        closed_within(&mut stream, Duration::from_secs(1)).map(|_| started.elapsed())
    })
    .await
    .unwrap();
    let cut = cut.expect("the connection was closed");
    assert!(
        cut >= Duration::from_millis(900) && cut < Duration::from_secs(5),
        "{cut:?}"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_but_a_slow_handler_is_not() {
    let mut config = Config::ephemeral();
    config.limits.header_timeout = Duration::from_secs(30);
    config.limits.idle_timeout = Duration::from_millis(500);
    let sandbox = start(config).await;
    // A handler that takes longer than the idle timeout (an injected delay) still answers.
    let slow = reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .json(&json!({"vendor": "gainsight-px", "delay_ms": 1200}))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.status(), StatusCode::OK);
    let addr = sandbox.addr();
    let (answered, closed) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(
                b"GET /gainsight-px/v1/users/nobody HTTP/1.1\r\nHost: sandbox\r\nX-APTRINSIC-API-KEY: sandbox-px-key\r\n\r\n",
            )
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buffer = [0u8; 4096];
        let read = stream.read(&mut buffer).unwrap();
        let answered = String::from_utf8_lossy(&buffer[..read]).into_owned();
        // Keep-alive: the connection stays open, then goes idle and is closed.
        (answered, closed_within(&mut stream, Duration::from_secs(5)))
    })
    .await
    .unwrap();
    assert!(answered.starts_with("HTTP/1.1 404"), "{answered}");
    let closed = closed.expect("the idle connection was closed");
    assert!(closed < Duration::from_secs(3), "{closed:?}");
    sandbox.stop().await.unwrap();
}

async fn get_user(http: &reqwest::Client, sandbox: &RunningSandbox, key: &str) -> StatusCode {
    get_px_user(http, &sandbox.gainsight_px_url(), key, "nobody")
        .await
        .0
}

#[tokio::test]
async fn the_rate_limit_is_per_credential_and_after_authentication() {
    let mut config = Config::ephemeral();
    config.credentials.gainsight_px_api_keys = vec![PX_KEY.to_string(), "second-key".to_string()];
    config.gainsight_px_rate_limit = 20;
    let sandbox = start(config).await;
    let http = reqwest::Client::new();
    // A flood of wrong keys is refused as unauthorized and uses no valid key's budget.
    for _ in 0..200 {
        assert_eq!(
            get_user(&http, &sandbox, "wrong-key").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let mut first = Vec::new();
    for _ in 0..40 {
        first.push(get_user(&http, &sandbox, PX_KEY).await);
    }
    assert_eq!(
        first[0],
        StatusCode::NOT_FOUND,
        "the valid key was not starved"
    );
    let limited = first
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(limited >= 10, "only {limited} of 40 were limited");
    assert_eq!(
        get_user(&http, &sandbox, "second-key").await,
        StatusCode::NOT_FOUND,
        "each key has its own budget"
    );
    let (_, body) = get_px_user(&http, &sandbox.gainsight_px_url(), PX_KEY, "nobody").await;
    assert_eq!(
        body["externalapierror"]["message"], "Rate limit exceeded",
        "{body}"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_daily_quota_resets_the_next_day() {
    let mut config = Config::ephemeral();
    config.gainsight_px_rate_limit = 0;
    config.gainsight_px_daily_quota = 5;
    config.clock_start_unix_secs = Some(1_700_000_000 - 1_700_000_000 % 86_400 + 3600);
    let sandbox = start(config).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(get_user(&http, &sandbox, PX_KEY).await);
    }
    let expected = [
        [StatusCode::NOT_FOUND; 5].as_slice(),
        &[StatusCode::TOO_MANY_REQUESTS],
    ];
    assert_eq!(statuses, expected.concat(), "five calls a day, then 429");
    http.post(format!("{}/_sandbox/clock", sandbox.base_url()))
        .json(&json!({"advance_secs": 86_400}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        get_user(&http, &sandbox, PX_KEY).await,
        StatusCode::NOT_FOUND
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn creates_past_the_record_cap_get_each_vendors_error() {
    // The cap counts records in memory (no `--state`) and in a state file.
    let dir = std::env::temp_dir().join(format!("vendor-sandbox-test-cap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for state_file in [None, Some(dir.join("state.db"))] {
        let mut config = Config::ephemeral();
        config.limits.max_records_per_vendor = 2;
        config.state_file = state_file;
        records_past_the_cap_are_refused(config).await;
    }
    std::fs::remove_dir_all(dir).unwrap();
}

async fn records_past_the_cap_are_refused(config: Config) {
    let sandbox = start(config).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for id in ["one", "two", "three"] {
        let user = json!({"identifyId": id, "propertyKeys": ["AP-X-2"]});
        let response = create_px_user(&http, &sandbox.gainsight_px_url(), &user)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if id == "three" {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["externalapierror"]["status"], "BAD_REQUEST", "{body}");
            assert!(
                body["externalapierror"]["debugMessage"]
                    .as_str()
                    .unwrap()
                    .contains("--max-records"),
                "{body}"
            );
        }
    }
    assert_eq!(statuses, [201, 201, 400]);
    // A hard delete frees a slot.
    let deleted = http
        .delete(format!(
            "{}/v1/users/one?hardDelete=true",
            sandbox.gainsight_px_url()
        ))
        .header("x-aptrinsic-api-key", PX_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);

    let attestr_url = sandbox.attestr_url();
    let attestr = |name: &str| {
        create_attestr_profile(&http, &attestr_url, &json!({"tag": "T", "name": name})).send()
    };
    assert_eq!(attestr("a").await.unwrap().status(), StatusCode::OK);
    assert_eq!(attestr("b").await.unwrap().status(), StatusCode::OK);
    let refused: Value = attestr("c").await.unwrap().json().await.unwrap();
    assert_eq!(refused["code"], 4005, "{refused}");

    // Trust holds its sample identity: one token fits, the next does not.
    let token = || {
        http.post(format!("{}/oauth/token/", sandbox.atenea_url()))
            .json(&json!({"client_id": "sandbox-client", "client_secret": "sandbox-secret", "grant_type": "client_credentials"}))
            .send()
    };
    assert_eq!(token().await.unwrap().status(), StatusCode::OK);
    let refused = token().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["resource"], "Token", "{refused}");
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn faults_are_per_vendor_and_the_request_log_lists_what_each_vendor_received() {
    let mut config = Config::ephemeral();
    config.limits.request_log_capacity = 5;
    let sandbox = start(config).await;
    let http = reqwest::Client::new();
    let admin = |path: &'static str, body: Value| {
        http.post(format!("{}/_sandbox/{path}", sandbox.base_url()))
            .json(&body)
            .send()
    };
    admin(
        "faults",
        json!({"vendor": "attestr", "status": 503, "count": 2}),
    )
    .await
    .unwrap();
    admin("requests/clear", json!({})).await.unwrap();
    // PX is not affected by Attestr's faults.
    assert_eq!(
        get_user(&http, &sandbox, PX_KEY).await,
        StatusCode::NOT_FOUND
    );
    let profile = http
        .get(format!("{}/public/factx/AX%2Fodd", sandbox.attestr_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::SERVICE_UNAVAILABLE);
    http.delete(format!(
        "{}/v1/users/a%40b?hardDelete=true",
        sandbox.gainsight_px_url()
    ))
    .header("x-aptrinsic-api-key", PX_KEY)
    .send()
    .await
    .unwrap();
    let listed: Vec<Value> = http
        .get(format!("{}/_sandbox/requests", sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed,
        vec![
            json!({"vendor": "gainsight-px", "method": "GET", "path": "/gainsight-px/v1/users/nobody", "query": null, "status": 404}),
            json!({"vendor": "attestr", "method": "GET", "path": "/attestr/api/v1/public/factx/AX%2Fodd", "query": null, "status": 503}),
            json!({"vendor": "gainsight-px", "method": "DELETE", "path": "/gainsight-px/v1/users/a%40b", "query": "hardDelete=true", "status": 404}),
        ]
    );
    let in_process: Vec<RecordedRequest> = sandbox.requests();
    assert_eq!(in_process.len(), 3);
    assert_eq!(in_process[1].vendor, Vendor::Attestr);
    // Bounded: only the last five are kept.
    for _ in 0..10 {
        get_user(&http, &sandbox, PX_KEY).await;
    }
    assert_eq!(sandbox.requests().len(), 5);
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn inject_failures_follows_the_fault_endpoints_rules() {
    let sandbox = start(Config::ephemeral()).await;
    assert_eq!(sandbox.inject_failures(Vendor::Trust, 503, 2), Ok(2));
    assert_eq!(sandbox.inject_failures(Vendor::Trust, 429, 1), Ok(3));
    for (status, count) in [(503, 0), (404, 1), (200, 1), (500, 100_001)] {
        let refused = sandbox.inject_failures(Vendor::Trust, status, count);
        assert!(
            refused.is_err(),
            "status {status}, count {count}: {refused:?}"
        );
    }
    let statuses: Vec<u16> = {
        let http = reqwest::Client::new();
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let response = http
                .get(format!("{}/identity", sandbox.trust_index_url()))
                .send()
                .await
                .unwrap();
            statuses.push(response.status().as_u16());
        }
        statuses
    };
    assert_eq!(
        statuses,
        [503, 503, 429, 401],
        "the refused requests queued nothing"
    );
    sandbox.stop().await.unwrap();
}

/// Sends `request` on a new connection and reads the answer until the sandbox closes it or
/// `limit` passes: the status line and the body.
fn raw_exchange(addr: std::net::SocketAddr, request: &[u8], limit: Duration) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}

#[tokio::test]
async fn admin_writes_need_a_json_content_type_so_a_web_page_cannot_reset_the_state() {
    let sandbox = start(Config::ephemeral()).await;
    let http = reqwest::Client::new();
    let px_url = sandbox.gainsight_px_url();
    let kept = json!({"identifyId": "kept", "propertyKeys": ["AP-X-2"]});
    let created = create_px_user(&http, &px_url, &kept).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let admin = |path: &str| format!("{}/_sandbox/{path}", sandbox.base_url());
    // What a cross-origin page can send without a preflight: text/plain, a form, no type.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        for (path, body) in [
            ("reset", ""),
            ("reset", "{}"),
            ("requests/clear", ""),
            (
                "faults",
                r#"{"vendor": "attestr", "status": 503, "count": 1}"#,
            ),
            ("clock", r#"{"advance_secs": 60}"#),
        ] {
            let mut request = http.post(admin(path)).body(body);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{path} with {content_type:?}"
            );
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].is_string(), "{body}");
        }
    }
    let (status, _) = get_px_user(&http, &px_url, PX_KEY, "kept").await;
    assert_eq!(status, StatusCode::OK, "nothing was reset");
    // A JSON request, which a page cannot send cross-origin without a preflight, resets.
    let reset = http
        .post(admin("reset"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    let (status, _) = get_px_user(&http, &px_url, PX_KEY, "kept").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A wrong method on an admin route: 405 with `Allow`, in the admin shape.
    let wrong = http.get(admin("reset")).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong.headers().contains_key("allow"));
    let body: Value = wrong.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_too_large_get_431_in_the_sandbox_error_shape() {
    let sandbox = start(Config::ephemeral()).await;
    let addr = sandbox.addr();
    // More headers than hyper reads (100): hyper refuses the head itself.
    let many: String = (0..200).map(|i| format!("X-Filler-{i}: x\r\n")).collect();
    for extra in [many] {
        let request =
            format!("GET /_sandbox/clock HTTP/1.1\r\nHost: sandbox\r\n{extra}\r\n").into_bytes();
        let (status, body) = tokio::task::spawn_blocking(move || {
            raw_exchange(addr, &request, Duration::from_secs(5))
        })
        .await
        .unwrap();
        assert!(status.starts_with("HTTP/1.1 431"), "{status}");
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body:?}"));
        assert_eq!(body["error"], "Request headers are too large");
    }
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_give_way_to_a_new_client_at_the_cap() {
    let mut config = Config::ephemeral();
    config.limits.max_connections = 4;
    // Long enough that only giving way, not the idle timeout, can let the new client in.
    config.limits.idle_timeout = Duration::from_secs(60);
    let sandbox = start(config).await;
    let addr = sandbox.addr();
    // Fill every slot with a keep-alive connection that made one request and went quiet.
    let idle: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..4)
            .map(|_| {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream
                    .write_all(b"GET /_sandbox/clock HTTP/1.1\r\nHost: sandbox\r\n\r\n")
                    .unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut buffer = [0u8; 4096];
                let read = stream.read(&mut buffer).unwrap();
                assert!(buffer[..read].starts_with(b"HTTP/1.1 200"));
                stream
            })
            .collect()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let answered = tokio::time::timeout(
        Duration::from_secs(5),
        reqwest::Client::new()
            .get(format!("{}/_sandbox/clock", sandbox.base_url()))
            .send(),
    )
    .await
    .expect("a new client is served while idle connections fill the cap")
    .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
    sandbox.stop().await.unwrap();
}
