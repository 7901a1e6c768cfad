//! The runtime layer through the Trust client, against loopback mock servers for Atenea and
//! Index: single-flight tokens, expiry, refresh once on a 401, and Delete Identity's outcomes.

use std::time::Duration;

use trust::{Config, DeleteOutcome};
use uuid::Uuid;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_tests::{answer_in_turn, fast_retries};

const CLIENT_SECRET: &str = "atenea-secret-do-not-log";
const IDENTITY: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
const CURRENT: &str = "ffffffff-ffff-ffff-ffff-ffffffffffff";

use workspace_tests::{atenea_token as token, trust_not_found as not_found, unix_now as now};

fn deleted() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "code": 200, "resource": "Identity", "message": "Deleted",
        "data": {"uuid": IDENTITY, "name": "alfa", "last_name": "beta", "former_documents": null},
    }))
}

struct Servers {
    atenea: MockServer,
    index: MockServer,
}

impl Servers {
    /// Atenea answering token requests with `tokens` in turn (the last one for good), and an
    /// Index with no routes yet.
    async fn start<const N: usize>(tokens: [ResponseTemplate; N]) -> Self {
        let servers = Servers {
            atenea: MockServer::start().await,
            index: MockServer::start().await,
        };
        answer_in_turn(&servers.atenea, "POST", "/oauth/token/", tokens).await;
        servers
    }

    /// The Index answering Delete Identity of [`IDENTITY`] with `answers` in turn (the last one
    /// for good).
    async fn deletes<const N: usize>(&self, answers: [ResponseTemplate; N]) {
        answer_in_turn(&self.index, "DELETE", &identity_path(), answers).await;
    }

    /// The Index answering Delete Identity of [`IDENTITY`] with `answer` when the call carries
    /// `token`.
    async fn deletes_with(&self, token: &str, answer: ResponseTemplate) {
        Mock::given(method("DELETE"))
            .and(path(identity_path()))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(answer)
            .mount(&self.index)
            .await;
    }

    /// One delete of [`IDENTITY`] by a new client.
    async fn delete(&self) -> Result<DeleteOutcome, trust::Error> {
        self.client().delete(IDENTITY.parse().unwrap()).await
    }

    fn client(&self) -> trust::Client {
        let mut config = Config::new("client-1", CLIENT_SECRET)
            .atenea_base_url(self.atenea.uri())
            .index_base_url(format!("{}/index/v1", self.index.uri()));
        fast_retries(&mut config.runtime);
        config.build().unwrap()
    }

    async fn token_requests(&self) -> usize {
        self.atenea.received_requests().await.unwrap().len()
    }
}

fn identity_path() -> String {
    format!("/index/v1/identity/{IDENTITY}")
}

#[tokio::test]
async fn the_token_request_is_json_client_credentials() {
    let servers = Servers::start([]).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token/"))
        .and(body_json(serde_json::json!({"client_id": "client-1", "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"})))
        .respond_with(token("tok-a", now(), 7200))
        .expect(1)
        .mount(&servers.atenea)
        .await;
    servers.deletes_with("tok-a", deleted()).await;
    let outcome = servers.delete().await.unwrap();
    let DeleteOutcome::Deleted(identity) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(identity.uuid, Some(IDENTITY.parse().unwrap()));
}

#[tokio::test]
async fn fifty_concurrent_calls_make_one_token_request() {
    let servers =
        Servers::start([token("tok-a", now(), 7200).set_delay(Duration::from_millis(200))]).await;
    servers.deletes([deleted()]).await;
    let client = servers.client();
    let calls = (0..50).map(|_| client.delete(IDENTITY.parse().unwrap()));
    let outcomes = futures_util::future::join_all(calls).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(DeleteOutcome::Deleted(_))))
    );
    assert_eq!(
        servers.token_requests().await,
        1,
        "single-flight: one token for fifty calls"
    );
    assert_eq!(servers.index.received_requests().await.unwrap().len(), 50);
}

