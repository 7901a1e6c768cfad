//! Rendering site documents to HTML pages with Redocly CLI's `build-docs` (Redoc 3), pinned in
//! `package.json`, and the one shared copy of Redoc's browser script the pages load.
//!
//! `build-docs` pre-renders each page and hydrates it in the browser with Redoc's standalone
//! bundle, which it either imports from Redocly's CDN or inlines into every page (2.3 MB each).
//! Neither suits a site that must open from a local file with nothing fetched from outside, at a
//! reasonable size. So the pages are rendered without `--inlineBundle`, and two exact, counted
//! edits make them offline:
//!
//! - in each page, the CDN `modulepreload` link is dropped and the CDN import is replaced by an
//!   import of the bundle from `renderer.js` beside the page. That bundle is an ES module, which
//!   Chromium will not load from a `file:` URL, so `renderer.js` is a classic script carrying the
//!   module's text as a string, and the page imports it through a `blob:` URL. The pre-rendered
//!   navigation's links become the hash links Redoc uses once hydrated, so a click that comes
//!   before hydration stays on the page.
//! - in the bundle, the two CDN URLs of Redocly's "API docs by" logo (fetched on every page view)
//!   are replaced by a local image.
//!
//! Every edit must match exactly as often as expected, so a new Redocly version that changes the
//! output fails here with a message instead of producing a page that calls the network.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use spec_pipeline::Error;
use spec_pipeline::document::METHODS;
use spec_pipeline::outputs;

use super::index::Entry;
use super::site_error;

/// The shared script beside the pages.
pub const RENDERER_FILE: &str = "renderer.js";

const REDOCLY_BIN: &str = "node_modules/.bin/redocly";
const REDOCLY_PACKAGE: &str = "node_modules/@redocly/cli/package.json";
/// Where Redocly CLI keeps the bundle it imports from its CDN (the same bytes).
const REDOC_BUNDLE: &str = "node_modules/@redocly/cli/lib/chunks/redoc.standalone.js";

/// The page template: Redocly's default, plus the shared script and a note for readers without
/// JavaScript.
const TEMPLATE: &str = include_str!("page.hbs");

/// The global the shared script stores the bundle's text in.
const BUNDLE_GLOBAL: &str = "__vendorSpecsRedocBundle";

/// The CDN logo URLs in the bundle, and what replaces them: the same words, drawn locally.
const LOGO_URLS: [&str; 2] = [
    "https://cdn.redoc.ly/redoc/logo-mini-full.svg",
    "https://cdn.redoc.ly/redoc/logo-mini.svg",
];
const LOCAL_LOGO: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='50' height='14'%3E%3Ctext x='1' y='11' font-family='sans-serif' font-size='11' font-weight='600' fill='%230044D4'%3ERedocly%3C/text%3E%3C/svg%3E";

/// Redoc's options for every page. The stacked layout gives the operation's text, and so the
/// tables of the added sections, the page's full width. `downloadUrls` points the download button
/// at the published documents: the page's own definition carries the added sections and is not
/// the spec.
fn redoc_options(vendor: &str) -> Value {
    json!({
        "layout": "stacked",
        "downloadUrls": [
            {"title": "OpenAPI (YAML)", "url": format!("../{vendor}.yaml")},
            {"title": "OpenAPI (JSON)", "url": format!("../{vendor}.json")}
        ]
    })
}

/// One page to render.
pub struct PageInput<'a> {
    /// The vendor's checked file stem (`attestr`), and the authored document the page comes
    /// from, named in messages and the header.
    pub entry: Entry<'a>,
    /// The site document.
    pub document: Value,
}

/// The version of the pinned Redocly CLI, read from its installed `package.json`.
pub fn redocly_version(repo: &Path) -> Result<String, Error> {
    let path = repo.join(REDOCLY_PACKAGE);
    let text = std::fs::read_to_string(&path).map_err(|err| missing_tool(&path, err))?;
    let package: Value = serde_json::from_str(&text)
        .map_err(|err| site_error(REDOCLY_PACKAGE, format!("not valid JSON: {err}")))?;
    package
        .get("version")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| site_error(REDOCLY_PACKAGE, "has no `version`"))
}

fn missing_tool(path: &Path, err: std::io::Error) -> Error {
    site_error(
        &path.display().to_string(),
        format!(
            "{err}; the reference site is rendered with the pinned Redocly CLI: run `npm ci` \
             (or `cargo xtask test`, which installs the pinned tools)"
        ),
    )
}

