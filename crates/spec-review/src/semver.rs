//! The Rust API change of the generated files, rated as Cargo's semver rules see it.
//!
//! Each generated file is reduced to its public surface, one block per item: for `generated.rs`
//! the API summary ([`spec_pipeline::api_summary`]: each operation as the builder calls a user writes, each
//! type with its fields or variants), for the other files (`error_codes.rs`, `operations.rs`) their
//! public enums, structs, constants and functions. The blocks of the base and of what the
//! working-tree spec generates are compared, and each difference is rated:
//!
//! | difference | rating | why |
//! |---|---|---|
//! | an item removed, or its signature changed (a type, a return type, a constant's type) | breaking | code that uses it stops compiling |
//! | an operation gains a builder call | additive | a new optional setter; existing calls compile |
//! | an operation loses a builder call, or one changes type | breaking | calls that use it stop compiling |
//! | a struct gains a field | breaking | progenitor's structs have public fields and no `#[non_exhaustive]`: struct literals must name every field |
//! | an enum gains a variant | breaking, unless the enum is `#[non_exhaustive]` (then additive) | exhaustive `match`es stop compiling |
//! | an item becomes `#[non_exhaustive]` | breaking | exhaustive `match`es and struct literals outside the crate stop compiling |
//! | an item is no longer `#[non_exhaustive]` | additive | existing code compiles (its wildcard arms become unreachable) |
//! | a new item | additive | nothing existing refers to it |
//!
//! Why not cargo-semver-checks: it needs its own build (several minutes on the CI machine) and
//! rustdoc JSON of each crate at both revisions, and `cargo xtask diff` runs in the test suite on
//! every CI run. The rules above are the cases the generated code can produce; the hand-written
//! layer is out of their reach, and the report says so.

use std::collections::BTreeMap;

use serde::Serialize;
use syn::{Fields, ImplItem, Item, Visibility};

/// The semver level of a Rust API change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApiLevel {
    /// No public item changed.
    #[default]
    Unchanged,
    /// Only additions: a minor release.
    Additive,
    /// Existing code may stop compiling: a major release.
    Breaking,
}

impl ApiLevel {
    /// The level in words, with the release it needs, as the reports print it.
    pub fn label(self) -> &'static str {
        match self {
            ApiLevel::Unchanged => "no public API change",
            ApiLevel::Additive => "additive (minor)",
            ApiLevel::Breaking => "semver-breaking (major)",
        }
    }
}

/// The rating of one vendor's generated API change, with a reason per difference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiRating {
    /// The worst level among the findings; [`ApiLevel::Unchanged`] when there are none.
    pub level: ApiLevel,
    /// `(level, what changed and why it has that level)`, sorted, breaking first.
    pub findings: Vec<(ApiLevel, String)>,
}

/// One public item: its signature line, and its members (fields, variants, builder calls).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    signature: String,
    members: Vec<String>,
    kind: BlockKind,
    non_exhaustive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Operation,
    Struct,
    Enum,
    Other,
}

/// Rates the change from `base` to `current` (path → source of every generated Rust file).
pub fn rate(base: &BTreeMap<String, String>, current: &BTreeMap<String, String>) -> ApiRating {
    let mut findings = Vec::new();
    let surface = |sources: &BTreeMap<String, String>, findings: &mut Vec<(ApiLevel, String)>| {
        let mut blocks = BTreeMap::new();
        for (path, source) in sources {
            match surface_of(path, source) {
                Ok(found) => blocks.extend(found),
                Err(message) => findings.push((
                    ApiLevel::Breaking,
                    format!("{path} does not parse ({message}); rated breaking to be safe"),
                )),
            }
        }
        blocks
    };
    let old = surface(base, &mut findings);
    let new = surface(current, &mut findings);
    for (key, before) in &old {
        match new.get(key) {
            None => findings.push((
                ApiLevel::Breaking,
                format!("`{key}` was removed: code that uses it stops compiling"),
            )),
            Some(after) => compare(key, before, after, &mut findings),
        }
    }
    for key in new.keys().filter(|key| !old.contains_key(*key)) {
        findings.push((ApiLevel::Additive, format!("`{key}` was added")));
    }
    findings.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    findings.dedup();
    ApiRating {
        level: findings
            .iter()
            .map(|(level, _)| *level)
            .max()
            .unwrap_or_default(),
        findings,
    }
}

