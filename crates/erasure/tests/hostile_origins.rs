//! `vendor-erase` against small loopback servers that misbehave: a base URL that redirects to
//! another origin, catch-alls that answer `200 {}` or an HTML page to everything, a success whose
//! body drips or is cut short, and a 5xx before a not-found. None of them may end in an outcome
//! the vendor did not prove, and the one rule for "an earlier attempt may have acted" gives the
//! same outcome within one send and across sends.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use erasure::clients::Clients;
use erasure::journal::Journal;
use erasure::progress::Silent;
use erasure::report::Report;
use erasure::run::{RunOptions, StopSignal, run};
use erasure::subjects::read_subjects;
use erasure::vendor::Vendor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vendor_runtime::CallOptions;

const PX_ID: &str = "jdoe@example.test";
const ATTESTR_ID: &str = "AXhostile00000001";
const TRUST_ID: &str = "0000aaaa-0000-4000-8000-00000000e7a5";
const PX_KEY: &str = "px-key-must-stay-home";

/// One request a test server received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Received {
    fn is_erasure(&self) -> bool {
        (self.method == "DELETE") || (self.method == "PUT" && self.path.ends_with("/archive"))
    }
}

/// What a test server answers.
enum Reply {
    /// A whole response.
    Whole {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// 200 with `Content-Length: 1000000`, one byte at a time until the client leaves.
    Drip,
    /// 200 with `Content-Length: 1000`, ten bytes, then the connection is closed.
    Cut,
}

fn json(status: u16, body: serde_json::Value) -> Reply {
    Reply::Whole {
        status,
        headers: vec![("content-type", "application/json".to_string())],
        body: body.to_string().into_bytes(),
    }
}

type Handler = dyn Fn(&Received, usize) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server whose handler sees each request and how many requests with the
/// same method and path came before it. Stopped on drop.
struct Server {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn({
            let received = received.clone();
            async move {
                let mut connections = tokio::task::JoinSet::new();
                while let Ok((stream, _)) = listener.accept().await {
                    connections.spawn(serve(stream, handler.clone(), received.clone()));
                }
            }
        });
        Server {
            url,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Dropping the accept loop drops its `JoinSet`, which aborts every connection.
        self.task.abort();
    }
}

/// Serves one request on `stream`, then closes it.
async fn serve(mut stream: TcpStream, handler: Arc<Handler>, received: Arc<Mutex<Vec<Received>>>) {
    let mut buffer = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let Ok(read) = stream.read(&mut chunk).await else {
            return;
        };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let path = request_line.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    }
    let request = Received {
        method,
        path,
        headers,
    };
    let earlier = {
        let mut received = received.lock().unwrap();
        let earlier = received
            .iter()
            .filter(|r| r.method == request.method && r.path == request.path)
            .count();
        received.push(request.clone());
        earlier
    };
    match handler(&request, earlier) {
        Reply::Whole {
            status,
            headers,
            body,
        } => {
            let mut response = format!("HTTP/1.1 {status} X\r\nconnection: close\r\n");
            for (name, value) in headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
            let mut bytes = response.into_bytes();
            bytes.extend_from_slice(&body);
            let _ = stream.write_all(&bytes).await;
        }
        Reply::Drip => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..1_000_000 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
            }
        }
        Reply::Cut => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"body\": {";
            let _ = stream.write_all(head.as_bytes()).await;
        }
    }
    let _ = stream.shutdown().await;
}

/// The vendors' documented answers to the reads that check a base URL, and to a token request;
/// `None` for anything else.
fn documented_read(request: &Received) -> Option<Reply> {
    let path = request.path.as_str();
    if path.starts_with("/atenea/oauth/token") {
        return Some(json(
            200,
            serde_json::json!({"access_token": "token-must-stay-home", "token_type": "Bearer", "expires_in": 7200, "created_at": unix_now()}),
        ));
    }
    if request.method != "GET" {
        return None;
    }
    if path.starts_with("/px/v1/users?") {
        return Some(json(
            200,
            serde_json::json!({"users": [], "totalHits": 0, "scrollId": null}),
        ));
    }
    if path.starts_with("/attestr/api/v1/public/factx/") {
        return Some(json(
            400,
            serde_json::json!({"code": 40018, "message": "Invalid profile Id or you do not have access to this record"}),
        ));
    }
    if path.starts_with("/trust/index/v1/identity?") {
        return Some(json(
            200,
            serde_json::json!({"code": 200, "resource": "Identity", "data": []}),
        ));
    }
    None
}