/// Renders every page with `redocly build-docs`, all at once, in a scratch directory under
/// `target/`. Returns the pages' HTML in input order, made offline (see the module docs).
pub fn render_pages(repo: &Path, pages: &[PageInput]) -> Result<Vec<String>, Error> {
    let redocly = repo.join(REDOCLY_BIN);
    if !redocly.exists() {
        return Err(missing_tool(
            &redocly,
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    let scratch_root = repo.join("target/reference-site");
    std::fs::create_dir_all(&scratch_root).map_err(|err| Error::io(&scratch_root, err))?;
    let scratch = tempfile::Builder::new()
        .prefix("render-")
        .tempdir_in(&scratch_root)
        .map_err(|err| Error::io(&scratch_root, err))?;
    let template = scratch.path().join("page.hbs");
    std::fs::write(&template, TEMPLATE).map_err(|err| Error::io(&template, err))?;

    let mut running: Vec<(&PageInput, PathBuf, Child)> = Vec::new();
    for page in pages {
        let stem = page.entry.stem;
        let input = scratch.path().join(format!("{stem}.json"));
        let options_path = scratch.path().join(format!("{stem}.options.json"));
        let output = scratch.path().join(format!("{stem}.html"));
        let document = serde_json::to_string(&MethodOrder(&page.document))
            .expect("a JSON value always serializes");
        let options =
            serde_json::to_string(&redoc_options(stem)).expect("a JSON value always serializes");
        for (path, text) in [(&input, document), (&options_path, options)] {
            std::fs::write(path, text).map_err(|err| Error::io(path, err))?;
        }
        let child = Command::new(&redocly)
            .arg("build-docs")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .arg("--template")
            .arg(&template)
            .arg("--openapi")
            .arg(&options_path)
            .arg("--lint-config=off")
            .current_dir(scratch.path())
            // Telemetry off also makes the page itself send none (`disableTelemetry`), and every
            // run must render the same bytes whatever the caller's environment says.
            .envs(spec_review::QUIET_NODE_TOOLS)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match child {
            Ok(child) => running.push((page, output, child)),
            Err(err) => {
                for (_, _, mut started) in running {
                    let _ = started.kill();
                    let _ = started.wait();
                }
                return Err(missing_tool(&redocly, err));
            }
        }
    }

    outputs::gather(running.into_iter().map(|(page, output, child)| {
        match child.wait_with_output() {
            Ok(finished) if finished.status.success() => std::fs::read_to_string(&output)
                .map_err(|err| Error::io(&output, err))
                .and_then(|html| offline_page(&page.entry.doc.name, &html)),
            Ok(finished) => Err(site_error(
                &page.entry.doc.name,
                format!(
                    "`redocly build-docs` failed ({}): {}",
                    finished.status,
                    tail(&String::from_utf8_lossy(&finished.stderr))
                ),
            )),
            Err(err) => Err(Error::io(&redocly, err)),
        }
    }))
}

/// A document serialized with each path item's operations in the order the OpenAPI
/// specification lists the methods (`get`, `put`, `post`, `delete`, …), which is the order Redoc
/// shows them in; every other map keeps `serde_json`'s sorted order.
struct MethodOrder<'a>(&'a Value);

impl Serialize for MethodOrder<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (Some(root), Some(paths)) = (
            self.0.as_object(),
            self.0.get("paths").and_then(Value::as_object),
        ) else {
            return self.0.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(root.len()))?;
        for (key, value) in root {
            if key == "paths" {
                map.serialize_entry(key, &Paths(paths))?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

struct Paths<'a>(&'a Map<String, Value>);

impl Serialize for Paths<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(path, item)| (path, PathItem(item))))
    }
}

/// A path item's entries: the methods in [`METHODS`] order, then everything else, sorted.
struct PathItem<'a>(&'a Value);

impl Serialize for PathItem<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rank = |key: &str| METHODS.iter().position(|method| *method == key);
        let mut entries: Vec<(&String, &Value)> =
            self.0.as_object().into_iter().flatten().collect();
        entries.sort_by_key(|(key, _)| (rank(key).unwrap_or(METHODS.len()), key.as_str()));
        serializer.collect_map(entries)
    }
}

