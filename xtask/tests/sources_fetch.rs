//! `cargo xtask sources fetch` against a local server that serves HTML pages shaped like each
//! vendor's documentation pages (`spec/fixtures/pages/`), never the real vendors: every page the
//! specs cite is fetched through [`FetchOptions::locate`], which points the vendors' hosts at the
//! server on a random loopback port.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Scratch, repo_root};
use spec_pipeline::outputs::{Mode, generate};
use spec_pipeline::sources::{self, Client, FetchOptions, Outcome, layout_key};

/// What the server answers on one path.
#[derive(Clone)]
enum Reply {
    Page {
        content_type: &'static str,
        body: Vec<u8>,
    },
    Redirect(String),
    Status(u16),
    /// Headers, then nothing for this long.
    Stall(Duration),
}

/// A small HTTP/1.1 server on a random loopback port, stopped when dropped.
struct Server {
    port: u16,
    routes: Arc<Mutex<BTreeMap<String, Reply>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<BTreeMap<String, Reply>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let routes = routes.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let routes = routes.clone();
                    std::thread::spawn(move || answer(stream, &routes));
                }
            })
        };
        Server {
            port,
            routes,
            stop,
            thread: Some(thread),
        }
    }

    fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_string(), reply);
    }

    /// `https://docs.attestr.com/x` → `http://127.0.0.1:<port>/docs.attestr.com/x`.
    fn locate(&self) -> Box<dyn Fn(&str) -> String + Send + Sync> {
        let port = self.port;
        Box::new(move |url: &str| {
            format!(
                "http://127.0.0.1:{port}/{}",
                url.strip_prefix("https://").unwrap_or(url)
            )
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(mut stream: TcpStream, routes: &Mutex<BTreeMap<String, Reply>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let reply = routes.lock().unwrap().get(&path).cloned();
    let _ = match reply {
        Some(Reply::Page { content_type, body }) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|()| stream.write_all(&body)),
        Some(Reply::Redirect(location)) => stream.write_all(
            format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        ),
        Some(Reply::Status(status)) => stream.write_all(
            format!("HTTP/1.1 {status} Whatever\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        ),
        Some(Reply::Stall(time)) => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100\r\n\r\n",
            );
            std::thread::sleep(time);
            Ok(())
        }
        None => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        ),
    };
}

/// The vendor pages the specs cite, each with its shaped HTML page.
const PAGES: [(&str, &str); 4] = [
    (
        "docs.attestr.com/v1/attestr-docs/background-verification-api-archive-profile",
        "attestr-archive-profile.html",
    ),
    (
        "docs.attestr.com/attestr-docs/background-verification-api-update-profile",
        "attestr-update-profile.html",
    ),
    (
        "docs.trust.lat/docs/api/index/endpoints/identity/delete_identity",
        "trust-index-delete-identity.html",
    ),
    (
        "px-apidocs.gainsight.com/operation/operation-deleteuserusingdelete_1.md",
        "gainsight-px-delete-user.html",
    ),
];

fn shaped_page(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("spec/fixtures/pages").join(name)).unwrap()
}

fn serve_vendor_pages(server: &Server) {
    for (path, page) in PAGES {
        server.route(
            &format!("/{path}"),
            Reply::Page {
                content_type: "text/html; charset=utf-8",
                body: shaped_page(page).into_bytes(),
            },
        );
    }
}

fn options(server: &Server) -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
        locate: server.locate(),
        ..FetchOptions::default()
    }
}

