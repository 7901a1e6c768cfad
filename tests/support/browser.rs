//! Headless Chromium for tests: open a local HTML file with the network blocked, run a few steps
//! (wait, click, read text, tables and links, take a screenshot) and get back what a
//! person would have seen, plus every failed request, console error and page error.
//!
//! The browser is Debian's `/usr/bin/chromium` (`apt-get install -y chromium`; `.ci/run` installs
//! it), driven by `browser.mjs` beside this file with the `playwright-core` pinned in
//! `package.json` (`npm ci`). Any test can use it: build a [`Job`], call [`run`], assert on the
//! [`Report`] ([`Report::assert_offline_and_clean`] for the common checks).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::repo_root;

/// Where Debian installs Chromium; `CHROMIUM_PATH` overrides it.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// One page to open and what to do there.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// The HTML file, opened as a `file:` URL.
    pub file: PathBuf,
    pub viewport: Viewport,
    /// Per step, in milliseconds.
    pub timeout_ms: u64,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

/// One step. Selectors are Playwright selectors: CSS (with `:has()`, `:text-is()`, `:visible`)
/// or `text=…`; quote spec text with [`css_string`].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Step {
    /// Until the first match is visible.
    WaitFor {
        #[serde(rename = "waitFor")]
        selector: String,
    },
    /// The first match.
    Click {
        #[serde(rename = "click")]
        selector: String,
    },
    /// The visible text of every match, under `name` in [`Report::text`].
    Text {
        #[serde(rename = "text")]
        selector: String,
        #[serde(rename = "as")]
        name: String,
    },
    /// Every matching `<table>` as rows of cell texts, under `name` in [`Report::tables`].
    Tables {
        #[serde(rename = "tables")]
        selector: String,
        #[serde(rename = "as")]
        name: String,
    },
    /// Every matching `<a>`, under `name` in [`Report::links`].
    Links {
        #[serde(rename = "links")]
        selector: String,
        #[serde(rename = "as")]
        name: String,
    },
    /// A PNG of the viewport.
    Screenshot {
        #[serde(rename = "screenshot")]
        path: PathBuf,
    },
}

impl Job {
    /// A job for `file` with a 1280×900 viewport and 15 s per step.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        Job {
            file: file.into(),
            viewport: Viewport {
                width: 1280,
                height: 900,
            },
            timeout_ms: 15_000,
            steps: Vec::new(),
        }
    }

    pub fn viewport(mut self, width: u32, height: u32) -> Self {
        self.viewport = Viewport { width, height };
        self
    }

    pub fn wait_for(mut self, selector: impl Into<String>) -> Self {
        self.steps.push(Step::WaitFor {
            selector: selector.into(),
        });
        self
    }

    pub fn click(mut self, selector: impl Into<String>) -> Self {
        self.steps.push(Step::Click {
            selector: selector.into(),
        });
        self
    }

    pub fn text(mut self, name: impl Into<String>, selector: impl Into<String>) -> Self {
        self.steps.push(Step::Text {
            selector: selector.into(),
            name: name.into(),
        });
        self
    }

    pub fn tables(mut self, name: impl Into<String>, selector: impl Into<String>) -> Self {
        self.steps.push(Step::Tables {
            selector: selector.into(),
            name: name.into(),
        });
        self
    }

    pub fn links(mut self, name: impl Into<String>, selector: impl Into<String>) -> Self {
        self.steps.push(Step::Links {
            selector: selector.into(),
            name: name.into(),
        });
        self
    }

    pub fn screenshot(mut self, path: impl Into<PathBuf>) -> Self {
        self.steps.push(Step::Screenshot { path: path.into() });
        self
    }
}

/// What the page did and showed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub url: String,
    /// Every URL the page requested, in order.
    pub requests: Vec<String>,
    /// Requests that failed, blocked ones (anything but `file:`, `data:`, `blob:`) included.
    pub failed_requests: Vec<FailedRequest>,
    pub console_errors: Vec<String>,
    /// Uncaught exceptions.
    pub page_errors: Vec<String>,
    pub text: BTreeMap<String, Vec<String>>,
    /// Tables by step name: each table is rows of cell texts, header row first.
    pub tables: BTreeMap<String, Vec<Vec<Vec<String>>>>,
    pub links: BTreeMap<String, Vec<Link>>,
    pub screenshots: Vec<PathBuf>,
    /// The step that failed, if one did.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FailedRequest {
    pub url: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Link {
    pub text: String,
    pub href: Option<String>,
}