/// The last lines of a tool's output, for an error message.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// The rendered page with its two references to Redocly's CDN replaced by the local
/// `renderer.js`.
fn offline_page(source: &str, html: &str) -> Result<String, Error> {
    let shape_error = |what: &str| Error::Site {
        document: source.to_string(),
        message: format!(
            "the page `redocly build-docs` rendered does not have the expected shape ({what}); \
             a new Redocly CLI version needs `xtask/src/site/redoc.rs` brought in line"
        ),
    };
    let preload = exactly_one(
        html,
        "<link rel=\"modulepreload\" href=\"https://cdn.redocly.com/",
    )
    .ok_or_else(|| shape_error("one CDN modulepreload link"))?;
    let preload_end = html[preload..]
        .find("/>")
        .map(|end| preload + end + 2)
        .ok_or_else(|| shape_error("the modulepreload link is not closed"))?;
    let html = format!("{}{}", &html[..preload], &html[preload_end..]);

    let import = exactly_one(&html, "import { hydrate } from \"https://cdn.redocly.com/")
        .ok_or_else(|| shape_error("one CDN import of `hydrate`"))?;
    let import_end = html[import..]
        .find("\";")
        .map(|end| import + end + 2)
        .ok_or_else(|| shape_error("the CDN import is not terminated"))?;
    let local_import = format!(
        "const {{ hydrate }} = await import(URL.createObjectURL(new Blob([globalThis.{BUNDLE_GLOBAL}], {{ type: \"text/javascript\" }})));"
    );
    let html = format!("{}{local_import}{}", &html[..import], &html[import_end..]);

    // The pre-rendered navigation links by path (`/profiles`); hydrated, Redoc routes by hash
    // (`#/profiles`). A click before hydration would leave the page for `file:///profiles`.
    let html = hash_links(&html).ok_or_else(|| shape_error("pre-rendered links by path"))?;

    let html = readable_definition(&html)
        .ok_or_else(|| shape_error("one `__redoc_definition` holding a JSON document"))?;

    if html.contains("cdn.redocly.com") || html.contains("cdn.redoc.ly") {
        return Err(shape_error("a CDN reference is left after the edits"));
    }
    Ok(html)
}

/// The page with the document Redoc hydrates from written one JSON value a line, not as one
/// line of 30–50 kB, so that a spec change shows in the page's diff as the lines it changed.
/// The JSON stays safe inside `<script>`: `<`, U+2028 and U+2029 are written as `\u` escapes,
/// as Redocly writes them.
fn readable_definition(html: &str) -> Option<String> {
    const START: &str = "const __redoc_definition = ";
    let start = exactly_one(html, START)? + START.len();
    let end = start + html[start..].find(";\n")?;
    let definition: Value = serde_json::from_str(&html[start..end]).ok()?;
    let mut pretty = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut pretty, formatter);
    MethodOrder(&definition).serialize(&mut serializer).ok()?;
    let pretty = String::from_utf8(pretty).ok()?;
    let safe = pretty
        .replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    Some(format!("{}{safe}{}", &html[..start], &html[end..]))
}