/// The stored text of the page whose shaped HTML is `page`.
fn stored_copy(page: &str) -> String {
    let path = repo_root()
        .join("spec/sources")
        .join(page.replace(".html", ".txt"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn each_shaped_page_reads_as_its_stored_copy() {
    // Whitespace and the joining of table cells aside, the text html2text extracts from each
    // page is the stored copy's.
    for (_, page) in PAGES {
        let stored = stored_copy(page);
        let text = sources::html_to_text(&shaped_page(page)).unwrap();
        assert_eq!(
            layout_key(&text),
            layout_key(&stored),
            "{page}:\n{}",
            sources::layout_diff(&stored, &text)
        );
    }
}

#[test]
fn the_page_facts_read_the_same_from_a_stored_copy_and_from_a_fetched_page() {
    use spec_pipeline::page_facts::{PageFacts, extract, page_format};
    // Line numbers differ between the layouts; the facts must not.
    fn without_lines(facts: PageFacts) -> impl std::fmt::Debug + PartialEq {
        fn fact<T>(rows: Vec<(usize, T)>) -> Vec<T> {
            rows.into_iter().map(|(_, fact)| fact).collect()
        }
        fn row<T>(rows: Vec<(usize, T, bool)>) -> Vec<(T, bool)> {
            rows.into_iter().map(|(_, row, flag)| (row, flag)).collect()
        }
        (
            facts.endpoint.map(|(_, method, url)| (method, url)),
            fact(facts.path_parameters),
            facts.query_parameters.map(row),
            fact(facts.statuses),
            fact(facts.errors),
            facts.body_fields.map(row),
        )
    }
    for (url, page) in PAGES {
        let format = page_format(&format!("https://{url}")).unwrap();
        let stored = stored_copy(page);
        let fetched = sources::html_to_text(&shaped_page(page)).unwrap();
        let from_stored = extract(format, &stored).unwrap_or_else(|err| panic!("{page}: {err}"));
        let from_fetched =
            extract(format, &fetched).unwrap_or_else(|err| panic!("{page} (fetched): {err}"));
        assert!(!from_stored.errors.is_empty(), "{page}: no error rows");
        assert_eq!(
            without_lines(from_stored),
            without_lines(from_fetched),
            "{page}"
        );
    }
}

#[test]
fn unchanged_pages_pass_and_a_new_error_row_goes_from_fetch_to_check() {
    let server = Server::start();
    serve_vendor_pages(&server);
    let scratch = Scratch::new();

    let summary = sources::run(&scratch.root, None, false, options(&server)).unwrap();
    assert_eq!(summary.changed, Vec::<String>::new(), "{summary:?}");
    assert_eq!(summary.failed, Vec::<String>::new(), "{summary:?}");
    assert_eq!(summary.unchanged.len(), 4, "{summary:?}");

    // The vendor adds an error code to the Archive Profile page.
    let archive = shaped_page("attestr-archive-profile.html").replace(
        "<tr><td>401</td><td>4016</td>",
        "<tr><td>400</td><td>40040</td><td>Profile is locked</td></tr>\n        <tr><td>401</td><td>4016</td>",
    );
    assert_ne!(archive, shaped_page("attestr-archive-profile.html"));
    server.route(
        &format!("/{}", PAGES[0].0),
        Reply::Page {
            content_type: "text/html",
            body: archive.into_bytes(),
        },
    );
    let (pages, _) = sources::pages(&scratch.root, Some("attestr")).unwrap();
    let page = pages
        .iter()
        .find(|page| page.file == "sources/attestr-archive-profile.txt")
        .unwrap();
    assert_eq!(page.cited_by, ["attestr: archiveProfile"]);
    let client = Client::new(options(&server)).unwrap();
    let Outcome::Changed { diff, .. } = sources::check_page(&scratch.root, page, &client) else {
        panic!("the page changed")
    };
    assert!(
        diff.contains("+ 400\n+ 40040\n+ Profile is locked\n"),
        "{diff}"
    );
    assert!(!diff.contains("Malformed"), "only the new row: {diff}");

    // Without --write nothing is stored; with it only the page is.
    let before = scratch.read("spec/sources/attestr-archive-profile.txt");
    let summary = sources::run(&scratch.root, Some("attestr"), false, options(&server)).unwrap();
    assert_eq!(summary.changed, ["sources/attestr-archive-profile.txt"]);
    assert_eq!(
        scratch.read("spec/sources/attestr-archive-profile.txt"),
        before
    );
    let spec_before = scratch.read("spec/attestr.yaml");
    sources::run(&scratch.root, Some("attestr"), true, options(&server)).unwrap();
    assert_ne!(
        scratch.read("spec/sources/attestr-archive-profile.txt"),
        before
    );
    assert_eq!(scratch.read("spec/attestr.yaml"), spec_before);

    // `generate --check` names the operation to update: first its stale hash, then, once the
    // reviewer updates only the hash, the new row of the page the spec lacks.
    let err = generate(&scratch.root, Mode::Check)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "operation `archiveProfile`: cites `sources/attestr-archive-profile.txt` with sha256"
        ),
        "{err}"
    );
    let stored = scratch.read("spec/sources/attestr-archive-profile.txt");
    let new_hash = spec_pipeline::checks::hex_sha256(stored.as_bytes());
    let old_hash = "0de1a444def53148139572e30f38a7f0c522666df00d6d798d7ae2f4df1b52d4";
    assert!(spec_before.contains(old_hash), "the cited hash moved");
    std::fs::write(
        scratch.root.join("spec/attestr.yaml"),
        spec_before.replace(old_hash, &new_hash),
    )
    .unwrap();
    let err = generate(&scratch.root, Mode::Check)
        .unwrap_err()
        .to_string();
    assert_eq!(err.matches("[rule: page-facts]").count(), 1, "{err}");
    assert!(
        err.contains("operation `archiveProfile`: `sources/attestr-archive-profile.txt` line ")
            && err.contains(
                "lists the error 400/40040 \"Profile is locked\", which `x-error-codes` lacks"
            ),
        "{err}"
    );
}

#[test]
fn every_fetch_is_bounded_and_each_failure_says_why() {
    let server = Server::start();
    let client = |options: FetchOptions| Client::new(options).unwrap();
    let url = |path: &str| format!("https://docs.attestr.com/{path}");
    let fetch = |client: &Client, path: &str| client.fetch_text(&url(path));

    server.route(
        "/docs.attestr.com/page",
        Reply::Page {
            content_type: "text/html",
            body: b"<p>Hello</p>".to_vec(),
        },
    );
    let plain = client(options(&server));
    assert_eq!(fetch(&plain, "page").unwrap(), "Hello\n");

    // Redirects: followed within the host, refused to another.
    server.route(
        "/docs.attestr.com/moved",
        Reply::Redirect("/docs.attestr.com/page".to_string()),
    );
    assert_eq!(fetch(&plain, "moved").unwrap(), "Hello\n");
    server.route(
        "/docs.attestr.com/elsewhere",
        Reply::Redirect(format!(
            "http://localhost:{}/docs.attestr.com/page",
            server.port
        )),
    );
    let err = fetch(&plain, "elsewhere").unwrap_err();
    assert!(err.contains("a redirect to another host"), "{err}");

    // A status, a body too large, bytes that are not UTF-8, a media type that is no page.
    server.route("/docs.attestr.com/gone", Reply::Status(404));
    assert!(fetch(&plain, "gone").unwrap_err().contains("HTTP 404"));
    server.route(
        "/docs.attestr.com/huge",
        Reply::Page {
            content_type: "text/html",
            body: vec![b'a'; 4096],
        },
    );
    let small = client(FetchOptions {
        max_bytes: 1024,
        ..options(&server)
    });
    assert!(
        fetch(&small, "huge")
            .unwrap_err()
            .contains("larger than 1024 bytes"),
        "the size limit"
    );
    server.route(
        "/docs.attestr.com/latin1",
        Reply::Page {
            content_type: "text/html",
            body: b"<p>caf\xe9</p>".to_vec(),
        },
    );
    assert!(fetch(&plain, "latin1").unwrap_err().contains("not UTF-8"));
    server.route(
        "/docs.attestr.com/image",
        Reply::Page {
            content_type: "image/png",
            body: vec![0; 16],
        },
    );
    assert!(
        fetch(&plain, "image")
            .unwrap_err()
            .contains("expected an HTML or text page")
    );

    // A server that stops answering: the timeout ends the fetch.
    server.route(
        "/docs.attestr.com/stall",
        Reply::Stall(Duration::from_secs(5)),
    );
    let quick = client(FetchOptions {
        timeout: Duration::from_millis(500),
        ..options(&server)
    });
    let started = std::time::Instant::now();
    let err = fetch(&quick, "stall").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4), "{err}");
    assert!(
        err.to_lowercase().contains("timed out") || err.contains("timeout"),
        "{err}"
    );

    // Only https for a real page: a plain-http URL is refused before any request.
    let direct = client(FetchOptions::default());
    let err = direct
        .fetch_text(&format!(
            "http://127.0.0.1:{}/docs.attestr.com/page",
            server.port
        ))
        .unwrap_err();
    assert!(err.contains("only https pages"), "{err}");
}

/// html2text takes time that grows with the square of the page's nesting depth (a few hundred
/// KiB of nested `<div>`s take minutes): the fetch's time limit covers turning the page into
/// text too.
#[test]
fn a_deeply_nested_page_ends_within_the_time_limit() {
    let server = Server::start();
    let depth = 60_000;
    server.route(
        "/docs.attestr.com/deep",
        Reply::Page {
            content_type: "text/html",
            body: format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth)).into_bytes(),
        },
    );
    let client = Client::new(FetchOptions {
        timeout: Duration::from_secs(2),
        ..options(&server)
    })
    .unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(client.fetch_text("https://docs.attestr.com/deep"));
    });
    let result = receiver
        .recv_timeout(Duration::from_secs(20))
        .expect("the fetch must end within its time limit");
    let err = result.unwrap_err();
    assert!(err.contains("took longer than"), "{err}");
}
