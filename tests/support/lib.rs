//! Helpers shared by the workspace tests: where the repository is, a scratch copy of it, a
//! field-by-field JSON comparison that names the path of every difference, and headless Chromium
//! ([`browser`]).

pub mod browser;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The workspace root (this crate lives in `<root>/tests`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A throwaway copy of the files the pipeline reads and writes, so a test can edit a spec or a
/// source page and run the pipeline without touching the real tree. Removed on drop.
pub struct ScratchRepo {
    pub root: PathBuf,
}

impl ScratchRepo {
    pub fn new(label: &str) -> Self {
        let root = std::env::temp_dir().join(format!(
            "vendor-specs-{label}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        let repo = repo_root();
        copy_tree(&repo.join("spec"), &root.join("spec"));
        // `cargo xtask site` renders the reference site with the pinned Node tools; share the install.
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink(repo.join("node_modules"), root.join("node_modules"));
        copy_tree(&repo.join("tests/fixtures"), &root.join("tests/fixtures"));
        for vendor in spec_pipeline::vendors::VENDORS {
            let mut generated = vec![vendor.generated_path(), vendor.operations_path()];
            if vendor.has_error_codes {
                generated.push(vendor.error_codes_path());
            }
            for file in generated {
                let target = root.join(&file);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(repo.join(&file), target).unwrap();
            }
        }
        ScratchRepo { root }
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }

    pub fn write(&self, path: &str, contents: &str) {
        std::fs::write(self.root.join(path), contents).unwrap();
    }

    /// Replaces `from` with `to` in the copy of a vendor `page` and re-cites it in `spec` (the
    /// sha256 a reviewer would update), so that only the checks of the page's content can notice.
    pub fn edit_cited_page(&self, spec: &str, page: &str, from: &str, to: &str) {
        let old = self.read(page);
        let new = old.replace(from, to);
        assert_ne!(old, new, "the edit of {page} must apply");
        self.write(page, &new);
        let hash = |text: &str| spec_pipeline::checks::hex_sha256(text.as_bytes());
        let cited = self.read(spec);
        assert!(cited.contains(&hash(&old)));
        self.write(spec, &cited.replace(&hash(&old), &hash(&new)));
    }
}

impl Drop for ScratchRepo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every difference between a sample payload and the same payload after a trip through a
/// generated type, as `$.path: ...` lines. An explicit `null` in the sample and an absent field
/// after the trip are the same value: the generated types hold both as `None`.
pub fn json_mismatches(sample: &Value, round_tripped: &Value) -> Vec<String> {
    let mut mismatches = Vec::new();
    compare(sample, round_tripped, "$", &mut mismatches);
    mismatches
}

fn compare(sample: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (sample, actual) {
        (Value::Object(sample), Value::Object(actual)) => {
            for (key, expected) in sample {
                let child = format!("{path}.{key}");
                match actual.get(key) {
                    Some(value) => compare(expected, value, &child, out),
                    None if expected.is_null() => {}
                    None => out.push(format!(
                        "{child}: the sample has {expected}, the round trip dropped it"
                    )),
                }
            }
            for (key, value) in actual {
                if !sample.contains_key(key) {
                    out.push(format!(
                        "{path}.{key}: not in the sample, the round trip added {value}"
                    ));
                }
            }
        }
        (Value::Array(sample), Value::Array(actual)) => {
            if sample.len() != actual.len() {
                out.push(format!(
                    "{path}: the sample has {} items, the round trip {}",
                    sample.len(),
                    actual.len()
                ));
            }
            for (index, (expected, value)) in sample.iter().zip(actual).enumerate() {
                compare(expected, value, &format!("{path}[{index}]"), out);
            }
        }
        (Value::Number(expected), Value::Number(value)) if expected.as_f64() == value.as_f64() => {}
        _ if sample == actual => {}
        _ => out.push(format!(
            "{path}: the sample has {sample}, the round trip gives {actual}"
        )),
    }
}

/// Fails, naming the first missing line, unless `text` contains every one of `expected`.
#[track_caller]
pub fn assert_contains_all(text: &str, expected: &[&str]) {
    for line in expected {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
}

/// Retry settings for tests: the real policy, with waits short enough to keep tests fast.
pub fn fast_retries(runtime: &mut vendor_runtime::RuntimeConfig) {
    runtime.retry.initial_backoff = std::time::Duration::from_millis(5);
    runtime.retry.max_backoff = std::time::Duration::from_millis(20);
    runtime.timeout = std::time::Duration::from_secs(5);
}

/// Makes `server` answer `method` on `path` with `answers` in turn, each for one request, and
/// with the last one for every request after.
pub async fn answer_in_turn(
    server: &wiremock::MockServer,
    method: &str,
    path: &str,
    answers: impl IntoIterator<Item = wiremock::ResponseTemplate>,
) {
    let mut answers = answers.into_iter().peekable();
    while let Some(answer) = answers.next() {
        let mock = wiremock::Mock::given(wiremock::matchers::method(method))
            .and(wiremock::matchers::path(path))
            .respond_with(answer);
        let mock = if answers.peek().is_some() {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(server).await;
    }
}

/// Makes `server` answer every `method` request, whatever its path, with `answer`.
pub async fn answer_every(
    server: &wiremock::MockServer,
    method: &str,
    answer: wiremock::ResponseTemplate,
) {
    wiremock::Mock::given(wiremock::matchers::method(method))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Trust's documented 404 envelope for Identity, with `message`.
pub fn trust_not_found(message: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(404)
        .set_body_json(serde_json::json!({"code": 404, "resource": "Identity", "message": message}))
}

/// Reads an HTTP request's head off `stream`, for hand-rolled servers; false when the client
/// went away before the head ended.
pub async fn read_request_head(stream: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let mut buffer = [0_u8; 4096];
    while !seen.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(read) => seen.extend_from_slice(&buffer[..read]),
        }
    }
    true
}

/// Now, in Unix seconds, as Atenea writes `created_at`.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Atenea's documented token response, for a mock server.
pub fn atenea_token(
    access_token: &str,
    created_at: i64,
    expires_in: i64,
) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": expires_in, "created_at": created_at,
    }))
}

/// A base URL on loopback where nothing listens: connections are refused.
pub fn refused_base_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::json_mismatches;

    #[test]
    fn names_the_path_of_each_difference() {
        let sample = json!({"a": {"b": [1, {"c": "x"}]}, "gone": 1, "nothing": null});
        let round_tripped = json!({"a": {"b": [1, {"c": "y"}]}, "extra": true});
        assert_eq!(
            json_mismatches(&sample, &round_tripped),
            vec![
                "$.a.b[1].c: the sample has \"x\", the round trip gives \"y\"",
                "$.gone: the sample has 1, the round trip dropped it",
                "$.extra: not in the sample, the round trip added true",
            ]
        );
    }
}
