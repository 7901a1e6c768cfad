//! The reference site in `spec/dist/site/`: one page per vendor, an index, and the one shared
//! renderer script, published by `cargo xtask site` and kept fresh by `cargo xtask site --check`
//! (apart from `generate`, whose loop needs only Rust: this needs the pinned Node tools).
//!
//! Authored document → [`sections::site_document`] (a copy whose operation descriptions gain
//! Markdown sections rendered from `x-outcomes`, `x-error-codes`, the "Unknown:" notes and
//! `x-vendor-doc`) → [`redoc::render_pages`] (Redocly CLI's `build-docs`, pinned, made offline)
//! → `<vendor>.html`; [`index::index_page`] → `index.html`; [`redoc::renderer_file`] →
//! `renderer.js`. Same specs and same pinned tools, same bytes.

pub mod index;
pub mod markdown;
pub mod redoc;
pub mod sections;

use std::collections::BTreeMap;
use std::path::Path;

use spec_pipeline::Error;
use spec_pipeline::document::Document;
use spec_pipeline::outputs::{self, Mode, Report};
use spec_pipeline::progress::Step;
use spec_pipeline::vendors::{VENDORS, Vendor};

pub use spec_pipeline::outputs::SITE_DIR;

/// `<vendor>.html`, refused unless the vendor's name is one plain path component.
pub fn page_file(vendor: &Vendor) -> Result<String, Error> {
    Ok(format!("{}.html", path_component(vendor.name)?))
}

/// `name` itself if it can be used as one file-name component: lowercase ASCII letters, digits
/// and inner `-`, at most 64 characters. Anything else (a separator, `..`, a leading dot or dash,
/// spaces) is an error naming it.
fn path_component(name: &str) -> Result<&str, Error> {
    let plain = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if plain {
        Ok(name)
    } else {
        Err(site_error(
            SITE_DIR,
            format!(
                "`{}` cannot name a file of the site: use lowercase letters, digits and `-`",
                name.escape_debug()
            ),
        ))
    }
}

fn site_error(document: &str, message: impl Into<String>) -> Error {
    Error::Site {
        document: document.to_string(),
        message: message.into(),
    }
}

/// `cargo xtask site`: checks every vendor's document as `generate` does, renders the site, then
/// writes it to [`SITE_DIR`] (`Mode::Write`, deleting pages no vendor produces any more) or
/// reports how the files on disk differ (`Mode::Check`). The Node tools must be installed.
pub fn publish(repo: &Path, mode: Mode) -> Result<Report, Error> {
    let step = Step::start(match mode {
        Mode::Write => "site",
        Mode::Check => "site --check",
    });
    let documents = outputs::load_all_checked(repo, &step)?;
    step.say("rendering the pages with Redocly");
    let files = site_files_of(repo, &documents)?;
    let report = outputs::sync(repo, mode, &files, &[SITE_DIR.to_string()], &[], &step)?;
    step.finish();
    Ok(report)
}

/// Every file of the site, by path relative to the repository.
pub fn site_files(repo: &Path) -> Result<BTreeMap<String, String>, Error> {
    let mut docs = Vec::new();
    for vendor in &VENDORS {
        docs.push((vendor, Document::load(repo, &vendor.spec_path())?));
    }
    site_files_of(repo, &docs)
}

/// [`site_files`] for the vendors' documents, already loaded.
fn site_files_of(
    repo: &Path,
    documents: &[(&Vendor, Document)],
) -> Result<BTreeMap<String, String>, Error> {
    let redocly = redoc::redocly_version(repo)?;
    let renderer = format!(
        "Redoc {} (Redocly CLI {redocly} `build-docs`)",
        redoc::redoc_version(repo)?
    );
    let inputs = documents
        .iter()
        .map(|(vendor, doc)| {
            Ok(redoc::PageInput {
                entry: index::Entry {
                    stem: path_component(vendor.name)?,
                    doc,
                },
                document: sections::site_document(doc),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let pages = redoc::render_pages(repo, &inputs)?;

    let mut files = BTreeMap::new();
    for (input, html) in inputs.iter().zip(pages) {
        let header = generated_header(&input.entry.doc.name, &renderer);
        files.insert(
            format!("{SITE_DIR}/{}.html", input.entry.stem),
            format!("<!-- {header} -->\n{html}"),
        );
    }
    let entries: Vec<index::Entry> = inputs.iter().map(|input| input.entry).collect();
    let sources: Vec<&str> = entries
        .iter()
        .map(|entry| entry.doc.name.as_str())
        .collect();
    let index_header = generated_header(&sources.join(", "), &renderer);
    files.insert(
        format!("{SITE_DIR}/index.html"),
        index::index_page(&format!("<!-- {index_header} -->"), &renderer, &entries),
    );
    files.insert(
        format!("{SITE_DIR}/{}", redoc::RENDERER_FILE),
        redoc::renderer_file(
            repo,
            &format!(
                "/* Generated by `cargo xtask site`; do not edit. {renderer}: Redoc's \
                 standalone bundle (MIT, Redocly LLC) as a string, for the pages beside it to \
                 import from a local file; its logo is drawn locally (xtask/src/site/redoc.rs). */"
            ),
        )?,
    );
    Ok(files)
}

fn generated_header(source: &str, renderer: &str) -> String {
    format!("Generated by `cargo xtask site` from {source} with {renderer}; do not edit.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_become_file_names() {
        for good in ["attestr", "gainsight-px", "v2"] {
            assert_eq!(path_component(good).unwrap(), good);
        }
        for bad in [
            "", "..", ".hidden", "-x", "a/b", "a\\b", "A", "a b", "é", "a\0",
        ] {
            let err = path_component(bad).unwrap_err().to_string();
            assert!(
                err.contains("cannot name a file of the site"),
                "{bad:?}: {err}"
            );
        }
    }
}
