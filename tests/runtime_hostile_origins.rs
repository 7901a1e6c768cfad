//! The runtime against origins that misbehave: a redirect to another origin is never followed
//! (whatever HTTP client the generated `Client` holds) and is an error naming the `Location` host
//! only; a success whose body never ends or breaks off is an error, not an outcome, and a retry
//! after it reads the not-found answer as "deleted or already absent".

use std::time::Duration;

use gainsight_px::{DataCenter, DeleteMode, DeleteOutcome};
use progenitor_client::ClientInfo as _;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use vendor_runtime::CallOptions;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_tests::{answer_every, fast_retries, read_request_head};

const PX_KEY: &str = "px-key-must-stay-home";
const ATTESTR_TOKEN: &str = "attestr-token-must-stay-home";

fn px_client(base: &str) -> gainsight_px::Client {
    let mut config = gainsight_px::Config::new(PX_KEY, DataCenter::Eu).base_url(base);
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

fn attestr_client(base: &str) -> attestr::Client {
    let mut config =
        attestr::Config::new(ATTESTR_TOKEN).base_url(format!("{base}/api/{{version}}"));
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

/// A server that redirects every request, path and all, to `target`.
async fn redirecting_to(target: &MockServer) -> MockServer {
    let server = MockServer::start().await;
    for (route, to) in [
        ("/v1/users/jdoe", "/v1/users/jdoe"),
        (
            "/api/v1/public/factx/AX1/archive",
            "/api/v1/public/factx/AX1/archive",
        ),
    ] {
        Mock::given(path(route))
            .respond_with(
                ResponseTemplate::new(307)
                    .insert_header("location", format!("{}{to}", target.uri())),
            )
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test]
async fn a_redirect_is_an_error_naming_the_host_and_the_next_origin_gets_nothing() {
    let elsewhere = MockServer::start().await;
    for method in ["DELETE", "PUT"] {
        answer_every(&elsewhere, method, ResponseTemplate::new(200)).await;
    }
    let host = elsewhere.uri().trim_start_matches("http://").to_string();
    let base = redirecting_to(&elsewhere).await;

    let px = px_client(&base.uri())
        .delete("jdoe", DeleteMode::Hard)
        .await;
    let attestr = attestr_client(&base.uri()).archive("AX1").await;
    // A client built the generated way, with progenitor's own (redirect-following) HTTP
    // client: the runtime sends with its own.
    let runtime = gainsight_px::Config::new(PX_KEY, DataCenter::Eu)
        .base_url(base.uri())
        .build()
        .unwrap()
        .inner()
        .clone();
    let by_progenitor = gainsight_px::Client::new(&base.uri(), runtime)
        .delete("jdoe", DeleteMode::Hard)
        .await;

    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "the other origin got {:?}",
        elsewhere.received_requests().await
    );
    for (name, answer) in [("px", px), ("px via progenitor's client", by_progenitor)] {
        let error = answer.unwrap_err();
        let message = error.to_string();
        match &error {
            gainsight_px::Error::Redirect {
                location_host,
                context,
            } => {
                assert_eq!(location_host.as_deref(), Some(host.as_str()), "{name}");
                assert_eq!(context.status, Some(307), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(message.contains(&format!("`{host}`")), "{name}: {message}");
        assert!(
            !message.contains("jdoe") && !message.contains("/v1/"),
            "{name}: {message}"
        );
    }
    match attestr {
        Err(attestr::Error::Redirect {
            location_host,
            context,
        }) => {
            assert_eq!(location_host.as_deref(), Some(host.as_str()));
            assert_eq!(
                (context.status, context.body_excerpt.as_str()),
                (Some(307), "")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(base.received_requests().await.unwrap().len(), 3);
}

/// A loopback server whose first request gets `first` (raw bytes, then the connection is held
/// open for `hold` and closed) and whose later requests get `later`.
async fn first_then(first: &'static [u8], hold: Duration, later: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut served = 0;
        while let Ok((mut stream, _)) = listener.accept().await {
            served += 1;
            let later = later.clone();
            tokio::spawn(async move {
                if !read_request_head(&mut stream).await {
                    return;
                }
                if served == 1 {
                    let _ = stream.write_all(first).await;
                    // A drip: one byte now and then, far from the declared length.
                    let deadline = tokio::time::Instant::now() + hold;
                    while tokio::time::Instant::now() < deadline {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        if stream.write_all(b" ").await.is_err() {
                            return;
                        }
                    }
                } else {
                    let _ = stream.write_all(later.as_bytes()).await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn whole(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

const DRIP: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{";
const CUT: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"body\": {";

#[tokio::test]
async fn a_success_body_that_never_ends_or_breaks_off_is_no_outcome() {
    let px_not_found = whole(
        "404 Not Found",
        r#"{"externalapierror": {"status": "NOT_FOUND", "message": "User was not found for parameters {id=jdoe}", "debugMessage": null, "subErrors": null}}"#,
    );
    let archived_already = whole(
        "400 Bad Request",
        r#"{"code": 40038, "message": "Profile is archived already, operation not allowed"}"#,
    );
    for (name, first, hold) in [
        ("drip", DRIP, Duration::from_secs(5)),
        ("cut", CUT, Duration::ZERO),
    ] {
        let once = CallOptions {
            max_retries: Some(0),
            timeout: Some(Duration::from_millis(300)),
            ..CallOptions::default()
        };
        let base = first_then(first, hold, px_not_found.clone()).await;
        let px = once
            .clone()
            .scope(px_client(&base).delete("jdoe", DeleteMode::Hard))
            .await;
        assert!(
            matches!(
                px,
                Err(gainsight_px::Error::Timeout(_) | gainsight_px::Error::BodyUnreadable { .. })
            ),
            "{name}: {px:?}"
        );
        let base = first_then(first, hold, archived_already.clone()).await;
        let attestr = once
            .clone()
            .scope(attestr_client(&base).archive("AX1"))
            .await;
        assert!(
            matches!(
                attestr,
                Err(attestr::Error::Timeout(_) | attestr::Error::BodyUnreadable { .. })
            ),
            "{name}: {attestr:?}"
        );

        // With a retry, the second answer is read as after a lost response.
        let retried = CallOptions {
            max_retries: Some(1),
            ..once
        };
        let base = first_then(first, hold, px_not_found.clone()).await;
        let px = retried
            .clone()
            .scope(px_client(&base).delete("jdoe", DeleteMode::Hard))
            .await;
        assert_eq!(
            px.unwrap(),
            DeleteOutcome::DeletedOrAlreadyAbsent { hard: true },
            "{name}"
        );
        let base = first_then(first, hold, archived_already.clone()).await;
        let attestr = retried.scope(attestr_client(&base).archive("AX1")).await;
        assert_eq!(
            attestr.unwrap(),
            attestr::ArchiveOutcome::AlreadyArchived,
            "{name}"
        );
    }
}