fn compare(key: &str, before: &Block, after: &Block, findings: &mut Vec<(ApiLevel, String)>) {
    if before.signature != after.signature && before.kind != BlockKind::Operation {
        findings.push((
            ApiLevel::Breaking,
            format!(
                "`{key}` changed from `{}` to `{}`",
                before.signature, after.signature
            ),
        ));
    }
    match (before.non_exhaustive, after.non_exhaustive) {
        (false, true) => findings.push((
            ApiLevel::Breaking,
            format!(
                "`{key}` became `#[non_exhaustive]`: outside `match`es and literals of it break"
            ),
        )),
        (true, false) => findings.push((
            ApiLevel::Additive,
            format!("`{key}` is no longer `#[non_exhaustive]`: existing code still compiles"),
        )),
        _ => {}
    }
    for gone in before.members.iter().filter(|m| !after.members.contains(m)) {
        findings.push((
            ApiLevel::Breaking,
            format!(
                "`{key}` lost `{}`: code that uses it stops compiling",
                gone.trim()
            ),
        ));
    }
    for added in after.members.iter().filter(|m| !before.members.contains(m)) {
        let added = added.trim();
        let rating = match after.kind {
            BlockKind::Operation => (
                ApiLevel::Additive,
                format!("`{key}` gained the builder call `{added}`"),
            ),
            BlockKind::Struct => (
                ApiLevel::Breaking,
                format!(
                    "`{key}` gained the field `{added}`: struct literals must name every field"
                ),
            ),
            BlockKind::Enum if after.non_exhaustive => (
                ApiLevel::Additive,
                format!("`{key}` gained the variant `{added}` (the enum is `#[non_exhaustive]`)"),
            ),
            BlockKind::Enum => (
                ApiLevel::Breaking,
                format!(
                    "`{key}` gained the variant `{added}`: exhaustive `match`es stop compiling"
                ),
            ),
            BlockKind::Other => (ApiLevel::Breaking, format!("`{key}` gained `{added}`")),
        };
        findings.push(rating);
    }
}

/// The public items of one generated file, keyed by a name that survives a signature change.
fn surface_of(path: &str, source: &str) -> Result<BTreeMap<String, Block>, String> {
    if path.ends_with("/generated.rs") {
        let summary = spec_pipeline::api_summary::summarize(source)?;
        return Ok(summary_blocks(&summary));
    }
    let file = syn::parse_file(source).map_err(|err| err.to_string())?;
    Ok(item_blocks(&file.items))
}

/// The blocks of an API summary: `name: METHOD /path` operations and `struct`/`enum`/`type` items,
/// each separated by a blank line.
fn summary_blocks(summary: &str) -> BTreeMap<String, Block> {
    let mut blocks = BTreeMap::new();
    let mut section = "";
    for chunk in summary.split("\n\n") {
        let mut lines = chunk.lines().filter(|line| !line.trim().is_empty());
        let Some(mut first) = lines.next() else {
            continue;
        };
        if first.starts_with("# ") {
            section = first;
            match lines.next() {
                Some(line) => first = line,
                None => continue,
            }
        }
        let members: Vec<String> = lines
            .filter(|line| line.trim() != "}")
            .map(|line| line.trim().to_string())
            .collect();
        let (key, kind) = if section == "# Operations" {
            let name = first.split(':').next().unwrap_or(first);
            (format!("client.{name}()"), BlockKind::Operation)
        } else {
            let mut words = first.split(|c: char| c.is_whitespace() || c == '(' || c == '{');
            let keyword = words.next().unwrap_or_default();
            let name = words.next().unwrap_or_default();
            let kind = match keyword {
                "struct" => BlockKind::Struct,
                "enum" => BlockKind::Enum,
                _ => BlockKind::Other,
            };
            (format!("types::{name}"), kind)
        };
        blocks.insert(
            key,
            Block {
                signature: first.trim_end_matches(" {").to_string(),
                members,
                kind,
                non_exhaustive: false,
            },
        );
    }
    blocks
}

/// A file's public enums, structs, constants, statics and functions (free, or inherent on a type).
fn item_blocks(items: &[Item]) -> BTreeMap<String, Block> {
    let mut blocks = BTreeMap::new();
    let tokens = |tokens: &dyn quote::ToTokens| tokens.to_token_stream().to_string();
    for item in items {
        let (key, block) = match item {
            Item::Enum(item) if is_pub(&item.vis) => {
                let members = item
                    .variants
                    .iter()
                    .map(|variant| {
                        let mut variant = variant.clone();
                        variant.attrs.clear();
                        tokens(&variant)
                    })
                    .collect();
                type_block(BlockKind::Enum, &item.ident, &item.attrs, members)
            }
            Item::Struct(item) if is_pub(&item.vis) => {
                let members = match &item.fields {
                    Fields::Named(fields) => fields
                        .named
                        .iter()
                        .filter(|field| is_pub(&field.vis))
                        .map(|field| format!("{}: {}", tokens(&field.ident), tokens(&field.ty)))
                        .collect(),
                    other => vec![tokens(other)],
                };
                type_block(BlockKind::Struct, &item.ident, &item.attrs, members)
            }
            Item::Const(item) if is_pub(&item.vis) => (
                item.ident.to_string(),
                other_block(format!("const {}: {}", item.ident, tokens(&item.ty))),
            ),
            Item::Static(item) if is_pub(&item.vis) => (
                item.ident.to_string(),
                other_block(format!("static {}: {}", item.ident, tokens(&item.ty))),
            ),
            Item::Fn(item) if is_pub(&item.vis) => (
                format!("{}()", item.sig.ident),
                other_block(tokens(&item.sig)),
            ),
            Item::Impl(block) if block.trait_.is_none() => {
                let owner = tokens(&block.self_ty);
                for member in &block.items {
                    if let ImplItem::Fn(method) = member
                        && is_pub(&method.vis)
                    {
                        blocks.insert(
                            format!("{owner}::{}()", method.sig.ident),
                            other_block(tokens(&method.sig)),
                        );
                    }
                }
                continue;
            }
            _ => continue,
        };
        blocks.insert(key, block);
    }
    blocks
}

