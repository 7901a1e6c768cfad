//! The sandbox's request log lines: one DEBUG line per request with the vendor, the route
//! template and the status, and never an id or a credential.
//!
//! This file holds one test, alone in its process, on purpose. `set_default` installs the
//! subscriber for this thread only, and tracing caches each callsite's interest globally: a test
//! on another thread that reaches the sandbox's callsite first, while this subscriber registers,
//! can leave it cached as "never", and the lines this test reads go missing (seen in CI).

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use sandbox::{Config, Sandbox};

const PX_KEY: &str = sandbox::config::DEMO_PX_API_KEY;

/// A log writer that keeps what is written.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn debug_logs_each_request_by_route_template_without_ids_or_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // This test's runtime runs on this thread: the server's tasks log here.
    let _logging = tracing::subscriber::set_default(subscriber);
    let sandbox = Sandbox::start(Config::ephemeral())
        .await
        .expect("the sandbox starts");
    let http = reqwest::Client::new();
    let unknown = http
        .get(format!(
            "{}/v1/users/jane.roe%40example.com",
            sandbox.gainsight_px_url()
        ))
        .header("x-aptrinsic-api-key", PX_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let refused = http
        .get(format!(
            "{}/public/factx/AXsecretProfile01",
            sandbox.attestr_url()
        ))
        .header("authorization", "Basic not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let unrouted = http
        .get(format!("{}/v2/person-42", sandbox.gainsight_px_url()))
        .header("x-aptrinsic-api-key", PX_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(unrouted.status(), StatusCode::NOT_FOUND);
    sandbox.stop().await.unwrap();

    let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = logged
        .lines()
        .filter(|line| line.contains("DEBUG") && line.contains(" request "))
        .collect();
    assert_eq!(lines.len(), 3, "{logged}");
    // Each line's vendor, route template and status; every line is a GET.
    let factx = "/attestr/api/{version}/public/factx/{profileId}";
    for (line, (vendor, route, status)) in lines.iter().zip([
        ("GainsightPx", "/gainsight-px/v1/users/{identifyId}", 404),
        ("Attestr", factx, 401),
        ("GainsightPx", "(no route)", 404),
    ]) {
        let (vendor, route) = (format!("vendor={vendor}"), format!("route=\"{route}\""));
        let status = format!("status={status}");
        for field in [vendor, "method=GET".to_string(), route, status] {
            assert!(line.contains(&field), "{field} not in {line}");
        }
    }
    for secret in [
        "jane.roe",
        "AXsecretProfile01",
        "person-42",
        PX_KEY,
        "not-the-token",
    ] {
        assert!(!logged.contains(secret), "{secret} was logged: {logged}");
    }
}