#[tokio::test]
async fn an_expired_token_is_replaced_before_the_call() {
    // Created two hours ago, valid for one hour: already expired when it arrives.
    let servers = Servers::start([token("tok-old", now() - 7200, 3600)]).await;
    servers.deletes([deleted()]).await;
    let client = servers.client();
    client.delete(IDENTITY.parse().unwrap()).await.unwrap();
    client.delete(IDENTITY.parse().unwrap()).await.unwrap();
    assert_eq!(
        servers.token_requests().await,
        2,
        "an expired token is never reused"
    );
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_repeats_the_call() {
    let servers = Servers::start([token("tok-a", now(), 7200), token("tok-b", now(), 7200)]).await;
    servers
        .deletes_with("tok-a", ResponseTemplate::new(401))
        .await;
    servers.deletes_with("tok-b", deleted()).await;
    let outcome = servers.delete().await.unwrap();
    assert!(matches!(outcome, DeleteOutcome::Deleted(_)), "{outcome:?}");
    assert_eq!(servers.token_requests().await, 2);
    assert_eq!(servers.index.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_second_401_is_unauthorized_without_looping() {
    let servers = Servers::start([token("tok", now(), 7200)]).await;
    servers.deletes([ResponseTemplate::new(401)]).await;
    let err = servers.delete().await.unwrap_err();
    assert!(matches!(err, trust::Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(servers.token_requests().await, 2, "one refresh");
    assert_eq!(
        servers.index.received_requests().await.unwrap().len(),
        2,
        "one repeat"
    );
}

#[tokio::test]
async fn a_failing_token_request_is_a_credentials_error_that_hides_the_secret() {
    let refused =
        ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": "invalid_client"}));
    let servers = Servers::start([refused]).await;
    let err = servers.delete().await.unwrap_err();
    let trust::Error::Credentials(message) = &err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("HTTP 401") && message.contains("invalid_client"),
        "{message}"
    );
    assert!(!err.to_string().contains(CLIENT_SECRET));
    assert!(
        servers.index.received_requests().await.unwrap().is_empty(),
        "no unauthenticated Index call"
    );
}

#[tokio::test]
async fn delete_tells_not_found_from_merged() {
    let servers = Servers::start([token("tok", now(), 7200)]).await;
    let absent = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";
    let former = "cccccccc-cccc-cccc-cccc-cccccccccccc";
    Mock::given(method("DELETE"))
        .and(path(format!("/index/v1/identity/{absent}")))
        .respond_with(not_found(
            "Not found in database neither in former documents",
        ))
        .mount(&servers.index)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/index/v1/identity/{former}")))
        .respond_with(not_found(&format!(
            "Not found. Posible merge in document with uuid: {CURRENT}"
        )))
        .mount(&servers.index)
        .await;
    let client = servers.client();
    assert_eq!(
        client.delete(absent.parse().unwrap()).await.unwrap(),
        DeleteOutcome::NotFound
    );
    assert_eq!(
        client.delete(former.parse().unwrap()).await.unwrap(),
        DeleteOutcome::Merged(CURRENT.parse::<Uuid>().unwrap())
    );
}

#[tokio::test]
async fn a_retried_delete_whose_first_response_was_lost_reports_deleted_or_absent() {
    // The first attempt is processed but its response never arrives within the call's timeout.
    let options = trust::CallOptions {
        timeout: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    let first = deleted().set_delay(Duration::from_secs(2));
    let outcome = options.scope(delete_retried_after(first)).await;
    assert_eq!(outcome, DeleteOutcome::DeletedOrAlreadyAbsent);
}

/// The outcome of a delete whose first attempt is answered with `first` and whose retry finds
/// nothing (run it inside `CallOptions::scope` to set the call's options).
async fn delete_retried_after(first: ResponseTemplate) -> DeleteOutcome {
    let servers = Servers::start([token("tok", now(), 7200)]).await;
    let absent = not_found("Not found in database neither in former documents");
    servers.deletes([first, absent]).await;
    servers.delete().await.unwrap()
}

/// A 5xx may come after the server acted (the delete happened, then the gateway failed), so a
/// retry that then finds nothing cannot claim the identity was never there: the same rule as a
/// lost response, decided once by the runtime.
#[tokio::test]
async fn a_delete_retried_after_a_5xx_that_finds_nothing_reports_deleted_or_absent() {
    let outcome = delete_retried_after(ResponseTemplate::new(502)).await;
    assert_eq!(outcome, DeleteOutcome::DeletedOrAlreadyAbsent);
}

/// A 429 is a refusal before any work: the retry's not-found is a plain not-found.
#[tokio::test]
async fn a_delete_retried_after_a_429_that_finds_nothing_reports_not_found() {
    let outcome = delete_retried_after(ResponseTemplate::new(429)).await;
    assert_eq!(outcome, DeleteOutcome::NotFound);
}

#[tokio::test]
async fn the_identity_stream_pages_until_a_short_page() {
    use futures_util::TryStreamExt;
    let servers = Servers::start([token("tok", now(), 7200)]).await;
    let page = |uuids: &[&str]| {
        let data: Vec<_> = uuids
            .iter()
            .map(|uuid| serde_json::json!({"uuid": uuid}))
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"code": 200, "resource": "Identity", "data": data}))
    };
    let uuid = |n: u8| format!("00000000-0000-0000-0000-0000000000{n:02}");
    let ids: Vec<String> = (1..=5).map(uuid).collect();
    for (number, slice) in [(1, &ids[0..2]), (2, &ids[2..4]), (3, &ids[4..5])] {
        let slice: Vec<&str> = slice.iter().map(String::as_str).collect();
        Mock::given(method("GET"))
            .and(path("/index/v1/identity"))
            .and(wiremock::matchers::query_param("page", number.to_string()))
            .and(wiremock::matchers::query_param("per_page", "2"))
            .respond_with(page(&slice))
            .mount(&servers.index)
            .await;
    }
    let options = trust::ListOptions {
        per_page: 2,
        ..Default::default()
    };
    let identities: Vec<_> = servers
        .client()
        .identities(options)
        .try_collect()
        .await
        .unwrap();
    let seen: Vec<String> = identities
        .iter()
        .map(|identity| identity.uuid.unwrap().to_string())
        .collect();
    assert_eq!(seen, ids);
    assert_eq!(servers.index.received_requests().await.unwrap().len(), 3);

    let bounded = trust::ListOptions {
        per_page: 2,
        max_pages: 2,
    };
    let result: Result<Vec<_>, _> = servers.client().identities(bounded).try_collect().await;
    assert!(matches!(result, Err(trust::Error::Paging(_))), "{result:?}");
}

#[tokio::test]
async fn a_token_expiry_past_the_clocks_range_is_a_credentials_error_not_a_panic() {
    // Each field fits `i64` and their sum fits `u64`, but no `SystemTime` reaches it.
    let servers = Servers::start([token("tok", i64::MAX, i64::MAX)]).await;
    servers.deletes([deleted()]).await;
    let err = servers.delete().await.unwrap_err();
    let trust::Error::Credentials(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("unusable expiry"), "{message}");
    assert!(
        servers.index.received_requests().await.unwrap().is_empty(),
        "no Index call with a token of unknown expiry"
    );
}

#[tokio::test]
async fn calls_waiting_for_a_token_share_its_failed_fetch_instead_of_each_repeating_it() {
    // Atenea fails, slowly: the ten calls that wait behind the one fetch get its failure, as they
    // would have got its token. Were each to fetch again in turn, the last would wait ten fetches
    // (ten times the retries and timeouts of one), and Atenea would get ten times the requests.
    let failing = ResponseTemplate::new(503).set_delay(Duration::from_millis(100));
    let servers = Servers::start([failing]).await;
    servers.deletes([deleted()]).await;
    let client = servers.client();
    let calls = (0..10).map(|_| client.delete(IDENTITY.parse().unwrap()));
    let outcomes = futures_util::future::join_all(calls).await;
    for outcome in &outcomes {
        assert!(
            matches!(outcome, Err(trust::Error::Credentials(_))),
            "{outcome:?}"
        );
    }
    let attempts_of_one_fetch = 1 + vendor_runtime::RetryPolicy::default().max_retries as usize;
    assert_eq!(servers.token_requests().await, attempts_of_one_fetch);
    assert!(servers.index.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_expiry_margin_past_the_clocks_range_means_no_token_is_fresh_not_a_panic() {
    let servers = Servers::start([token("tok", now(), 7200)]).await;
    servers.deletes([deleted()]).await;
    let mut config = Config::new("client-1", CLIENT_SECRET)
        .atenea_base_url(servers.atenea.uri())
        .index_base_url(format!("{}/index/v1", servers.index.uri()));
    config.token_expiry_margin = Duration::MAX;
    fast_retries(&mut config.runtime);
    let client = config.build().unwrap();
    for _ in 0..2 {
        let outcome = client.delete(IDENTITY.parse().unwrap()).await.unwrap();
        assert!(matches!(outcome, DeleteOutcome::Deleted(_)), "{outcome:?}");
    }
    assert_eq!(servers.token_requests().await, 2, "never fresh: one each");
}
