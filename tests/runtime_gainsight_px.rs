//! The runtime layer through the Gainsight PX client, against a loopback mock server: the API-key
//! header, soft and hard deletes, unsafe ids, and JSON and HTML error bodies.

use gainsight_px::{Config, DataCenter, DeleteMode, DeleteOutcome, Error};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_tests::{answer_every, fast_retries};

const API_KEY: &str = "px-key-do-not-log";

fn client(server: &MockServer) -> gainsight_px::Client {
    let mut config = Config::new(API_KEY, DataCenter::Eu).base_url(server.uri());
    fast_retries(&mut config.runtime);
    config.build().unwrap()
}

#[tokio::test]
async fn soft_and_hard_deletes_send_the_key_and_the_flag() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/users/jdoe@example.test"))
        .and(header("x-aptrinsic-api-key", API_KEY))
        .and(query_param("hardDelete", "false"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/users/jdoe@example.test"))
        .and(query_param("hardDelete", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"body": {}, "statusCode": "OK", "statusCodeValue": 200}),
        ))
        .mount(&server)
        .await;
    let client = client(&server);
    for (mode, hard) in [(DeleteMode::Soft, false), (DeleteMode::Hard, true)] {
        let outcome = client.delete("jdoe@example.test", mode).await.unwrap();
        assert_eq!(outcome, DeleteOutcome::Deleted { hard }, "{mode:?}");
    }
}

#[tokio::test]
async fn an_id_unsafe_in_a_path_goes_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/users/delete"))
        .and(body_json(serde_json::json!({"identifyId": "../admin"})))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let outcome = client(&server)
        .delete("../admin", DeleteMode::Hard)
        .await
        .unwrap();
    assert_eq!(outcome, DeleteOutcome::Deleted { hard: true });
}

#[tokio::test]
async fn not_found_is_an_outcome_with_the_vendor_error_parsed() {
    let server = MockServer::start().await;
    // Delete and get both answer the same 404.
    Mock::given(path("/v1/users/absent"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "externalapierror": {"status": "NOT_FOUND", "message": "User was not found for parameters {id=absent}", "debugMessage": null, "subErrors": null}
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(
        client.delete("absent", DeleteMode::Soft).await.unwrap(),
        DeleteOutcome::NotFound
    );
    let err = client
        .get_user()
        .identify_id("absent")
        .call()
        .await
        .unwrap_err();
    match err {
        Error::Api { error, context } => {
            assert_eq!(error.0.status.as_deref(), Some("NOT_FOUND"));
            assert_eq!(context.status, Some(404));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_html_error_page_is_an_unexpected_status_with_its_excerpt() {
    let server = MockServer::start().await;
    let page = "<html><head><title>403</title></head><body>403 Forbidden</body></html>";
    Mock::given(method("DELETE"))
        .and(path("/v1/users/blocked"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;
    let err = client(&server)
        .delete("blocked", DeleteMode::Soft)
        .await
        .unwrap_err();
    match err {
        Error::UnexpectedStatus { context } => {
            assert_eq!(context.body_excerpt, page);
            assert_eq!(context.status, Some(403));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let server = MockServer::start().await;
    answer_every(&server, "DELETE", ResponseTemplate::new(401)).await;
    let err = client(&server)
        .delete("jdoe", DeleteMode::Soft)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { error: None, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(API_KEY));
}

fn users_page(ids: &[&str], scroll_id: Option<&str>) -> ResponseTemplate {
    let users: Vec<_> = ids
        .iter()
        .map(|id| serde_json::json!({"identifyId": id, "propertyKeys": ["AP-XXXXXXXXXX-2"]}))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({"users": users, "totalHits": 5, "scrollId": scroll_id}))
}

#[tokio::test]
async fn the_user_stream_scrolls_until_a_short_page() {
    use futures_util::TryStreamExt;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("pageSize", "2"))
        .and(wiremock::matchers::query_param_is_missing("scrollId"))
        .respond_with(users_page(&["a", "b"], Some("s1")))
        .mount(&server)
        .await;
    // The last page still carries a scrollId: the vendor says not to rely on it becoming null.
    for (scroll_id, page) in [
        ("s1", users_page(&["c", "d"], Some("s2"))),
        ("s2", users_page(&["e"], Some("s3"))),
    ] {
        Mock::given(method("GET"))
            .and(path("/v1/users"))
            .and(query_param("scrollId", scroll_id))
            .respond_with(page)
            .mount(&server)
            .await;
    }
    let options = gainsight_px::ListOptions {
        page_size: 2,
        ..Default::default()
    };
    let users: Vec<_> = client(&server).users(options).try_collect().await.unwrap();
    let ids: Vec<_> = users.iter().map(|user| user.identify_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_scroll_that_cannot_continue_or_would_loop_is_an_error_not_an_end() {
    use futures_util::TryStreamExt;
    let options = gainsight_px::ListOptions {
        page_size: 2,
        ..Default::default()
    };
    for (label, page) in [
        ("no scrollId", users_page(&["a", "b"], None)),
        ("the same scrollId", users_page(&["a", "b"], Some("again"))),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/users"))
            .respond_with(page)
            .mount(&server)
            .await;
        let result: Result<Vec<_>, _> = client(&server).users(options).try_collect().await;
        assert!(
            matches!(result, Err(Error::Paging(_))),
            "{label}: {result:?}"
        );
        assert!(
            server.received_requests().await.unwrap().len() <= 2,
            "{label}"
        );
    }
}