/// `href="/x"` → `href="#/x"` (never `href="//host"`); `None` if there is no such link.
fn hash_links(html: &str) -> Option<String> {
    const PATH_LINK: &str = "href=\"/";
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    let mut found = false;
    while let Some(at) = rest.find(PATH_LINK) {
        let after = &rest[at + PATH_LINK.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with('/') {
            out.push_str(PATH_LINK);
        } else {
            out.push_str("href=\"#/");
            found = true;
        }
        rest = after;
    }
    out.push_str(rest);
    found.then_some(out)
}

fn exactly_one(text: &str, needle: &str) -> Option<usize> {
    let mut matches = text.match_indices(needle);
    let first = matches.next()?.0;
    matches.next().is_none().then_some(first)
}

/// `renderer.js`: Redoc's standalone bundle as a string in a classic script, with the logo
/// served locally. `header` is the file's first line.
pub fn renderer_file(repo: &Path, header: &str) -> Result<String, Error> {
    let path = repo.join(REDOC_BUNDLE);
    let mut bundle = std::fs::read_to_string(&path).map_err(|err| missing_tool(&path, err))?;
    for url in LOGO_URLS {
        if bundle.matches(url).count() != 1 {
            return Err(site_error(
                REDOC_BUNDLE,
                format!(
                    "expected Redoc's bundle to name `{url}` once; a new Redocly CLI version \
                     needs `xtask/src/site/redoc.rs` brought in line"
                ),
            ));
        }
        bundle = bundle.replace(url, LOCAL_LOGO);
    }
    if bundle.contains("cdn.redoc.ly") {
        return Err(site_error(
            REDOC_BUNDLE,
            "Redoc's bundle names another cdn.redoc.ly resource",
        ));
    }
    let text = serde_json::to_string(&bundle).expect("a string always serializes");
    Ok(format!("{header}\nglobalThis.{BUNDLE_GLOBAL} = {text};\n"))
}

/// Redoc's own version, from the licence banner at the top of its bundle (`Version: 3.0.1`).
pub fn redoc_version(repo: &Path) -> Result<String, Error> {
    let path = repo.join(REDOC_BUNDLE);
    let bundle = std::fs::read_to_string(&path).map_err(|err| missing_tool(&path, err))?;
    bundle
        .lines()
        .take(10)
        .find_map(|line| {
            line.trim_start_matches(['*', ' '])
                .strip_prefix("Version: ")
        })
        .map(|version| version.trim().to_string())
        .ok_or_else(|| site_error(REDOC_BUNDLE, "no `Version:` line in the bundle's banner"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RENDERED: &str = "<head><link rel=\"modulepreload\" href=\"https://cdn.redocly.com/redoc/v3.0.1/bundles/redoc.standalone.js\" integrity=\"sha384-x\" crossorigin=\"anonymous\" /><style>a{}</style></head>\
        <body><div id=\"redoc\"><a href=\"/\">a</a><a href=\"/tag\">b</a><a href=\"//x.test/\">c</a></div><script type=\"module\">\n      import { hydrate } from \"https://cdn.redocly.com/redoc/v3.0.1/bundles/redoc.standalone.js\";\n      const __redoc_definition = {\"paths\":{\"/x\":{\"put\":{},\"get\":{\"description\":\"a \\u003cb>\"}}}};\n      hydrate();</script></body>";

    #[test]
    fn pages_load_the_local_bundle_instead_of_the_cdn() {
        let page = offline_page("spec/a.yaml", RENDERED).unwrap();
        assert!(!page.contains("cdn."), "{page}");
        assert!(page.contains("<head><style>a{}</style></head>"), "{page}");
        assert!(
            page.contains("<a href=\"#/\">a</a><a href=\"#/tag\">b</a><a href=\"//x.test/\">c</a>"),
            "{page}"
        );
        assert!(page.contains(&format!(
            "const {{ hydrate }} = await import(URL.createObjectURL(new Blob([globalThis.{BUNDLE_GLOBAL}]"
        )));
        assert!(
            page.contains(
                "const __redoc_definition = {\n \"paths\": {\n  \"/x\": {\n   \"get\": {\n    \"description\": \"a \\u003cb>\"\n   },\n   \"put\": {}\n  }\n }\n};\n"
            ),
            "{page}"
        );
    }

    #[test]
    fn a_missing_renderer_says_how_to_install_it() {
        let empty = tempfile::tempdir().unwrap();
        for err in [
            render_pages(empty.path(), &[]).unwrap_err(),
            redocly_version(empty.path()).unwrap_err(),
            renderer_file(empty.path(), "").unwrap_err(),
        ] {
            let message = err.to_string();
            assert!(message.contains("run `npm ci`"), "{message}");
        }
    }

    #[test]
    fn operations_are_written_in_method_order() {
        let doc = json!({"info": {"b": 1, "a": 2}, "paths": {"/x": {
            "parameters": [], "delete": {}, "get": {}, "patch": {}, "put": {}}}});
        assert_eq!(
            serde_json::to_string(&MethodOrder(&doc)).unwrap(),
            r#"{"info":{"a":2,"b":1},"paths":{"/x":{"get":{},"put":{},"delete":{},"patch":{},"parameters":[]}}}"#
        );
    }

    #[test]
    fn an_unexpected_page_shape_is_an_error() {
        let twice = RENDERED.replace(
            "hydrate();",
            "import { hydrate } from \"https://cdn.redocly.com/x\";",
        );
        for broken in [RENDERED.replace("modulepreload", "preload"), twice] {
            let err = offline_page("spec/a.yaml", &broken)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("spec/a.yaml: "), "{err}");
            assert!(err.contains("does not have the expected shape"), "{err}");
        }
    }
}
