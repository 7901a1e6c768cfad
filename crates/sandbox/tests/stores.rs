//! The two stores answer alike. Without `--state` the sandbox keeps its state in maps, with it in
//! a SQLite file, and the maps reimplement what SQLite does for Gainsight PX's user list: filters,
//! sorting, paging, soft-deleted users left out, totals. Here both sandboxes get the same users
//! (every kind of value, ties, case variants, non-ASCII text, missing fields), the same deletes and
//! the same list requests, and every page must be the same bytes. Both also take back a write
//! whose commit fails, whole.

mod support;

use std::path::PathBuf;

use reqwest::StatusCode;
use sandbox::{Config, RunningSandbox, Sandbox};
use serde_json::{Value, json};
use support::{PX_KEY, get_px_user};

/// Users whose fields cover what a filter or a sort can meet: text in several cases (and
/// non-ASCII, which SQLite's `NOCASE` and `lower` leave alone), integers with ties and negatives,
/// booleans, objects, `null` and missing fields.
fn users() -> Vec<Value> {
    let names = [
        "alba", "Alba", "ALBA", "bruno", "Bruno", "Émile", "émile", "zoë", "", "10", "9",
    ];
    let prefixes = ["a", "B", "c", "Ä", "z", "Z", "0"];
    (0..84_i64)
        .map(|i| {
            let index = usize::try_from(i).unwrap();
            let mut user = json!({
                "identifyId": format!("{}{:02}", prefixes[index % prefixes.len()], i),
                "aptrinsicId": format!("00000000-0000-4000-8000-{i:012}"),
                "propertyKeys": ["AP-XXXXXXXXXX-2"],
                "createDate": 1_700_000_000_000_i64,
                "lastModifiedDate": 1_700_000_000_000_i64 + i % 3,
                "numberOfVisits": i * 7 % 11,
                "score": i * 37 % 23 - 11,
                "lastSeenDate": 1_700_000_000_000_i64 + (i % 5) * 86_400_000,
            });
            if i % 7 != 0 {
                user["firstName"] = json!(names[index % names.len()]);
            }
            match i % 3 {
                0 => user["globalUnsubscribe"] = json!(true),
                1 => user["globalUnsubscribe"] = json!(false),
                _ => {}
            }
            match i % 4 {
                0 => user["customAttributes"] = json!({"plan": "pro", "seats": i % 3}),
                1 => user["customAttributes"] = json!({"plan": "free"}),
                2 => user["customAttributes"] = Value::Null,
                _ => {}
            }
            user
        })
        .collect()
}

struct Pair {
    memory: RunningSandbox,
    file: RunningSandbox,
    dir: PathBuf,
    http: reqwest::Client,
}