/// The vendors' documented "already done" answers to an erasure: Attestr's 40038, Trust's and
/// PX's not-found.
fn documented_absent(request: &Received) -> Reply {
    if request.path.starts_with("/attestr/") {
        json(
            400,
            serde_json::json!({"code": 40038, "message": "Profile is archived already, operation not allowed"}),
        )
    } else if request.path.starts_with("/trust/") {
        json(
            404,
            serde_json::json!({"code": 404, "resource": "Identity", "message": "Not found in database neither in former documents"}),
        )
    } else {
        json(
            404,
            serde_json::json!({"externalapierror": {"status": "NOT_FOUND", "message": format!("User was not found for parameters {{id={PX_ID}}}"), "debugMessage": null, "subErrors": null}}),
        )
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Clients for `vendors`, every base URL on `server_url`.
fn clients(server_url: &str, vendors: &[Vendor]) -> Clients {
    let env: BTreeMap<&str, String> = BTreeMap::from([
        (
            "ATTESTR_AUTH_TOKEN",
            "attestr-token-must-stay-home".to_string(),
        ),
        ("ATTESTR_BASE_URL", format!("{server_url}/attestr/api/v1")),
        ("TRUST_CLIENT_ID", "client-id".to_string()),
        (
            "TRUST_CLIENT_SECRET",
            "client-secret-must-stay-home".to_string(),
        ),
        (
            "TRUST_INDEX_BASE_URL",
            format!("{server_url}/trust/index/v1"),
        ),
        ("TRUST_ATENEA_BASE_URL", format!("{server_url}/atenea")),
        ("GAINSIGHT_PX_API_KEY", PX_KEY.to_string()),
        ("GAINSIGHT_PX_BASE_URL", format!("{server_url}/px")),
    ]);
    let lookup = move |name: &str| env.get(name).map(OsString::from);
    Clients::from_vars(
        vendor_runtime::Vars::from_fn(&lookup),
        &vendors.iter().copied().collect(),
    )
    .unwrap()
}

/// One subject with an id at each of `vendors`; runs it against the server at `server_url`, up
/// to `max_sends` sends a step and `max_retries` retries inside a send, and returns the report
/// (ids revealed).
async fn erase(server_url: &str, vendors: &[Vendor], max_sends: u32, max_retries: u32) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let id = |vendor| {
        if vendors.contains(&vendor) {
            match vendor {
                Vendor::Attestr => ATTESTR_ID,
                Vendor::Trust => TRUST_ID,
                Vendor::GainsightPx => PX_ID,
            }
        } else {
            ""
        }
    };
    let subjects = dir.path().join("subjects.csv");
    std::fs::write(
        &subjects,
        format!(
            "subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\nDSR-1,{},{},{}\n",
            id(Vendor::Attestr),
            id(Vendor::Trust),
            id(Vendor::GainsightPx)
        ),
    )
    .unwrap();
    let subjects = read_subjects(&subjects).unwrap();
    let journal = dir.path().join("journal.db");
    let opened = Journal::open_for_run(&journal, &subjects).unwrap();
    let options = RunOptions {
        max_sends,
        resend_delay: Duration::from_millis(10),
        ..RunOptions::default()
    };
    // Fast retries inside a send, and a short per-attempt timeout.
    let call_options = CallOptions {
        max_retries: Some(max_retries),
        timeout: Some(Duration::from_millis(400)),
        ..CallOptions::default()
    };
    let clients = clients(server_url, vendors);
    let stop = StopSignal::default();
    call_options
        .scope(run(opened, &clients, &options, &Silent, &stop))
        .await
        .unwrap();
    Report::from_journal(&Journal::open_read_only(&journal).unwrap(), true).unwrap()
}

/// Each step of the report: its vendor, outcome, and problem message.
fn steps(report: &Report) -> Vec<(Vendor, Option<String>, Option<String>, u32)> {
    report.subjects[0]
        .steps
        .iter()
        .map(|step| {
            (
                step.vendor,
                step.outcome.clone(),
                step.problem.as_ref().map(|problem| problem.message.clone()),
                step.sends,
            )
        })
        .collect()
}

const PX_AND_ATTESTR: [Vendor; 2] = [Vendor::Attestr, Vendor::GainsightPx];

#[tokio::test]
async fn a_redirect_is_never_followed_and_proves_nothing() {
    let elsewhere = Server::start(|_, _| json(200, serde_json::json!({}))).await;
    let target = elsewhere.url.clone();
    let target_host = target.trim_start_matches("http://").to_string();
    // The checks pass; every erasure is redirected to the other origin, path and all.
    let base = Server::start(move |request, _| {
        documented_read(request).unwrap_or_else(|| Reply::Whole {
            status: 307,
            headers: vec![("location", format!("{target}{}", request.path))],
            body: Vec::new(),
        })
    })
    .await;
    let report = erase(&base.url, &Vendor::ALL, 2, 1).await;
    assert_eq!(base.received().iter().filter(|r| r.is_erasure()).count(), 3);
    assert!(
        elsewhere.received().is_empty(),
        "the other origin got {:?}",
        elsewhere.received()
    );
    for (vendor, outcome, problem, _) in steps(&report) {
        assert_eq!(outcome, None, "{vendor}");
        let problem = problem.unwrap_or_default();
        assert!(
            problem.contains("redirect") && problem.contains(&format!("`{target_host}`")),
            "{vendor}: {problem}"
        );
        for id in [
            PX_ID,
            ATTESTR_ID,
            TRUST_ID,
            "/v1/",
            "/public/",
            "/identity/",
        ] {
            assert!(!problem.contains(id), "{vendor}: {problem}");
        }
    }

    // A base URL that redirects everything fails its check: nothing at all reaches the other
    // origin (no X-APTRINSIC-API-KEY), and nothing is sent beyond the check.
    let target = elsewhere.url.clone();
    let base = Server::start(move |request, _| Reply::Whole {
        status: 307,
        headers: vec![("location", format!("{target}{}", request.path))],
        body: Vec::new(),
    })
    .await;
    let report = erase(&base.url, &PX_AND_ATTESTR, 2, 1).await;
    assert!(elsewhere.received().is_empty());
    assert!(!base.received().iter().any(Received::is_erasure));
    let px_requests: Vec<_> = base
        .received()
        .into_iter()
        .filter(|r| r.path.starts_with("/px/"))
        .collect();
    assert!(px_requests.iter().all(|r| {
        r.headers
            .iter()
            .any(|(name, value)| name == "x-aptrinsic-api-key" && value == PX_KEY)
    }));
    for (vendor, outcome, problem, sends) in steps(&report) {
        assert_eq!((outcome, sends), (None, 0), "{vendor}");
        let problem = problem.unwrap_or_default();
        assert!(
            problem.contains("did not prove") && problem.contains("redirect"),
            "{vendor}: {problem}"
        );
    }
}

#[tokio::test]
async fn a_catch_all_base_url_gets_no_erasure_and_every_step_says_why() {
    let html = || Reply::Whole {
        status: 200,
        headers: vec![("content-type", "text/html".to_string())],
        body: b"<html><body>Welcome</body></html>".to_vec(),
    };
    for (name, server) in [
        (
            "200 {}",
            Server::start(|_, _| json(200, serde_json::json!({}))).await,
        ),
        ("200 text/html", Server::start(move |_, _| html()).await),
    ] {
        let report = erase(&server.url, &Vendor::ALL, 2, 1).await;
        let received = server.received();
        assert!(
            !received.iter().any(Received::is_erasure),
            "{name}: {received:?}"
        );
        for vendor_prefix in ["/px/", "/attestr/", "/atenea/"] {
            assert!(
                received.iter().any(|r| r.path.starts_with(vendor_prefix)),
                "{name}: the check of {vendor_prefix} was sent: {received:?}"
            );
        }
        for (vendor, outcome, problem, sends) in steps(&report) {
            assert_eq!((outcome, sends), (None, 0), "{name} {vendor}");
            let problem = problem.unwrap_or_default();
            assert!(
                problem.contains("not sent") && problem.contains("did not prove"),
                "{name} {vendor}: {problem}"
            );
        }
    }
}

/// A users page that the generated type reads (it defaults a missing `users` list) but that
/// lacks fields Gainsight PX documents, or holds no user while it counts one.
#[tokio::test]
async fn a_px_users_page_without_its_documented_fields_gets_no_erasure() {
    for (page, why) in [
        (serde_json::json!({"totalHits": 0}), "lacks `scrollId`"),
        (
            serde_json::json!({"users": [], "totalHits": 0}),
            "lacks `scrollId`",
        ),
        (
            serde_json::json!({"totalHits": 1, "scrollId": null}),
            "not one Gainsight PX would send",
        ),
    ] {
        let answer = page.clone();
        let server = Server::start(move |request, _| {
            if request.method == "GET" && request.path.starts_with("/px/v1/users?") {
                json(200, answer.clone())
            } else {
                documented_absent(request)
            }
        })
        .await;
        let px = [Vendor::GainsightPx];
        let report = erase(&server.url, &px, 2, 1).await;
        let received = server.received();
        assert!(
            received.len() == 1 && !received[0].is_erasure(),
            "{page}: only the check was sent: {received:?}"
        );
        let steps = steps(&report);
        assert_eq!(steps.len(), 1, "{page}");
        for (vendor, outcome, problem, sends) in steps {
            assert_eq!(
                (vendor, outcome, sends),
                (Vendor::GainsightPx, None, 0),
                "{page}"
            );
            let problem = problem.unwrap_or_default();
            assert!(
                problem.contains("not sent")
                    && problem.contains("did not prove")
                    && problem.contains(why),
                "{page}: {problem}"
            );
        }
    }
}

/// A server whose checks pass, whose first erasure per route answers `first`, and whose later
/// ones answer the documented "already done".
async fn first_erasure_answers(first: fn() -> Reply) -> Server {
    Server::start(move |request, earlier| {
        if let Some(read) = documented_read(request) {
            return read;
        }
        if earlier == 0 {
            first()
        } else {
            documented_absent(request)
        }
    })
    .await
}

#[tokio::test]
async fn a_success_body_that_drips_or_breaks_off_proves_nothing_until_sent_again() {
    for (name, first) in [
        ("drip", (|| Reply::Drip) as fn() -> Reply),
        ("cut", || Reply::Cut),
    ] {
        // One send gets the broken success and nothing else: no outcome.
        let server = first_erasure_answers(first).await;
        let report = erase(&server.url, &PX_AND_ATTESTR, 1, 0).await;
        for (vendor, outcome, problem, sends) in steps(&report) {
            assert_eq!((outcome, sends), (None, 1), "{name} {vendor}: {problem:?}");
            assert!(problem.is_some(), "{name} {vendor}");
        }

        // Sent again (the next send of the run), it ends in the idempotent outcome.
        let server = first_erasure_answers(first).await;
        let report = erase(&server.url, &PX_AND_ATTESTR, 2, 0).await;
        let outcomes: Vec<_> = steps(&report)
            .into_iter()
            .map(|(vendor, outcome, _, sends)| (vendor, outcome, sends))
            .collect();
        assert_eq!(
            outcomes,
            [
                (Vendor::Attestr, Some("already_archived".to_string()), 2),
                (
                    Vendor::GainsightPx,
                    Some("deleted_or_already_absent".to_string()),
                    2
                ),
            ],
            "{name}"
        );

        // Retried within one send by the runtime, the same.
        let server = first_erasure_answers(first).await;
        let report = erase(&server.url, &PX_AND_ATTESTR, 1, 1).await;
        let outcomes: Vec<_> = steps(&report)
            .into_iter()
            .map(|(vendor, outcome, _, _)| (vendor, outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                (Vendor::Attestr, Some("already_archived".to_string())),
                (
                    Vendor::GainsightPx,
                    Some("deleted_or_already_absent".to_string())
                ),
            ],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_5xx_then_not_found_is_the_same_outcome_within_one_send_and_across_sends() {
    let busy = || json(503, serde_json::json!({}));
    let vendors = [Vendor::Trust, Vendor::GainsightPx];
    let mut seen = Vec::new();
    // Within one send: the runtime retries the 503 and gets the 404. Across sends: no retry
    // inside the send; the next send gets the 404.
    for (max_sends, max_retries) in [(1, 1), (2, 0)] {
        let server = first_erasure_answers(busy).await;
        let report = erase(&server.url, &vendors, max_sends, max_retries).await;
        let outcomes: Vec<_> = steps(&report)
            .into_iter()
            .map(|(vendor, outcome, problem, _)| (vendor, outcome, problem))
            .collect();
        seen.push(outcomes);
    }
    let expected = vec![
        (
            Vendor::Trust,
            Some("deleted_or_already_absent".to_string()),
            None,
        ),
        (
            Vendor::GainsightPx,
            Some("deleted_or_already_absent".to_string()),
            None,
        ),
    ];
    assert_eq!(seen, [expected.clone(), expected]);
}

#[tokio::test]
async fn a_429_asking_for_an_endless_wait_neither_panics_nor_hangs_the_run() {
    // Every erasure (or, the second time, every request: the base URL check too) answers 429
    // with a Retry-After no run can wait out (u64::MAX seconds, and a year): the run ends, and
    // the step says it proved nothing.
    for (retry_after, check_too) in [
        ("18446744073709551615", false),
        ("31536000", false),
        ("18446744073709551615", true),
    ] {
        let server = Server::start(move |request, _| {
            let read = documented_read(request).filter(|_| !check_too);
            read.unwrap_or_else(|| Reply::Whole {
                status: 429,
                headers: vec![("retry-after", retry_after.to_string())],
                body: Vec::new(),
            })
        })
        .await;
        let url = server.url.clone();
        let report = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::spawn(async move { erase(&url, &[Vendor::GainsightPx], 3, 0).await }),
        )
        .await
        .unwrap_or_else(|_| panic!("Retry-After {retry_after}: the run hung"))
        .unwrap_or_else(|error| panic!("Retry-After {retry_after}: the run panicked: {error}"));
        let [(vendor, outcome, problem, _)] = steps(&report).try_into().unwrap();
        assert_eq!((vendor, outcome), (Vendor::GainsightPx, None));
        assert!(problem.is_some(), "{retry_after}");
    }
}

/// A stop asked for while a vendor's base URL check waits out a 429's `Retry-After` ends the run
/// then, as it does while a step waits: the wait is not served first.
#[tokio::test]
async fn a_stop_during_a_429_pause_at_the_check_is_not_waited_out() {
    let server = Server::start(|_, _| Reply::Whole {
        status: 429,
        headers: vec![("retry-after", "30".to_string())],
        body: Vec::new(),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let subjects = dir.path().join("subjects.csv");
    std::fs::write(
        &subjects,
        format!(
            "subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\nDSR-1,,,{PX_ID}\n"
        ),
    )
    .unwrap();
    let subjects = read_subjects(&subjects).unwrap();
    let journal = Journal::open_for_run(&dir.path().join("journal.db"), &subjects).unwrap();
    let clients = clients(&server.url, &[Vendor::GainsightPx]);
    let stop = StopSignal::default();
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stopper.cancel();
    });
    let call_options = CallOptions {
        max_retries: Some(0),
        ..CallOptions::default()
    };
    let started = std::time::Instant::now();
    tokio::time::timeout(
        Duration::from_secs(20),
        call_options.scope(run(
            journal,
            &clients,
            &RunOptions::default(),
            &Silent,
            &stop,
        )),
    )
    .await
    .expect("the run ended soon after its stop")
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
}
