//! The first rule, against loopback servers: an outcome that says a record is gone, merged or
//! archived comes only from the vendor's documented response for it (the spec's `x-outcomes`).
//! A wrong base URL's route 404, an HTML page, a body cut off mid-stream, a truncated merge
//! message, an id that would reach another route, an endless body: each is an error that says so.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gainsight_px::{ConfigureRuntime, DataCenter, DeleteMode, DeleteOutcome as PxDeleteOutcome};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use trust::DeleteOutcome;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_tests::{
    answer_every, answer_in_turn, fast_retries, read_request_head, trust_not_found,
};

const IDENTITY: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
const CURRENT: &str = "ffffffff-ffff-ffff-ffff-ffffffffffff";
const NOT_FOUND_MESSAGE: &str = "Not found in database neither in former documents";

fn token() -> ResponseTemplate {
    workspace_tests::atenea_token("tok", workspace_tests::unix_now(), 7200)
}

/// An Atenea answering token requests with `tokens` in turn (the last one for good).
async fn atenea<const N: usize>(tokens: [ResponseTemplate; N]) -> MockServer {
    let server = MockServer::start().await;
    answer_in_turn(&server, "POST", "/oauth/token/", tokens).await;
    server
}

fn trust_client(atenea: &str, index: &str) -> trust::Client {
    let mut config = trust::Config::new("client-1", "secret-1")
        .atenea_base_url(atenea)
        .index_base_url(index);
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

/// One delete of [`IDENTITY`] through a Trust client whose Index is at `index`'s `/index/v1`.
async fn delete_at(atenea: &MockServer, index: &str) -> Result<DeleteOutcome, trust::Error> {
    let client = trust_client(&atenea.uri(), &format!("{index}/index/v1"));
    client.delete(IDENTITY.parse().unwrap()).await
}

fn px_client(base: &str) -> gainsight_px::Client {
    let mut config = gainsight_px::Config::new("px-key", DataCenter::Us).base_url(base);
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

/// Spring's default body for a path no controller serves: what a wrong base URL gets from a Java
/// server.
fn route_not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(serde_json::json!({
        "timestamp": "2026-11-29T00:00:00.000+00:00", "status": 404, "error": "Not Found", "path": "/somewhere",
    }))
}

#[tokio::test]
async fn a_wrong_base_url_is_never_reported_as_absent() {
    let atenea = atenea([token()]).await;
    let index = MockServer::start().await;
    // The real route answers the documented not-found body; every other path is a route 404.
    Mock::given(method("DELETE"))
        .and(path(format!("/index/v1/identity/{IDENTITY}")))
        .respond_with(trust_not_found(NOT_FOUND_MESSAGE))
        .mount(&index)
        .await;
    answer_every(&index, "DELETE", route_not_found()).await;
    let right = delete_at(&atenea, &index.uri()).await.unwrap();
    assert_eq!(right, DeleteOutcome::NotFound);
    let wrong = trust_client(&atenea.uri(), &format!("{}/index/v2", index.uri()));
    let err = wrong.delete(IDENTITY.parse().unwrap()).await.unwrap_err();
    assert!(
        matches!(&err, trust::Error::Unproven { expected, context, .. }
            if expected.contains(&"NotFound") && context.status == Some(404) && context.body_excerpt.contains("Not Found")),
        "{err:?}"
    );
    assert!(err.to_string().contains("does not prove"), "{err}");

    let px = MockServer::start().await;
    answer_every(&px, "DELETE", ResponseTemplate::new(404)).await;
    // Without `/v1` the paths the client builds are right, the server's are not: an empty 404.
    let err = px_client(&format!("{}/api", px.uri()))
        .delete("jdoe@example.test", DeleteMode::Hard)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, gainsight_px::Error::Unproven { context, .. } if context.status == Some(404)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_route_404_in_the_vendors_own_error_shape_proves_nothing() {
    // A wrong path at Gainsight PX's host answers in its error shape, with NOT_FOUND, but not
    // with the message that names a user.
    let not_found = |message: &str| {
        ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "externalapierror": {"status": "NOT_FOUND", "message": message, "debugMessage": null, "subErrors": null}
        }))
    };
    let px = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/users/jdoe@example.test"))
        .respond_with(not_found(
            "User was not found for parameters {id=jdoe@example.test}",
        ))
        .mount(&px)
        .await;
    let unrouted = not_found("No handler found for DELETE /users/jdoe@example.test");
    answer_every(&px, "DELETE", unrouted).await;
    assert_eq!(
        px_client(&px.uri())
            .delete("jdoe@example.test", DeleteMode::Hard)
            .await
            .unwrap(),
        PxDeleteOutcome::NotFound
    );
    let err = px_client(&format!("{}/api", px.uri()))
        .delete("jdoe@example.test", DeleteMode::Hard)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, gainsight_px::Error::Unproven { error: Some(error), .. } if error.0.message.as_deref().is_some_and(|m| m.starts_with("No handler"))),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_html_404_from_a_gateway_proves_nothing() {
    let px = MockServer::start().await;
    let page =
        "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>";
    let answer = ResponseTemplate::new(404).set_body_raw(page, "text/html");
    answer_every(&px, "DELETE", answer).await;
    let err = px_client(&px.uri())
        .delete("jdoe@example.test", DeleteMode::Soft)
        .await
        .unwrap_err();
    match &err {
        gainsight_px::Error::Unproven {
            expected,
            error,
            context,
            ..
        } => {
            assert!(expected.contains(&"NotFound"), "{expected:?}");
            assert!(error.is_none());
            assert_eq!(context.status, Some(404));
            assert!(
                context
                    .body_excerpt
                    .contains("<title>404 Not Found</title>")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_truncated_merge_message_proves_neither_merge_nor_absence() {
    let atenea = atenea([token()]).await;
    let index = MockServer::start().await;
    let answer =
        trust_not_found("Not found. Posible merge in document with uuid: ffffffff-ffff-ffff");
    answer_every(&index, "DELETE", answer).await;
    let err = delete_at(&atenea, &index.uri()).await.unwrap_err();
    match &err {
        trust::Error::Unproven {
            expected, error, ..
        } => {
            assert!(expected.contains(&"Merged") && expected.contains(&"NotFound"));
            // The body is Trust's envelope, kept for the caller.
            assert_eq!(error.as_ref().map(|error| error.code), Some(404));
        }
        other => panic!("{other:?}"),
    }
}

/// A one-connection-at-a-time HTTP server that sends `head`, then `body` bytes, then closes the
/// connection: for bodies that break off, which mock servers cannot send.
async fn raw_server(head: String, body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let head = head.clone();
            let body = body.clone();
            tokio::spawn(async move {
                // Answered whether or not the head arrived whole.
                read_request_head(&mut stream).await;
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_404_body_cut_mid_stream_is_an_error() {
    let atenea = atenea([token()]).await;
    let full = format!(r#"{{"code":404,"resource":"Identity","message":"{NOT_FOUND_MESSAGE}"}}"#);
    let half = full.as_bytes()[..full.len() / 2].to_vec();
    let head = format!(
        "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        full.len()
    );
    let index = raw_server(head, half).await;
    let err = delete_at(&atenea, &index).await.unwrap_err();
    match &err {
        trust::Error::BodyUnreadable { context, .. } => {
            assert_eq!(context.status, Some(404));
            assert!(
                context.body_excerpt.starts_with(r#"{"code":404"#),
                "{context:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("nothing in it counts"), "{err}");
}

#[tokio::test]
async fn ids_that_are_another_routes_segment_take_the_body_variants() {
    let px = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/users/delete"))
        .and(body_json(serde_json::json!({"identifyId": "delete"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&px)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/users/update"))
        .and(body_json(serde_json::json!({
            "identifyId": "update", "accountId": "acme", "propertyKeys": ["AP-XXXXXXXXXX-2"],
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&px)
        .await;
    let client = px_client(&px.uri());
    assert_eq!(
        client.delete("delete", DeleteMode::Hard).await.unwrap(),
        PxDeleteOutcome::Deleted { hard: true }
    );
    let changes = gainsight_px::types::UserUpdate {
        account_id: Some("acme".to_string()),
        property_keys: vec!["AP-XXXXXXXXXX-2".to_string()],
        ..Default::default()
    };
    client.update("update", changes).await.unwrap();

    // Without the propertyKeys the body variant requires, the update is refused unsent.
    let partial = gainsight_px::types::UserUpdate {
        account_id: Some("acme".to_string()),
        ..Default::default()
    };
    let err = client.update("update", partial).await.unwrap_err();
    assert!(
        matches!(&err, gainsight_px::Error::InvalidRequest(message) if message.contains("propertyKeys")),
        "{err:?}"
    );
    // A generated call can never reach the other route.
    for (operation, err) in [
        (
            "delete_user",
            client
                .delete_user()
                .identify_id("delete")
                .call()
                .await
                .err()
                .expect("refused"),
        ),
        (
            "get_user",
            client
                .get_user()
                .identify_id("update")
                .call()
                .await
                .unwrap_err(),
        ),
    ] {
        assert!(
            matches!(&err, gainsight_px::Error::InvalidRequest(message) if message.contains(operation) && message.contains("/v1/users/")),
            "{err:?}"
        );
    }
    assert_eq!(
        px.received_requests().await.unwrap().len(),
        2,
        "nothing else was sent"
    );
}

/// A server that answers 200 with `content_length` (or chunked, without one) and then streams
/// zeros until the client goes away. Returns its URL and the bytes it managed to write.
async fn endless_body(content_length: Option<u64>) -> (String, Arc<AtomicU64>) {
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        read_request_head(&mut stream).await;
        let framing = match content_length {
            Some(length) => format!("content-length: {length}"),
            None => "transfer-encoding: chunked".to_string(),
        };
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\n\r\n");
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b'0'; 64 * 1024];
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        let piece = if content_length.is_some() {
            &chunk
        } else {
            &framed
        };
        while stream.write_all(piece).await.is_ok() {
            counter.fetch_add(piece.len() as u64, Ordering::Relaxed);
        }
    });
    (format!("http://{addr}"), written)
}

#[tokio::test]
async fn an_endless_success_body_is_a_typed_error_with_memory_flat() {
    const LIMIT: u64 = 1024 * 1024;
    for content_length in [Some(100_000_000_000), None] {
        let (base, written) = endless_body(content_length).await;
        let client = gainsight_px::Config::new("px-key", DataCenter::Us)
            .base_url(base)
            .max_retries(0)
            .max_body_bytes(LIMIT)
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client
            .get_user()
            .identify_id("jdoe")
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, gainsight_px::Error::BodyTooLarge { context } if context.status == Some(200)),
            "{content_length:?}: {err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        // The client stopped reading at the limit: the server could only fill the socket
        // buffers beyond it, far from the gigabytes it offered.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = written.load(Ordering::Relaxed);
        assert!(
            sent < 32 * 1024 * 1024,
            "{content_length:?}: the server wrote {sent} bytes"
        );
    }
}

#[tokio::test]
async fn an_oversized_error_body_is_a_typed_error_too() {
    let index = MockServer::start().await;
    let answer = ResponseTemplate::new(404).set_body_raw(vec![b' '; 4096], "application/json");
    answer_every(&index, "DELETE", answer).await;
    let atenea = atenea([token()]).await;
    let client = trust::Config::new("client-1", "secret-1")
        .atenea_base_url(atenea.uri())
        .index_base_url(format!("{}/index/v1", index.uri()))
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let err = client.delete(IDENTITY.parse().unwrap()).await.unwrap_err();
    assert!(
        matches!(&err, trust::Error::BodyTooLarge { context } if context.status == Some(404)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_blip_at_atenea_is_retried_like_an_idempotent_call() {
    let atenea = atenea([
        ResponseTemplate::new(503),
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        token(),
    ])
    .await;
    let index = MockServer::start().await;
    let answer = ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "code": 200, "resource": "Identity", "message": "Deleted", "data": {"uuid": IDENTITY},
    }));
    answer_every(&index, "DELETE", answer).await;
    let started = Instant::now();
    let outcome = delete_at(&atenea, &index.uri()).await.unwrap();
    assert!(matches!(outcome, DeleteOutcome::Deleted(_)), "{outcome:?}");
    assert_eq!(atenea.received_requests().await.unwrap().len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the 429's Retry-After was waited out"
    );
}

#[tokio::test]
async fn a_lost_token_response_does_not_make_a_404_look_like_a_lost_delete() {
    // The first token response never arrives in time; the retry gets one.
    let atenea = atenea([token().set_delay(Duration::from_secs(2)), token()]).await;
    let index = MockServer::start().await;
    answer_every(&index, "DELETE", trust_not_found(NOT_FOUND_MESSAGE)).await;
    let mut config = trust::Config::new("client-1", "secret-1")
        .atenea_base_url(atenea.uri())
        .index_base_url(format!("{}/index/v1", index.uri()));
    fast_retries(&mut config.runtime);
    config.runtime.timeout = Duration::from_millis(300);
    let outcome = config
        .build()
        .unwrap()
        .delete(IDENTITY.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        DeleteOutcome::NotFound,
        "the delete itself lost nothing"
    );
    assert_eq!(atenea.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_documented_merge_body_names_the_current_identity() {
    let atenea = atenea([token()]).await;
    let index = MockServer::start().await;
    let answer = trust_not_found(&format!(
        "Not found. Posible merge in document with uuid: {CURRENT}"
    ));
    answer_every(&index, "DELETE", answer).await;
    let outcome = delete_at(&atenea, &index.uri()).await.unwrap();
    assert_eq!(outcome, DeleteOutcome::Merged(CURRENT.parse().unwrap()));
}