impl Pair {
    async fn start(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "vendor-sandbox-test-stores-{test}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let seed = dir.join("seed.json");
        std::fs::write(
            &seed,
            serde_json::to_vec(&json!({ "gainsight_px_users": users() })).unwrap(),
        )
        .unwrap();
        let config = Config {
            seed_file: Some(seed),
            gainsight_px_rate_limit: 0,
            gainsight_px_daily_quota: 0,
            ..Config::ephemeral()
        };
        let memory = Sandbox::start(config.clone()).await.unwrap();
        let file = Sandbox::start(Config {
            state_file: Some(dir.join("state.db")),
            ..config
        })
        .await
        .unwrap();
        Self {
            memory,
            file,
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// Sends the same request to both; both answers, status and body, must be the same.
    async fn both(&self, method: reqwest::Method, path_and_query: &str) -> (StatusCode, String) {
        let mut answers = Vec::new();
        for sandbox in [&self.memory, &self.file] {
            let response = self
                .http
                .request(
                    method.clone(),
                    format!("{}{path_and_query}", sandbox.gainsight_px_url()),
                )
                .header("x-aptrinsic-api-key", PX_KEY)
                .send()
                .await
                .unwrap();
            answers.push((response.status(), response.text().await.unwrap()));
        }
        assert_eq!(
            answers[0], answers[1],
            "{method} {path_and_query}: the maps (left) and SQLite (right) answer differently"
        );
        answers.remove(0)
    }

    /// Every page of a list, following `scrollId` to the empty page; the users seen.
    async fn walk(&self, query: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let mut scroll: Option<String> = None;
        for _ in 0..100 {
            let mut path = format!("/v1/users?pageSize=7{query}");
            if let Some(scroll) = &scroll {
                path.push_str(&format!("&scrollId={scroll}"));
            }
            let (status, body) = self.both(reqwest::Method::GET, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            let page: Value = serde_json::from_str(&body).unwrap();
            // An empty page leaves `users` out (the generated type skips an empty list).
            let users = page["users"].as_array().map_or(&[][..], Vec::as_slice);
            if users.is_empty() {
                return seen;
            }
            seen.extend(
                users
                    .iter()
                    .map(|user| user["identifyId"].as_str().unwrap().to_string()),
            );
            scroll = Some(page["scrollId"].as_str().unwrap().to_string());
        }
        panic!("{query}: the pages never ended");
    }
}

#[tokio::test]
async fn both_stores_answer_every_list_request_with_the_same_bytes() {
    let pair = Pair::start("lists").await;
    let all: Vec<Value> = users();
    let id = |i: usize| all[i]["identifyId"].as_str().unwrap().to_string();
    // Soft-deleted and hard-deleted users drop out of both lists and totals.
    for i in [3, 10, 17, 40] {
        let (status, _) = pair
            .both(reqwest::Method::DELETE, &format!("/v1/users/{}", id(i)))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    for i in [5, 41] {
        let (status, _) = pair
            .both(
                reqwest::Method::DELETE,
                &format!("/v1/users/{}?hardDelete=true", id(i)),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }

    let unsorted = pair.walk("").await;
    assert_eq!(unsorted.len(), all.len() - 6, "every visible user, once");
    for query in [
        "&sort=%2BfirstName",
        "&sort=-firstName",
        "&sort=%2BnumberOfVisits%3B-score",
        "&sort=-globalUnsubscribe%3B%2BfirstName",
        "&sort=%2BcustomAttributes",
        "&sort=-lastSeenDate%3B-lastModifiedDate",
        "&sort=-identifyId",
        "&sort=%2BnotAField",
        "&filter=firstName%3D%3DALBA",
        "&filter=firstName%3D%3D%C3%A9MILE",
        "&filter=firstName%3D%3D",
        "&filter=numberOfVisits%3D%3D3",
        "&filter=score%3D%3D-11",
        "&filter=globalUnsubscribe%3D%3DTRUE",
        "&filter=customAttributes%3D%3D%7B%22plan%22%3A%22free%22%7D",
        "&filter=firstName%3D%3Dbruno&sort=-numberOfVisits",
        "&filter=globalUnsubscribe%3D%3Dfalse&filter=numberOfVisits%3D%3D0",
        "&filter=notAField%3D%3Dx",
    ] {
        let seen = pair.walk(query).await;
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{query}: a user was listed twice");
    }
    // A sort whose pages follow SQLite's order: by `NOCASE` text, missing names first.
    let (_, first_page) = pair
        .both(
            reqwest::Method::GET,
            "/v1/users?pageSize=1000&sort=%2BfirstName",
        )
        .await;
    let names: Vec<Option<String>> = serde_json::from_str::<Value>(&first_page).unwrap()["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["firstName"].as_str().map(str::to_string))
        .collect();
    assert_eq!(names.first(), Some(&None), "missing names sort first");
    assert!(
        names.windows(2).all(|pair| match (&pair[0], &pair[1]) {
            (Some(left), Some(right)) => left.to_ascii_lowercase() <= right.to_ascii_lowercase(),
            (Some(_), None) => false,
            _ => true,
        }),
        "{names:?}"
    );

    pair.memory.stop().await.unwrap();
    pair.file.stop().await.unwrap();
    std::fs::remove_dir_all(&pair.dir).unwrap();
}

/// A write whose commit fails leaves nothing behind, in either store: a revival (which reads the
/// soft-deleted user, then stores it visible again) and an archive (which purges items) are
/// refused with the vendor's 500 and the records stay as they were; the next write is kept.
#[tokio::test]
async fn a_failed_commit_leaves_nothing_behind_in_either_store() {
    let pair = Pair::start("commit").await;
    let user = users()[1]["identifyId"].as_str().unwrap().to_string();
    let (status, _) = pair
        .both(reqwest::Method::DELETE, &format!("/v1/users/{user}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for sandbox in [&pair.memory, &pair.file] {
        let fault = pair
            .http
            .post(format!("{}/_sandbox/faults", sandbox.base_url()))
            .json(&json!({"vendor": "gainsight-px", "fail_commit": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(fault.status(), StatusCode::OK);
    }
    let revive = |sandbox: &RunningSandbox| {
        pair.http
            .post(format!("{}/v1/users", sandbox.gainsight_px_url()))
            .header("x-aptrinsic-api-key", PX_KEY)
            .json(&json!({"identifyId": user, "propertyKeys": ["AP-XXXXXXXXXX-2"], "title": "revived"}))
            .send()
    };
    for sandbox in [&pair.memory, &pair.file] {
        let refused = revive(sandbox).await.unwrap();
        assert_eq!(refused.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    let (status, _) = pair
        .both(reqwest::Method::GET, &format!("/v1/users/{user}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the revival was not kept");
    let (_, listed) = pair
        .both(reqwest::Method::GET, "/v1/users?pageSize=1")
        .await;
    let total = serde_json::from_str::<Value>(&listed).unwrap()["totalHits"].clone();
    assert_eq!(total, json!(users().len() - 1), "the count was not changed");

    // The fault covered one write: the same revival is kept now (each sandbox stamps it with its
    // own clock, so the two answers are compared by title only).
    for sandbox in [&pair.memory, &pair.file] {
        assert_eq!(revive(sandbox).await.unwrap().status(), StatusCode::CREATED);
        let (status, revived) =
            get_px_user(&pair.http, &sandbox.gainsight_px_url(), PX_KEY, &user).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(revived["title"], "revived", "{revived}");
    }

    pair.memory.stop().await.unwrap();
    pair.file.stop().await.unwrap();
    std::fs::remove_dir_all(&pair.dir).unwrap();
}