impl Report {
    /// Fails unless the page made no request beyond local files, none failed, and it logged no
    /// console error and threw no exception.
    pub fn assert_offline_and_clean(&self) {
        let mut problems = Vec::new();
        for request in &self.failed_requests {
            problems.push(format!(
                "failed request: {} ({})",
                request.url, request.error
            ));
        }
        for url in &self.requests {
            if !["file:", "data:", "blob:"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
            {
                problems.push(format!("request outside the local file: {url}"));
            }
        }
        for error in &self.console_errors {
            problems.push(format!("console error: {error}"));
        }
        for error in &self.page_errors {
            problems.push(format!("page error: {error}"));
        }
        assert!(
            problems.is_empty(),
            "{} is not clean:\n  {}",
            self.url,
            problems.join("\n  ")
        );
    }

    /// The text read under `name`; fails naming the step when there is none.
    pub fn text(&self, name: &str) -> &[String] {
        self.text
            .get(name)
            .unwrap_or_else(|| panic!("{}: no text step named {name:?}", self.url))
    }

    /// The tables read under `name`.
    pub fn tables(&self, name: &str) -> &[Vec<Vec<String>>] {
        self.tables
            .get(name)
            .unwrap_or_else(|| panic!("{}: no tables step named {name:?}", self.url))
    }

    /// The links read under `name`.
    pub fn links(&self, name: &str) -> &[Link] {
        self.links
            .get(name)
            .unwrap_or_else(|| panic!("{}: no links step named {name:?}", self.url))
    }
}

/// The Chromium binary the driver starts.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM))
}

/// Runs `job` in headless Chromium. Fails with a message saying what to install when Chromium,
/// Node.js or playwright-core is missing, and with the failed step (and what the page logged)
/// when a step does not complete.
pub fn run(job: &Job) -> Report {
    let chromium = chromium_path();
    assert!(
        chromium.exists(),
        "headless Chromium is missing: {} does not exist. Install Debian's package with \
         `apt-get install -y --no-install-recommends chromium` (as .ci/run does), or point \
         CHROMIUM_PATH at a Chromium binary",
        chromium.display()
    );
    let repo = repo_root();
    assert!(
        repo.join("node_modules/playwright-core/package.json")
            .exists(),
        "playwright-core is missing from node_modules: run `npm ci` (it is pinned in package.json)"
    );
    let driver = repo.join("tests/support/browser.mjs");
    let mut child = Command::new("node")
        .arg(&driver)
        .current_dir(&repo)
        .env("CHROMIUM_PATH", &chromium)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("could not start `node` (Node.js 20+ is needed): {err}"));
    let job_json = serde_json::to_vec(job).expect("a job always serializes");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(&job_json)
        .expect("the driver reads its job");
    let output = child.wait_with_output().expect("the driver runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Report = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!(
                "the browser driver printed no report ({}):\nstdout: {stdout}\nstderr: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        });
    if let Some(error) = &report.error {
        panic!(
            "{}: {error}\nconsole errors: {:?}\npage errors: {:?}\nfailed requests: {:?}",
            report.url, report.console_errors, report.page_errors, report.failed_requests
        );
    }
    report
}

/// `text` as a quoted string for a selector (`:text-is("…")`, `[data-text="…"]`).
pub fn css_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '\n' => quoted.push_str("\\a "),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// A directory under the repository's `target/` for a test's output (screenshots), created.
pub fn output_dir(name: &str) -> PathBuf {
    let dir = repo_root().join("target").join(name);
    std::fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    dir
}

/// Whether `path` is a PNG file (its signature), for checking a screenshot was written.
pub fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"\x89PNG\r\n\x1a\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_serialize_to_the_drivers_format() {
        let job = Job::new("/tmp/page.html")
            .wait_for("table")
            .tables("rows", "table")
            .screenshot("/tmp/page.png");
        assert_eq!(
            serde_json::to_value(&job).unwrap(),
            serde_json::json!({
                "file": "/tmp/page.html",
                "viewport": {"width": 1280, "height": 900},
                "timeoutMs": 15000,
                "steps": [
                    {"waitFor": "table"},
                    {"tables": "table", "as": "rows"},
                    {"screenshot": "/tmp/page.png"}
                ]
            })
        );
        assert_eq!(css_string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }
}
