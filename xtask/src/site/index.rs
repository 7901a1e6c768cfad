//! `index.html`: the site's front page, one entry per vendor. Plain HTML and CSS written here
//! (no script, no font, nothing fetched), every spec string HTML-escaped.

use serde_json::Value;

use spec_pipeline::document::Document;

/// One vendor's entry.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    /// The file stem (`attestr`), a checked path component: the entry links `<stem>.html` and
    /// the published documents beside the site, `<stem>.yaml` and `<stem>.json`.
    pub stem: &'a str,
    /// The vendor's authored document, which gives the entry its title, versions, summary and
    /// operation count.
    pub doc: &'a Document,
}

/// The index page. `header` is its first line; `renderer` names the renderer and its version.
pub fn index_page(header: &str, renderer: &str, entries: &[Entry]) -> String {
    let mut vendors = String::new();
    for entry in entries {
        let info = entry.doc.root.get("info");
        let text = |key: &str| {
            info.and_then(|info| info.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let summary = text("description")
            .split("\n\n")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let vendor_version = text("x-vendor-api-version");
        let operations = entry.doc.operations().len();
        vendors.push_str(&format!(
            "    <li class=\"vendor\">\n      <h2><a href=\"{stem}.html\">{title}</a></h2>\n      \
             <p class=\"meta\">{operations} operations · document {version}{vendor_version} · \
             from <code>{source}</code> · OpenAPI: <a href=\"../{stem}.yaml\">{stem}.yaml</a>, \
             <a href=\"../{stem}.json\">{stem}.json</a></p>\n      <p>{summary}</p>\n    </li>\n",
            stem = escape(entry.stem),
            title = escape(text("title")),
            version = escape(text("version")),
            vendor_version = if vendor_version.is_empty() {
                String::new()
            } else {
                format!(" · vendor API {}", escape(vendor_version))
            },
            source = escape(&entry.doc.name),
            summary = with_code_spans(&escape(&summary)),
        ));
    }
    format!(
        "{header}\n<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  \
         <title>Vendor API reference</title>\n  <style>\n{STYLE}  </style>\n</head>\n<body>\n  \
         <main>\n  <h1>Vendor API reference</h1>\n  <p>The vendors' HTTP APIs as this project's \
         specs describe them, every fact traced to a stored copy of the vendor's page. Under each \
         operation, four sections come from the spec's own extensions: <strong>Documented \
         outcomes</strong> (what the Rust client returns, and the only responses that prove \
         each), <strong>Vendor error codes</strong> (messages verbatim), <strong>What is \
         unknown</strong> and <strong>Source</strong> (the vendor's page and the stored copy's \
         sha256).</p>\n  <ul class=\"vendors\">\n{vendors}  </ul>\n  <p class=\"meta\">Rendered \
         by <code>cargo xtask site</code> with {renderer}. The pages open from a local file \
         and fetch nothing from any other host.</p>\n  </main>\n</body>\n</html>\n",
        renderer = escape(renderer),
    )
}

const STYLE: &str = "    body { margin: 0; font-family: system-ui, sans-serif; color: #1a1c21; \
background: #fafafa; line-height: 1.5; }\n    main { max-width: 60rem; margin: 0 auto; padding: \
2rem 1.5rem; }\n    h1 { font-size: 2rem; margin: 0 0 1rem; }\n    ul.vendors { list-style: \
none; padding: 0; }\n    li.vendor { background: #fff; border: 1px solid #e4e5e9; \
border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }\n    li.vendor h2 { font-size: \
1.25rem; margin: 0 0 0.25rem; }\n    a { color: #0044d4; }\n    .meta { color: #555761; \
font-size: 0.875rem; }\n    code { font-size: 0.875em; background: #f1f2f4; padding: 0 0.25em; \
border-radius: 3px; }\n";

/// Escaped text whose `backtick` spans become `<code>` elements (left as they are when the
/// backticks do not pair up).
fn with_code_spans(escaped: &str) -> String {
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escaped.to_string();
    }
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| match index % 2 {
            1 => format!("<code>{part}</code>"),
            _ => part.to_string(),
        })
        .collect()
}

/// Text for an HTML element or a quoted attribute.
pub fn escape(text: &str) -> String {
    // `&` first, so that the entities written after it stay as they are.
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_text_is_escaped() {
        let doc = Document::parse(
            "spec/x.yaml",
            "openapi: 3.0.3\ninfo: {title: \"A <b>&</b>\", version: 0.1.0, description: \"<script>x</script> `a<b`\\n\\nmore\"}\npaths: {}\n",
        )
        .unwrap();
        let page = index_page(
            "<!-- header -->",
            "Redoc",
            &[Entry {
                stem: "x",
                doc: &doc,
            }],
        );
        assert!(page.starts_with("<!-- header -->\n<!DOCTYPE html>"));
        assert!(page.contains("<a href=\"x.html\">A &lt;b&gt;&amp;&lt;/b&gt;</a>"));
        assert!(page.contains("<p>&lt;script&gt;x&lt;/script&gt; <code>a&lt;b</code></p>"));
        assert_eq!(with_code_spans("a ` b"), "a ` b");
        assert!(!page.contains("more"));
        assert!(!page.contains("<script"));
    }
}