/// The key and block of a public enum or struct.
fn type_block(
    kind: BlockKind,
    name: &syn::Ident,
    attrs: &[syn::Attribute],
    members: Vec<String>,
) -> (String, Block) {
    let keyword = if kind == BlockKind::Enum {
        "enum"
    } else {
        "struct"
    };
    let block = Block {
        signature: format!("{keyword} {name}"),
        members,
        kind,
        non_exhaustive: attrs
            .iter()
            .any(|attr| attr.path().is_ident("non_exhaustive")),
    };
    (name.to_string(), block)
}

fn other_block(signature: String) -> Block {
    Block {
        signature,
        members: Vec::new(),
        kind: BlockKind::Other,
        non_exhaustive: false,
    }
}

fn is_pub(visibility: &Visibility) -> bool {
    matches!(visibility, Visibility::Public(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(path: &str, source: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(path.to_string(), source.to_string())])
    }

    const CODES: &str = "#[non_exhaustive] pub enum ErrorCode { A, B, Unknown(i64) }\n\
                         pub enum Closed { A }\n\
                         pub const OPERATIONS: &[u8] = &[];\n\
                         impl ErrorCode { pub fn code(self) -> i64 { 0 } }";

    #[test]
    fn a_new_variant_of_a_non_exhaustive_enum_is_additive_and_of_a_closed_one_breaking() {
        let base = sources("crates/a/src/error_codes.rs", CODES);
        let added = sources(
            "crates/a/src/error_codes.rs",
            &CODES.replace("A, B,", "A, B, ProfileIsLocked,"),
        );
        let rating = rate(&base, &added);
        assert_eq!(rating.level, ApiLevel::Additive);
        assert_eq!(
            rating.findings,
            [(
                ApiLevel::Additive,
                "`ErrorCode` gained the variant `ProfileIsLocked` (the enum is `#[non_exhaustive]`)"
                    .to_string()
            )]
        );
        let closed = sources(
            "crates/a/src/error_codes.rs",
            &CODES.replace("Closed { A }", "Closed { A, B }"),
        );
        assert_eq!(rate(&base, &closed).level, ApiLevel::Breaking);
        let removed = sources("crates/a/src/error_codes.rs", &CODES.replace("A, B,", "A,"));
        let rating = rate(&base, &removed);
        assert_eq!(rating.level, ApiLevel::Breaking);
        assert!(rating.findings[0].1.contains("lost `B`"), "{rating:?}");
        assert_eq!(rate(&base, &base), ApiRating::default());
    }

    #[test]
    fn becoming_non_exhaustive_is_breaking_and_ceasing_to_be_is_additive() {
        let base = sources("crates/a/src/error_codes.rs", CODES);
        let marked = sources(
            "crates/a/src/error_codes.rs",
            &CODES.replace("pub enum Closed", "#[non_exhaustive] pub enum Closed"),
        );
        let rating = rate(&base, &marked);
        assert_eq!(rating.level, ApiLevel::Breaking);
        assert!(
            rating.findings[0]
                .1
                .starts_with("`Closed` became `#[non_exhaustive]`"),
            "{rating:?}"
        );
        let rating = rate(&marked, &base);
        assert_eq!(rating.level, ApiLevel::Additive, "{rating:?}");
        assert!(
            rating.findings[0]
                .1
                .starts_with("`Closed` is no longer `#[non_exhaustive]`"),
            "{rating:?}"
        );
    }

    #[test]
    fn summary_blocks_rate_fields_builder_calls_and_return_types() {
        let summary = "# Operations\n\nget: GET /x/{id}\n  client.get()\n    .id(String)\n    .send() -> Result<ResponseValue<Thing>, Error<ByteStream>>\n\n# Types\n\nstruct Thing {\n  a: String\n}\n";
        let base = summary_blocks(summary);
        assert_eq!(base.len(), 2, "{base:?}");
        let check = |edited: &str| {
            let mut findings = Vec::new();
            let after = summary_blocks(edited);
            for (key, before) in &base {
                compare(key, before, &after[key], &mut findings);
            }
            findings
        };
        let new_field = check(&summary.replace("  a: String\n", "  a: String\n  b: Option<i64>\n"));
        assert_eq!(new_field[0].0, ApiLevel::Breaking);
        assert!(new_field[0].1.contains("gained the field `b: Option<i64>`"));
        let new_setter =
            check(&summary.replace("    .id(String)\n", "    .id(String)\n    .hard(bool)\n"));
        assert_eq!(
            new_setter,
            [(
                ApiLevel::Additive,
                "`client.get()` gained the builder call `.hard(bool)`".to_string()
            )]
        );
        let new_return =
            check(&summary.replace("ResponseValue<Thing>", "ResponseValue<ByteStream>"));
        assert_eq!(new_return[0].0, ApiLevel::Breaking);
    }
}
